package logsink

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A damaged rotated file (a truncated gzip) ended the look for the last n
// lines: -n 100 gave the lines after it only (52), while -n all reads its
// readable part and the files before it. Its readable part now counts, and
// the look goes on before it.
func TestTailThroughADamagedRotatedFile(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "stdout.log")
	now := time.Now()
	gz := func(name string, prefix string, lines int, cut int) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		for i := 1; i <= lines; i++ {
			fmt.Fprintf(zw, "%s %d\n", prefix, i)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		if cut > 0 {
			data = data[:cut]
		}
		if err := os.WriteFile(name, data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	gz(backupName(live, now.Add(-3*time.Hour))+compressSuffix, "OLD1", 1000, 0)
	gz(backupName(live, now.Add(-2*time.Hour))+compressSuffix, "OLD2", 100000, 20000) // damaged
	gz(backupName(live, now.Add(-1*time.Hour))+compressSuffix, "OLD3", 50, 0)
	if err := os.WriteFile(live, []byte("live1\nlive2\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(tailAll(t, live, 100)), "\n"), "\n")
	if len(got) != 100 {
		t.Fatalf("-n 100 gave %d lines, want 100: first %q, last %q", len(got), got[0], got[len(got)-1])
	}
	// The last 48 readable lines of OLD2 (its last one cut where the file
	// is, and ended there rather than run into OLD3's first), then OLD3,
	// then the live file.
	if !strings.HasPrefix(got[0], "OLD2 ") || got[48] != "OLD3 1" || got[98] != "live1" || got[99] != "live2" {
		t.Errorf("lines %q ... %q, %q ... %q", got[0], got[48], got[98], got[99])
	}
	var a int
	for i := 0; i < 47; i++ {
		var b int
		if _, err := fmt.Sscanf(got[i], "OLD2 %d", &b); err != nil || i > 0 && b != a+1 {
			t.Fatalf("line %d: %q after %d: not the next line", i, got[i], a)
		}
		a = b
	}
	if cut := got[47]; !strings.HasPrefix(fmt.Sprintf("OLD2 %d", a+1), cut) {
		t.Errorf("line 47: %q, want a beginning of %q", cut, fmt.Sprintf("OLD2 %d", a+1))
	}
	// -n all: every file, the damaged one's cut line ended there too.
	all := strings.Split(strings.TrimSuffix(string(tailAll(t, live, -1)), "\n"), "\n")
	if all[0] != "OLD1 1" || all[len(all)-1] != "live2" {
		t.Errorf("-n all: %q ... %q", all[0], all[len(all)-1])
	}
	for i, line := range all {
		if strings.LastIndex(line, "OLD") > 0 || strings.LastIndex(line, "live") > 0 {
			t.Errorf("-n all, line %d: %q runs into the next file's", i, line)
		}
	}
}
