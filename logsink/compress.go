package logsink

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// errStopped ends a compression that Sink.Close interrupts.
var errStopped = errors.New("logsink: compression stopped")

// compressor gzips the rotated files of one stream (Options.Compress), one
// at a time, in a goroutine that runs only while there is something to
// compress. The Sink does it rather than lumberjack, whose compression
// goroutine cannot be waited for: it went on after Close, and when a Sink
// re-created on the same directory compressed the same file at the same
// time, the one that finished second found the plain file gone and removed
// the compressed one, so the backup was lost.
//
// A file is compressed into <name>.gz, created with mode filePerm, and the
// plain file is removed only once the compressed one is complete: a reader
// takes the plain one while it exists. close interrupts a compression under
// way (its partial .gz is removed, the plain file kept for the next Sink) and
// waits for the goroutine.
type compressor struct {
	dir    string
	naming backupNaming
	stats  *streamStats
	limit  *Compressors  // shared with other streams; nil: no bound
	stop   chan struct{} // closed by close

	mu      sync.Mutex
	running bool // run is active
	again   bool // kick was called while run was active
	stopped bool
	wg      sync.WaitGroup
}

func newCompressor(path string, stats *streamStats, limit *Compressors) *compressor {
	return &compressor{
		dir:    filepath.Dir(path),
		naming: newBackupNaming(path),
		stats:  stats,
		limit:  limit,
		stop:   make(chan struct{}),
	}
}

// kick has every rotated file not compressed yet compressed.
func (c *compressor) kick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.stopped:
	case c.running:
		c.again = true
	default:
		c.running = true
		c.wg.Go(c.run)
	}
}

func (c *compressor) run() {
	for {
		c.compressAll()
		c.mu.Lock()
		if !c.again || c.stopped {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.again = false
		c.mu.Unlock()
	}
}

// close stops the compressor and waits for its goroutine.
func (c *compressor) close() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.stop)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// compressAll compresses the plain rotated files, oldest first, until close.
func (c *compressor) compressAll() {
	entries, err := os.ReadDir(c.dir) // sorted by name: oldest first
	if err != nil {
		c.stats.report(fmt.Errorf("compress rotated files: %w", err))
		return
	}
	for _, e := range entries {
		stamp, gz, ok := c.naming.parse(e.Name())
		if !ok || gz {
			continue
		}
		err := c.compress(filepath.Join(c.dir, c.naming.name(stamp, false)))
		switch {
		case errors.Is(err, errStopped):
			return
		case err != nil:
			c.stats.report(err)
		}
	}
}

// compress gzips the rotated file src into src.gz, then removes src. On
// failure src.gz is removed and src kept. If src is removed meanwhile
// (MaxBackups, MaxAge), src.gz is removed too. It first waits for a place
// among the compressions of c.limit.
func (c *compressor) compress(src string) (err error) {
	if !c.limit.enter(c.stop) {
		return errStopped
	}
	defer c.limit.leave()
	in, err := openRegular(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // removed meanwhile
	}
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	defer in.Close()
	dst := src + compressSuffix
	// O_TRUNC: what an interrupted compression left is started again.
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|oNoFollow, filePerm)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("compress: %w", cerr)
		}
		if err != nil {
			_ = os.Remove(dst)
		}
	}()
	if err := out.Chmod(filePerm); err != nil { // OpenFile is subject to the umask
		return fmt.Errorf("compress: %w", err)
	}
	zw := gzip.NewWriter(out)
	if _, err := io.Copy(zw, stopReader{in, c.stop}); err != nil {
		if errors.Is(err, errStopped) {
			return err
		}
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	if err := os.Remove(src); errors.Is(err, fs.ErrNotExist) {
		_ = os.Remove(dst) // the backup was removed meanwhile (MaxBackups, MaxAge)
	} else if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	return nil
}

// stopReader reads r until stop is closed, then fails with errStopped.
type stopReader struct {
	r    io.Reader
	stop <-chan struct{}
}

func (s stopReader) Read(p []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, errStopped
	default:
		return s.r.Read(p)
	}
}
