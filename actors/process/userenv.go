package process

import (
	"bufio"
	"errors"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// LookupUser looks up a user by name, or by numeric uid when s is digits
// only: by its number, so that "007" finds the entry of uid 7, whose id is
// written "7" (os/user compares the text). Every lookup of a User= goes
// through it, so that all agree on who it is.
func LookupUser(s string) (*user.User, error) {
	if id, ok := ParseID(s); ok {
		return user.LookupId(strconv.FormatUint(uint64(id), 10))
	}
	return user.Lookup(s)
}

// LookupGroup is [LookupUser] for a group (Group=).
func LookupGroup(s string) (*user.Group, error) {
	if id, ok := ParseID(s); ok {
		return user.LookupGroupId(strconv.FormatUint(uint64(id), 10))
	}
	return user.LookupGroup(s)
}

// UserEnv returns the variables that describe user name (a name or a
// numeric uid) to a program that runs as that user, as systemd sets them
// for a service with User=: HOME (the user's home directory), USER and
// LOGNAME (the user's name), and SHELL (the login shell of the user's entry
// in /etc/passwd; not set for a user only the name service knows, since
// os/user does not say). A numeric uid without a passwd entry (which
// systemd refuses, but a Spec accepts) has no home and no name: HOME is
// "/", as Docker sets it for such a uid, and USER and LOGNAME are the uid.
// A user name without a passwd entry is an error.
func UserEnv(name string) ([]string, error) {
	numeric := false
	if id, ok := ParseID(name); ok {
		numeric, name = true, strconv.FormatUint(uint64(id), 10) // "007" is uid 7
	}
	u, err := LookupUser(name)
	if numeric && errors.As(err, new(user.UnknownUserIdError)) {
		return []string{"HOME=/", "USER=" + name, "LOGNAME=" + name}, nil
	}
	if err != nil {
		return nil, err
	}
	env := []string{"HOME=" + u.HomeDir, "USER=" + u.Username, "LOGNAME=" + u.Username}
	if shell := loginShell("/etc/passwd", u.Username, u.Uid); shell != "" {
		env = append(env, "SHELL="+shell)
	}
	return env, nil
}

// loginShell returns the login shell of the entry of the passwd file path
// for the user name with the uid, "" if there is none (or no such file).
func loginShell(path, name, uid string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// name:password:uid:gid:gecos:home:shell
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 7 && fields[0] == name && fields[2] == uid {
			return fields[6]
		}
	}
	return ""
}

// ParseID parses a User= or Group= value of digits only as a numeric uid
// or gid, as a start resolves it ("00" is 0); ok is false for a name.
func ParseID(s string) (id uint32, ok bool) {
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}
