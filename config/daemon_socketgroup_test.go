package config

import (
	"errors"
	"os"
	"os/user"
	"strconv"
	"testing"
)

// SocketGroupID gives the ID CheckHost's lookup finds, and for a group that
// does not resolve the very error CheckHost reports, so that a caller
// needing both looks the group up once.
func TestDaemonSocketGroupID(t *testing.T) {
	const file = "/etc/super/superd.conf"
	own, err := user.LookupGroupId(strconv.Itoa(os.Getgid()))
	if err != nil {
		t.Skipf("no name for group %d: %v", os.Getgid(), err)
	}
	for group, want := range map[string]int{"": -1, own.Name: os.Getgid(), "4242": 4242} {
		d := Daemon{File: file, SocketGroup: group}
		if id, err := d.SocketGroupID(); id != want || err != nil {
			t.Errorf("SocketGroupID of %q: %d, %v; want %d", group, id, err, want)
		}
	}
	d := Daemon{File: file, SocketGroup: "no-such-group-here"}
	id, err := d.SocketGroupID()
	var ce *Error
	if id != -1 || !errors.As(err, &ce) || !errors.Is(err, ErrInvalidValue) || ce.Key != keySocketGroup {
		t.Fatalf("SocketGroupID of a missing group: %d, %v; want -1 and an *Error of SocketGroup wrapping ErrInvalidValue", id, err)
	}
	if check := d.CheckHost(); check == nil || check.Error() != err.Error() {
		t.Errorf("SocketGroupID's error %q, CheckHost's %v: want the same", err, check)
	}
}
