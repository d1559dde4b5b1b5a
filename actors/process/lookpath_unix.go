//go:build unix

package process

import (
	"os"
	"path/filepath"
)

// lookPath finds the executable file name in the directories of pathList.
// Empty and relative entries are skipped: they would depend on the current
// directory of the supervisor.
func lookPath(name, pathList string) (string, bool) {
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}
