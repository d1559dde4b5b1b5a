package config

import (
	"errors"
	"testing"
	"time"
)

// StartLimitBurst= and StartLimitIntervalSec= are [Unit] keys since
// systemd 230: a unit written so was refused as a whole ("unknown key (it
// belongs in [Service])"). Both sections take them, to the same
// configuration; given in both, the second is a duplicate.
func TestStartLimitKeysInUnitSection(t *testing.T) {
	unit, err := Parse("u", "u.service", []byte("[Unit]\nStartLimitBurst=3\nStartLimitIntervalSec=10\n[Service]\nExecStart=/bin/true\n"))
	if err != nil {
		t.Fatalf("[Unit] StartLimitBurst= and StartLimitIntervalSec=: %v", err)
	}
	if unit.Restart.StartLimitBurst != 3 || unit.Restart.StartLimitInterval != 10*time.Second {
		t.Errorf("from [Unit]: burst %d, interval %s; want 3 and 10s", unit.Restart.StartLimitBurst, unit.Restart.StartLimitInterval)
	}
	svc, err := Parse("u", "u.service", []byte("[Service]\nExecStart=/bin/true\nStartLimitBurst=3\nStartLimitIntervalSec=10\n"))
	if err != nil {
		t.Fatal(err)
	}
	if unit.Hash != svc.Hash {
		t.Errorf("the same limits in [Unit] and in [Service] hash differently: %s, %s (a move would restart the service at a reload)", unit.Hash, svc.Hash)
	}
	_, err = Parse("u", "u.service", []byte("[Unit]\nStartLimitBurst=3\n[Service]\nExecStart=/bin/true\nStartLimitBurst=4\n"))
	if !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("StartLimitBurst= in both sections: %v, want %v", err, ErrDuplicateKey)
	}
}
