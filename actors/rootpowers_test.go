package actors

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/supers-dev/supers/actors/process"
	"github.com/supers-dev/supers/config"
	"github.com/supers-dev/supers/transport"
)

// testAccounts are a few users and groups: toor (uid 0), app (1000), ops
// (1001, primary group 0), dba (1002, in staff and group 0); wheel (0) and
// staff (50).
func testAccounts() accounts {
	users := map[string]*user.User{
		"toor": {Username: "toor", Uid: "0", Gid: "0"},
		"app":  {Username: "app", Uid: "1000", Gid: "1000"},
		"ops":  {Username: "ops", Uid: "1001", Gid: "0"},
	}
	groups := map[string]*user.Group{
		"wheel": {Name: "wheel", Gid: "0"},
		"staff": {Name: "staff", Gid: "50"},
	}
	// Supplementary groups, as os/user lists them: the primary one too.
	supplementary := map[string][]string{
		"toor": {"0"}, "app": {"1000"}, "ops": {"0"}, "dba": {"1002", "50", "0"},
	}
	users["dba"] = &user.User{Username: "dba", Uid: "1002", Gid: "1002"}
	return accounts{
		// By name, or by uid as the process package resolves digits.
		user: func(s string) (*user.User, error) {
			for _, u := range users {
				if u.Username == s {
					return u, nil
				}
				if id, ok := process.ParseID(s); ok && u.Uid == strconv.FormatUint(uint64(id), 10) {
					return u, nil
				}
			}
			return nil, user.UnknownUserError(s)
		},
		group: func(s string) (*user.Group, error) {
			if g, ok := groups[s]; ok {
				return g, nil
			}
			return nil, user.UnknownGroupError(s)
		},
		groupIDs: func(u *user.User) ([]string, error) { return supplementary[u.Username], nil },
	}
}

func TestRootPowers(t *testing.T) {
	acc := testAccounts()
	svc := func(lines ...string) *config.Service {
		s := config.New("x", "/bin/true")
		for _, l := range lines {
			k, v, _ := strings.Cut(l, "=")
			switch k {
			case "User":
				s.User = v
			case "Group":
				s.Group = v
			case "EnvironmentFile":
				s.EnvironmentFiles = append(s.EnvironmentFiles, v)
			}
		}
		return s
	}
	type rootCase struct {
		spec     *config.Service
		euid     int
		want     string // a part of the reason; "" for none
		powerGID int    // see rootPowers
	}
	tests := []rootCase{
		{svc(), 0, "no User=", -1},
		{svc(), 1000, "", -1},
		{svc("User=root"), 1000, "User=root", -1},
		{svc("User=0"), 0, "User=0", -1},
		{svc("User=toor"), 0, "User=toor has uid 0", -1},
		{svc("User=app"), 0, "", -1},
		{svc("User=nobody-here"), 0, "", -1}, // unknown: its start fails
		{svc("User=app", "Group=root"), 0, "Group=root", -1},
		{svc("User=app", "Group=0"), 0, "Group=0", -1},
		{svc("User=app", "Group=wheel"), 0, "Group=wheel has gid 0", -1},
		{svc("User=app", "Group=staff"), 0, "", -1},
		{svc("User=ops"), 0, "primary group of User=ops", -1},
		// Group= replaces ops's primary group 0, which does not stay
		// among its supplementary groups (as the process package starts
		// it); dba is a member of group 0, and stays one.
		{svc("User=ops", "Group=staff"), 0, "", -1},
		{svc("User=dba", "Group=staff"), 0, "supplementary groups (User=dba)", -1},
		// Digits are an id, however they are written: "00" is uid 0.
		{svc("User=00"), 0, "User=00", -1},
		{svc("User=app", "Group=00"), 0, "Group=00", -1},
		{svc("User=1002", "Group=staff"), 0, "supplementary groups (User=1002)", -1},
		{svc("User=1001", "Group=staff"), 0, "", -1},
		{svc("User=1001"), 0, "primary group of User=1001", -1},
		{svc("User=01000"), 0, "", -1}, // app, by its uid
		{svc("User=app", "EnvironmentFile=-/etc/shadow"), 0, "EnvironmentFile= as root (-/etc/shadow)", -1},
		{svc("EnvironmentFile=/home/me/app.env"), 1000, "", -1}, // read as superd's own user
	}
	// The socket group (50, staff), when its members may write root
	// services: running in it is as good as running in group 0.
	tests = append(tests, []rootCase{
		{svc("User=app", "Group=staff"), 0, "group 50, whose members may write root services through superd's socket (Group=staff has gid 50)", 50},
		{svc("User=dba"), 0, "group 50, whose members may write root services through superd's socket among its supplementary groups (User=dba)", 50},
		{svc("User=app"), 0, "group 1000, whose members may write root services through superd's socket (the primary group of User=app)", 1000},
		{svc("User=app"), 0, "", 50},
		{svc("User=app", "Group=staff"), 0, "", 51},
		// A number is the gid, even without an entry (as the process
		// package takes it).
		{svc("User=app", "Group=4242"), 0, "group 4242, whose members may write root services through superd's socket (Group=4242 has gid 4242)", 4242},
		{svc("User=app", "Group=04242"), 0, "group 4242", 4242},
	}...)
	for _, tt := range tests {
		got := rootPowers(tt.spec, tt.euid, tt.powerGID, acc)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("User=%q Group=%q EnvironmentFiles=%q euid %d power group %d: %q, want %q",
				tt.spec.User, tt.spec.Group, tt.spec.EnvironmentFiles, tt.euid, tt.powerGID, got, tt.want)
		}
	}
}

// A socket user other than root, held to definitions that run as itself:
// its own user (by name or id), one of its groups, no EnvironmentFile= read
// as root. Any other user or group could be one whose powers amount to
// root's (disk, docker, shadow).
func TestNotAsCaller(t *testing.T) {
	acc := testAccounts()
	svc := func(user, group string, env ...string) *config.Service {
		s := config.New("x", "/bin/true")
		s.User, s.Group, s.EnvironmentFiles = user, group, env
		return s
	}
	for _, tt := range []struct {
		spec *config.Service
		euid int
		want string // a part of the reason; "" for none
	}{
		{svc("app", ""), 0, ""},
		{svc("1000", ""), 0, ""},
		{svc("01000", ""), 0, ""},
		{svc("app", "1000"), 0, ""},
		{svc("", ""), 0, "would run as superd's user (uid 0), not as uid 1000 (set User=)"},
		{svc("dba", ""), 0, "would run as User=dba (uid 1002), not as uid 1000"},
		{svc("toor", ""), 0, "would run as User=toor (uid 0), not as uid 1000"},
		{svc("nobody-here", ""), 0, "not a known user"},
		{svc("app", "staff"), 0, "would run in Group=staff, not one of User=app's groups"},
		{svc("app", "0"), 0, "would run in Group=0, not one of User=app's groups"},
		{svc("app", "4242"), 0, "would run in Group=4242, not one of User=app's groups"},
		{svc("app", "", "/etc/shadow"), 0, "EnvironmentFile= as root (/etc/shadow)"},
		{svc("app", "", "/home/app/env"), 1000, ""},
	} {
		got := notAsCaller(tt.spec, 1000, tt.euid, acc, true)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("User=%q Group=%q EnvironmentFiles=%q euid %d: %q, want %q",
				tt.spec.User, tt.spec.Group, tt.spec.EnvironmentFiles, tt.euid, got, tt.want)
		}
	}
	// Of a definition the caller cannot change (the one a replace or
	// remove would undo), the reason gives no hint to set User=.
	if got, want := notAsCaller(svc("", ""), 1000, 0, acc, false), "would run as superd's user (uid 0), not as uid 1000"; got != want {
		t.Errorf("the existing definition without User=: %q, want %q", got, want)
	}
}

// TestNotOwnDefinitionGivesNoUserHint: a socket group member refused the
// replacement or removal of a service that does not run as itself (root's,
// without User=) was told "(set User=)", a hint about a file it cannot
// change; the refusal now only says whom the service runs as. The member's
// own new text still gets the hint (TestNotAsCaller).
func TestNotOwnDefinitionGivesNoUserHint(t *testing.T) {
	euid := os.Geteuid()
	uid := euid + 1000 // any other user, held to its own services
	rule := rootRule{asUID: uid, powerGID: -1, refusal: "the rule"}
	data := []byte("[Service]\nExecStart=/bin/true\n")
	cur := &config.Definition{Name: "rootsvc", Path: filepath.Join(t.TempDir(), "rootsvc.service"), Data: data, Hash: config.ContentHash(data)}
	for _, tc := range []struct {
		cur   *config.Definition
		known *config.Service
		what  string
	}{
		{cur, nil, "its definition"},
		{nil, config.New("rootsvc", "/bin/true"), "the definition it runs with"},
	} {
		for _, verb := range []string{"replace", "remove"} {
			err := notOwnDefinition("rootsvc", tc.cur, tc.known, rule, verb)
			want := fmt.Sprintf("%s: cannot %s rootsvc: %s would run as superd's user (uid %d), not as uid %d; the rule", transport.ErrForbidden, verb, tc.what, euid, uid)
			if !errors.Is(err, transport.ErrForbidden) || err.Error() != want {
				t.Errorf("%s, judged by %s: %v, want %q", verb, tc.what, err, want)
			}
		}
	}
}

// The system's accounts find a numeric User= by its number, as the process
// package does when it starts the service: "011" was looked up as the text
// and found no entry, so the root check passed a uid whose groups include
// 0 (operator on RHEL: uid 11, group 0) that then ran with them. Only the
// pure-Go lookup (CGO_ENABLED=0, as superd is built) compares the text;
// the C library's parses the number, so with cgo this passed before too.
func TestSystemAccountsFindNumericIDsByNumber(t *testing.T) {
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	u, err := systemAccounts.user("00" + nobody.Uid)
	if err != nil || u.Username != "nobody" {
		t.Errorf("user(00%s) = %+v, %v; want nobody", nobody.Uid, u, err)
	}
	g, err := systemAccounts.group("00" + nobody.Gid)
	if err != nil || g.Gid != nobody.Gid {
		t.Errorf("group(00%s) = %+v, %v; want gid %s", nobody.Gid, g, err, nobody.Gid)
	}
	root, err := systemAccounts.user("000")
	if err != nil || root.Uid != "0" {
		t.Errorf("user(000) = %+v, %v; want root", root, err)
	}
}
