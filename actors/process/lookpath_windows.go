//go:build windows

package process

import (
	"os/exec"
	"path/filepath"
)

// lookPath finds the executable file name in the directories of pathList,
// trying the extensions of PATHEXT as exec.LookPath does. Empty and relative
// entries are skipped.
func lookPath(name, pathList string) (string, bool) {
	for _, dir := range filepath.SplitList(pathList) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return p, true
		}
	}
	return "", false
}
