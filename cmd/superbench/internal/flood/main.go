// Command flood writes log lines to its stdout for superbench's log
// benchmarks, then waits for SIGTERM or SIGINT.
//
// With -bytes it writes exactly that many bytes as fast as the pipe takes
// them, in writes of -chunk bytes. With -rate it writes that many lines a
// second, in one write every -tick, until it is stopped. With -gate it
// first opens that FIFO for reading, which blocks until superbench opens it
// for writing: the clock starts when the first byte can go, and a
// supervisor starts a hundred quiet services, not a hundred floods.
//
// Every line is -line bytes long, newline included.
//
//	flood [-gate FIFO] -bytes N [-chunk B] [-line L]
//	flood [-gate FIFO] -rate LINES [-tick D] [-line L]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("flood", flag.ContinueOnError)
	total := fs.Int64("bytes", 0, "write this many bytes, then wait")
	rate := fs.Int("rate", 0, "write this many lines a second until stopped")
	line := fs.Int("line", 100, "length of a line, newline included")
	chunk := fs.Int("chunk", 64<<10, "bytes per write with -bytes")
	tick := fs.Duration("tick", 10*time.Millisecond, "time between two writes with -rate")
	gate := fs.String("gate", "", "FIFO to open for reading before writing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*total > 0) == (*rate > 0) || *line < 1 || *chunk < *line || *tick <= 0 {
		fmt.Fprintln(os.Stderr, "usage: flood [-gate FIFO] -bytes N [-chunk B] [-line L] | flood [-gate FIFO] -rate LINES [-tick D] [-line L]")
		return 2
	}
	// Waiting at the gate comes first: SIGTERM still kills the program
	// there, as its signals are not handled yet.
	if *gate != "" {
		f, err := os.Open(*gate)
		if err != nil {
			fmt.Fprintln(os.Stderr, "flood:", err)
			return 1
		}
		_ = f.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var err error
	if *total > 0 {
		err = writeBytes(*total, *line, *chunk)
	} else {
		err = writeRate(ctx, *rate, *line, *tick)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flood:", err)
		return 1
	}
	<-ctx.Done()
	return 0
}

// lines returns n bytes of lines of length line (the last one may be cut).
func lines(n, line int) []byte {
	one := append(bytes.Repeat([]byte{'x'}, line-1), '\n')
	b := bytes.Repeat(one, n/line+1)
	return b[:n]
}

// writeBytes writes total bytes of lines to stdout, chunk bytes at a time
// (chunk is rounded down to whole lines).
func writeBytes(total int64, line, chunk int) error {
	chunk -= chunk % line
	buf := lines(chunk, line)
	for total > 0 {
		b := buf
		if int64(len(b)) > total {
			b = b[:total]
		}
		n, err := os.Stdout.Write(b)
		if err != nil {
			return err
		}
		total -= int64(n)
	}
	return nil
}

// writeRate writes rate lines a second, in one write every tick, until ctx
// is done.
func writeRate(ctx context.Context, rate, line int, tick time.Duration) error {
	perTick := float64(rate) * tick.Seconds()
	buf := lines(int(perTick+1)*line, line)
	t := time.NewTicker(tick)
	defer t.Stop()
	owed := 0.0
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		owed += perTick
		n := int(owed)
		if n == 0 {
			continue
		}
		owed -= float64(n)
		if _, err := os.Stdout.Write(buf[:n*line]); err != nil {
			return err
		}
	}
}
