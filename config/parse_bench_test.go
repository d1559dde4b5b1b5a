package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/supers-dev/supers/config"
)

// benchService is a realistic service file: a description, a command line
// with quotes, an environment, a restart policy and log settings.
const benchService = `[Unit]
Description=Worker %d of the benchmark

[Service]
ExecStart=/usr/local/bin/worker --id %d --listen ":%d" "--motd=hello world"
WorkingDirectory=/srv/worker
Environment=MODE=prod "GREETING=hello world" ID=%d
Restart=always
RestartSec=0
StableSec=1
StartLimitIntervalSec=0
TimeoutStopSec=5s

[Log]
MaxSize=50M
MaxBackups=5
`

// BenchmarkLoadDir1000 measures config.LoadDir on a directory of 1000
// service files, what superd does at start and on every reload. It
// reports the time per file too.
func BenchmarkLoadDir1000(b *testing.B) {
	const n = 1000
	dir := b.TempDir()
	for i := range n {
		text := fmt.Sprintf(benchService, i, i, 8000+i, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("w%04d.service", i)), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		specs, errs := config.LoadDir(dir)
		if len(errs) > 0 || len(specs) != n {
			b.Fatalf("LoadDir: %d services, errors %v", len(specs), errs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/n, "µs/file")
}

// BenchmarkParse measures config.Parse of one service file in memory: the
// parser alone, without the file system.
func BenchmarkParse(b *testing.B) {
	data := []byte(fmt.Sprintf(benchService, 1, 1, 8001, 1))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := config.Parse("w0001", "w0001.service", data); err != nil {
			b.Fatal(err)
		}
	}
}
