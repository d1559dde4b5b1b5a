package config

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"slices"
)

// hashVersion starts the hashed encoding; change it when the encoding changes.
const hashVersion = "supers/config.Service v3"

// ComputeHash returns the hex SHA-256 of a canonical encoding of every field
// of s except File, EnvironmentFiles and Hash, which say where the values
// came from (the variables of the EnvironmentFiles are in Environment, and
// hashed there). The encoding is of values, not text: two files
// that differ only in comments, spacing, key order or the spelling of a value
// ("TERM" and "SIGTERM", "90" and "1min 30s") give the same Service and so
// the same hash, while any change to a value changes it. Environment counts
// as a set of variables: entries overridden by later ones are left out and
// the rest sorted; the exit status lists of Restart count as sets too.
// ComputeHash does not modify s (it does not set s.Hash).
func (s *Service) ComputeHash() string {
	e := hashEncoder{h: sha256.New()}
	e.str(hashVersion)
	e.str(s.Name)
	e.str(s.Description)
	e.strs(s.ExecStart)
	e.str(s.WorkingDirectory)
	env := dedupeEnv(s.Environment)
	slices.Sort(env)
	e.strs(env)
	e.str(s.User)
	e.str(s.Group)
	e.bool(s.UMask != nil)
	if s.UMask != nil {
		e.uint(uint64(*s.UMask))
	}
	e.bool(s.AutoStart)
	e.str(s.KillSignal)
	e.int(int64(s.TimeoutStopSec))
	r := &s.Restart
	e.str(string(r.Mode))
	for _, set := range r.exitStatusSets() {
		n := set.set.normalized()
		e.ints(n.Codes)
		e.strs(n.Signals)
	}
	e.int(int64(r.Delay))
	e.int(int64(r.MaxDelay))
	e.int(int64(r.StableAfter))
	e.int(int64(r.StartLimitBurst))
	e.int(int64(r.StartLimitInterval))
	e.int(int64(r.Cooldown))
	e.int(s.Log.MaxSize)
	e.int(int64(s.Log.MaxBackups))
	e.int(int64(s.Log.MaxAge))
	e.bool(s.Log.Compress)
	e.int(int64(s.Log.RotateEvery))
	if s.Log.Timestamps {
		// Only when set, and last: the hashes of the files that do not
		// set it stay what they were before the key existed (clients
		// hold them as ETags).
		e.bool(true)
	}
	if !s.IgnoreSIGPIPE {
		// The same for IgnoreSIGPIPE=, whose default is true; a string,
		// which cannot be mistaken for Timestamps' mark.
		e.str("IgnoreSIGPIPE=no")
	}
	return hex.EncodeToString(e.h.Sum(nil))
}

// hashEncoder writes values to a hash unambiguously: strings and lists are
// length-prefixed, numbers are varints, and the field order is fixed.
type hashEncoder struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

func (e *hashEncoder) uint(u uint64) {
	n := binary.PutUvarint(e.buf[:], u)
	e.h.Write(e.buf[:n])
}

func (e *hashEncoder) int(i int64) { e.uint(uint64(i)) }

func (e *hashEncoder) bool(b bool) {
	if b {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

func (e *hashEncoder) str(s string) {
	e.uint(uint64(len(s)))
	io.WriteString(e.h, s)
}

func (e *hashEncoder) ints(is []int) {
	e.uint(uint64(len(is)))
	for _, i := range is {
		e.int(int64(i))
	}
}

func (e *hashEncoder) strs(ss []string) {
	e.uint(uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}
