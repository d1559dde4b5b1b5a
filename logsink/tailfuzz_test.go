package logsink

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// refTail returns the last n lines of data (all when n < 0), a final line
// without newline counting as a line.
func refTail(data []byte, n int) []byte {
	if n < 0 {
		return data
	}
	if n == 0 || len(data) == 0 {
		return nil
	}
	end := len(data) - 1
	found := 0
	for i := end - 1; i >= 0; i-- {
		if data[i] == '\n' {
			found++
			if found == n {
				return data[i+1:]
			}
		}
	}
	return data
}

// writeLogFile writes content to name, or gzipped to name.gz.
func writeLogFile(t *testing.T, name string, content []byte, gz bool) {
	t.Helper()
	if gz {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		if _, err := zw.Write(content); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		content, name = z.Bytes(), name+".gz"
	}
	if err := os.WriteFile(name, content, 0o640); err != nil {
		t.Fatal(err)
	}
}

// randomOutput returns up to 5 random pieces of a service's output: empty
// lines, whole lines, and pieces of a line without its newline.
func randomOutput(rng *rand.Rand) []byte {
	var b []byte
	for range rng.IntN(6) {
		switch rng.IntN(4) {
		case 0:
			b = append(b, '\n')
		case 1:
			b = append(b, bytes.Repeat([]byte("x"), rng.IntN(5))...)
		default:
			b = append(b, fmt.Sprintf("l%d\n", rng.IntN(100))...)
		}
	}
	return b
}

func TestTailDifferential(t *testing.T) {
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 7))
		dir := t.TempDir()
		path := filepath.Join(dir, "stdout.log")
		nb := rng.IntN(4)
		var all []byte
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		gen := func() []byte { return randomOutput(rng) }
		for i := range nb {
			content := gen()
			all = append(all, content...)
			stamp := base.Add(time.Duration(i) * time.Second).Format(backupTimeFormat)
			name := filepath.Join(dir, "stdout-"+stamp+".log")
			writeLogFile(t, name, content, rng.IntN(2) == 0)
		}
		live := gen()
		all = append(all, live...)
		if rng.IntN(5) > 0 || len(live) > 0 {
			writeLogFile(t, path, live, false)
		}
		for n := -1; n <= 8; n++ {
			r, err := Tail(context.Background(), path, TailOptions{Lines: n})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := refTail(all, n)
			if !bytes.Equal(got, want) {
				t.Errorf("seed %d n=%d: got %q want %q (all %q)", seed, n, got, want, all)
			}
		}
	}
}

func TestFollowDifferential(t *testing.T) {
	for seed := range uint64(150) {
		rng := rand.New(rand.NewPCG(seed, 9))
		dir := t.TempDir()
		path := filepath.Join(dir, "stdout.log")
		var all []byte
		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		stampN := 0
		gen := func() []byte { return randomOutput(rng) }
		rotate := func(gz bool) {
			stamp := base.Add(time.Duration(stampN) * time.Second).Format(backupTimeFormat)
			stampN++
			name := filepath.Join(dir, "stdout-"+stamp+".log")
			if err := os.Rename(path, name); err != nil {
				t.Fatal(err)
			}
			if gz {
				content, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				writeLogFile(t, name, content, true)
				if err := os.Remove(name); err != nil {
					t.Fatal(err)
				}
			}
			writeLogFile(t, path, nil, false)
		}
		appendLive := func(b []byte) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		appendLive(nil)
		for range rng.IntN(4) {
			appendLive(gen())
			rotate(rng.IntN(2) == 0)
		}
		appendLive(gen())
		n := rng.IntN(6)
		want := append([]byte(nil), refTail(all, n)...)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		r, err := Tail(ctx, path, TailOptions{Lines: n, Follow: true})
		if err != nil {
			t.Fatal(err)
		}
		for range rng.IntN(4) {
			b := gen()
			appendLive(b)
			want = append(want, b...)
			if rng.IntN(2) == 0 {
				rotate(rng.IntN(2) == 0)
			}
		}
		marker := []byte("END\n")
		appendLive(marker)
		want = append(want, marker...)
		var got []byte
		buf := make([]byte, 7)
		for !bytes.HasSuffix(got, marker) || len(got) < len(want) {
			k, err := r.Read(buf)
			got = append(got, buf[:k]...)
			if err != nil {
				break
			}
			if len(got) > len(want) {
				break
			}
		}
		r.Close()
		cancel()
		if !bytes.Equal(got, want) {
			t.Errorf("seed %d n=%d: got %q want %q (all %q)", seed, n, got, want, all)
		}
	}
}
