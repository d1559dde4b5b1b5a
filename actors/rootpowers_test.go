package actors

import (
	"os/user"
	"strings"
	"testing"

	"github.com/supers-dev/supers/config"
)

func TestRootPowers(t *testing.T) {
	users := map[string]*user.User{
		"toor": {Username: "toor", Uid: "0", Gid: "0"},
		"app":  {Username: "app", Uid: "1000", Gid: "1000"},
		"ops":  {Username: "ops", Uid: "1001", Gid: "0"},
	}
	groups := map[string]*user.Group{
		"wheel": {Name: "wheel", Gid: "0"},
		"staff": {Name: "staff", Gid: "50"},
	}
	lookupUser := func(name string) (*user.User, error) {
		if u, ok := users[name]; ok {
			return u, nil
		}
		return nil, user.UnknownUserError(name)
	}
	lookupGroup := func(name string) (*user.Group, error) {
		if g, ok := groups[name]; ok {
			return g, nil
		}
		return nil, user.UnknownGroupError(name)
	}
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
	tests := []struct {
		spec *config.Service
		euid int
		want string // a part of the reason; "" for none
	}{
		{svc(), 0, "no User="},
		{svc(), 1000, ""},
		{svc("User=root"), 1000, "User=root"},
		{svc("User=0"), 0, "User=0"},
		{svc("User=toor"), 0, "User=toor has uid 0"},
		{svc("User=app"), 0, ""},
		{svc("User=nobody-here"), 0, ""}, // unknown: its start fails
		{svc("User=app", "Group=root"), 0, "Group=root"},
		{svc("User=app", "Group=0"), 0, "Group=0"},
		{svc("User=app", "Group=wheel"), 0, "Group=wheel has gid 0"},
		{svc("User=app", "Group=staff"), 0, ""},
		{svc("User=ops"), 0, "primary group of User=ops"},
		{svc("User=ops", "Group=staff"), 0, ""},
		{svc("User=app", "EnvironmentFile=-/etc/shadow"), 0, "EnvironmentFile= as root (-/etc/shadow)"},
		{svc("EnvironmentFile=/home/me/app.env"), 1000, ""}, // read as superd's own user
	}
	for _, tt := range tests {
		got := rootPowers(tt.spec, tt.euid, lookupUser, lookupGroup)
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("User=%q Group=%q EnvironmentFiles=%q euid %d: %q, want %q",
				tt.spec.User, tt.spec.Group, tt.spec.EnvironmentFiles, tt.euid, got, tt.want)
		}
	}
}
