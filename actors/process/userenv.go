package process

import (
	"errors"
	"os/user"
	"strconv"
)

// UserEnv returns the variables that describe user name (a name or a
// numeric uid) to a program that runs as that user, as systemd sets them
// for a service with User=: HOME (the user's home directory), USER and
// LOGNAME (the user's name). A numeric uid without a passwd entry (which
// systemd refuses, but a Spec accepts) has no home and no name: HOME is
// "/", as Docker sets it for such a uid, and USER and LOGNAME are the uid.
// A user name without a passwd entry is an error.
func UserEnv(name string) ([]string, error) {
	lookup := user.Lookup
	numeric := false
	if _, ok := ParseID(name); ok {
		lookup, numeric = user.LookupId, true
	}
	u, err := lookup(name)
	if numeric && errors.As(err, new(user.UnknownUserIdError)) {
		return []string{"HOME=/", "USER=" + name, "LOGNAME=" + name}, nil
	}
	if err != nil {
		return nil, err
	}
	return []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username}, nil
}

// ParseID parses a User= or Group= value of digits only as a numeric uid
// or gid, as a start resolves it ("00" is 0); ok is false for a name.
func ParseID(s string) (id uint32, ok bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}
