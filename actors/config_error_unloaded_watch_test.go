//go:build linux

package actors

import "testing"

// A file that never loaded, deleted and written again as broken as before
// within watchAbsentConfirm, is not published again: the watch holds it as
// if it had not gone, as it does the file of a service
// (TestConfigErrorWatchFileBackBroken). Its error was published twice.
func TestConfigErrorWatchUnloadedFileBackBroken(t *testing.T) {
	dir := t.TempDir()
	writeConfigFile(t, dir, "w.service", brokenService)
	sup := lcRunOn(t, Config{ConfigDir: dir, LogDir: t.TempDir(), Watch: true}).sup
	waitUntil(t, "the config-error of w", func() bool { return len(configErrorsOf(t, sup, "w")) == 1 })

	rewriteBrokenWithinHold(t, sup, dir)
}
