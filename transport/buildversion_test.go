package transport

import (
	"runtime/debug"
	"testing"
)

// A superd or supers built without the Makefile's -ldflags said "dev",
// whatever code it ran: the version Go records in the binary says which.
func TestBuildInfoVersion(t *testing.T) {
	for _, c := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261128151200-509bcb2abcde+dirty"}}, "v0.0.0-20261128151200-509bcb2abcde+dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "509bcb2abcdef0123456789"}, {Key: "vcs.modified", Value: "true"}}}, "dev-509bcb2abcde+dirty"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "509bcb2"}, {Key: "vcs.modified", Value: "false"}}}, "dev-509bcb2"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
	} {
		if got := buildInfoVersion(&c.bi, "dev"); got != c.want {
			t.Errorf("buildInfoVersion(%+v) = %q, want %q", c.bi.Main, got, c.want)
		}
	}
	if got := BuildVersion("1.0.0"); got != "1.0.0" {
		t.Errorf("BuildVersion(1.0.0) = %q: a version given at link time wins", got)
	}
}
