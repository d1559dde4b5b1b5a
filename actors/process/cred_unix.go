//go:build unix

package process

import (
	"errors"
	"fmt"
	"io/fs"
	"os/user"
	"syscall"
)

// errNotRoot is the cause when a user or group change needs root.
var errNotRoot = fmt.Errorf("changing user or group requires root: %w", fs.ErrPermission)

// errNoPrimaryGroup is the cause when a numeric uid without a passwd entry
// is given without a Group: no gid is guessed.
var errNoPrimaryGroup = errors.New("no passwd entry, so no primary group: set Group")

// resolveCredential returns the credential the child must get for the
// given User and Group of a Spec, when running with euid and egid, or nil
// if the child keeps ours. Errors are *ExecError with Op "user" or "group".
func resolveCredential(userName, groupName string, euid, egid int) (*syscall.Credential, error) {
	if userName == "" && groupName == "" {
		return nil, nil
	}
	var (
		uid, gid   uint32
		hasGid     bool
		groups     []uint32
		userGiven  = userName != ""
		groupGiven = groupName != ""
	)
	if userGiven {
		u, err := lookupUser(userName)
		if err != nil {
			return nil, &ExecError{Op: "user", Path: userName, Err: err}
		}
		uid, gid, hasGid, groups = u.uid, u.gid, u.hasGid, u.groups
	}
	if groupGiven {
		g, err := lookupGroup(groupName)
		if err != nil {
			return nil, &ExecError{Op: "group", Path: groupName, Err: err}
		}
		if userGiven && hasGid && g != gid {
			// As initgroups(user, g) does under systemd: Group= replaces
			// the user's primary group, which must not stay behind as a
			// supplementary one (the groups the user is a member of in
			// the group database stay; a membership of its own primary
			// group is not told apart from its being primary, so it goes
			// too).
			groups = replaceGroup(groups, gid, g)
		}
		gid, hasGid = g, true
	}

	if euid != 0 {
		// Without privileges the child can only be what we are already.
		if userGiven && int64(uid) != int64(euid) {
			return nil, &ExecError{Op: "user", Path: userName, Err: errNotRoot}
		}
		if groupGiven && int64(gid) != int64(egid) {
			return nil, &ExecError{Op: "group", Path: groupName, Err: errNotRoot}
		}
		return nil, nil
	}

	if !userGiven {
		// Only the group changes; the uid stays ours. Our supplementary
		// groups do not (root's, such as disk or adm, when started from a
		// root shell): the child gets none, as under systemd, which calls
		// initgroups only for a User= and whose manager has none to pass
		// on.
		return &syscall.Credential{Uid: uint32(euid), Gid: gid}, nil
	}
	if !hasGid {
		return nil, &ExecError{Op: "user", Path: userName, Err: errNoPrimaryGroup}
	}
	return &syscall.Credential{Uid: uid, Gid: gid, Groups: groups}, nil
}

// replaceGroup returns groups without old and with new, once.
func replaceGroup(groups []uint32, old, new uint32) []uint32 {
	out := make([]uint32, 0, len(groups)+1)
	for _, g := range groups {
		if g != old && g != new {
			out = append(out, g)
		}
	}
	return append(out, new)
}

// userIDs is what a user name resolves to.
type userIDs struct {
	uid    uint32
	gid    uint32 // primary group, if hasGid
	hasGid bool
	groups []uint32 // supplementary groups
}

// lookupUser resolves a user name or numeric uid. A numeric uid without a
// passwd entry is accepted, with no primary or supplementary group.
func lookupUser(name string) (userIDs, error) {
	var (
		u   *user.User
		err error
	)
	if id, ok := ParseID(name); ok {
		if u, err = LookupUser(name); err != nil {
			if errors.As(err, new(user.UnknownUserIdError)) {
				return userIDs{uid: id}, nil
			}
			return userIDs{}, err
		}
	} else if u, err = LookupUser(name); err != nil {
		return userIDs{}, err
	}
	uid, ok := ParseID(u.Uid)
	if !ok {
		return userIDs{}, fmt.Errorf("bad uid %q", u.Uid)
	}
	gid, ok := ParseID(u.Gid)
	if !ok {
		return userIDs{}, fmt.Errorf("bad primary gid %q", u.Gid)
	}
	ids := userIDs{uid: uid, gid: gid, hasGid: true}
	gids, err := u.GroupIds()
	if err != nil {
		return userIDs{}, fmt.Errorf("supplementary groups: %w", err)
	}
	for _, s := range gids {
		g, ok := ParseID(s)
		if !ok {
			return userIDs{}, fmt.Errorf("bad supplementary gid %q", s)
		}
		ids.groups = append(ids.groups, g)
	}
	return ids, nil
}

// lookupGroup resolves a group name or numeric gid. A numeric gid without a
// group entry is accepted.
func lookupGroup(name string) (uint32, error) {
	if id, ok := ParseID(name); ok {
		return id, nil
	}
	g, err := LookupGroup(name)
	if err != nil {
		return 0, err
	}
	id, ok := ParseID(g.Gid)
	if !ok {
		return 0, fmt.Errorf("bad gid %q", g.Gid)
	}
	return id, nil
}
