#!/usr/bin/env bash
# Restart latency: SIGKILL of a service's process → its replacement exec'd,
# with Restart=always and RestartSec=0, measured by BenchmarkRestartLatency
# (actors/restart_bench_test.go) against a bare Go kill/wait/fork/exec loop
# interleaved in the same run. Usage: examples/bench/restart-latency.sh [N] [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-200}
count=${2:-5}
echo "machine: $(nproc) cores, kernel $(uname -r), $(go version)"
go test -run '^$' -bench '^BenchmarkRestartLatency$' -benchtime="${n}x" -count="$count" ./actors/ |
  tee /dev/stderr |
  awk '/^BenchmarkRestartLatency/ {
         for (i = 1; i <= NF; i++) { if ($(i+1) == "median-ms") m = m " " $i; if ($(i+1) == "bare-median-ms") b = b " " $i; if ($(i+1) == "x-bare") x = x " " $i }
       }
       END { print "superd medians (ms):" m; print "bare loop medians (ms):" b; print "ratios:" x }' >&2
