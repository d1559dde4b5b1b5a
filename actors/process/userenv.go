package process

import (
	"os/user"
	"strconv"
)

// UserEnv returns the variables that describe user name (a name or a
// numeric uid) to a program that runs as that user, as systemd sets them
// for a service with User=: HOME (the user's home directory), USER and
// LOGNAME (the user's name). A user without a passwd entry is an error.
func UserEnv(name string) ([]string, error) {
	lookup := user.Lookup
	if _, err := strconv.ParseUint(name, 10, 32); err == nil {
		lookup = user.LookupId
	}
	u, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username}, nil
}
