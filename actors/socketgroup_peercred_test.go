package actors

import (
	"strings"
	"testing"
)

// Where the control socket cannot tell its peers apart (no peer
// credentials: OpenBSD, NetBSD, illumos...), every socket client's uid is
// unknown, and a caller of unknown uid may write any definition (it is
// taken for the embedding program, or for root): with a SocketGroup, its
// members could then write root services without SocketAllowRootServices,
// which the rules of socket users say they may not. Such a SocketGroup is
// refused, unless SocketAllowRootServices grants them that anyway.
func TestSocketGroupNeedsPeerCredentials(t *testing.T) {
	for _, c := range []struct {
		group     string
		allowRoot bool
		peerCreds bool
		refused   bool
	}{
		{"ops", false, false, true},
		{"ops", true, false, false},
		{"ops", false, true, false},
		{"", false, false, false},
	} {
		err := socketGroupRule(c.group, c.allowRoot, c.peerCreds)
		if refused := err != nil; refused != c.refused {
			t.Errorf("socketGroupRule(%q, allowRoot %v, peer credentials %v) = %v, want refused %v", c.group, c.allowRoot, c.peerCreds, err, c.refused)
		}
		if err != nil && (!strings.Contains(err.Error(), c.group) || !strings.Contains(err.Error(), "SocketAllowRootServices")) {
			t.Errorf("socketGroupRule(%q) = %q, want it to name the group and SocketAllowRootServices", c.group, err)
		}
	}
}
