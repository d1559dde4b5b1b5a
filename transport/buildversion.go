package transport

import "runtime/debug"

// BuildVersion returns version, the version a program was given at link
// time (-ldflags -X), unless it is "dev", the default: then the version
// the Go toolchain recorded in the running binary, the module's version
// for a go install of a release, or the commit of the tree it was built
// from ("+dirty" if it had changes); "dev" if none was recorded. So a
// superd or supers built without the Makefile still says which code it
// runs.
func BuildVersion(version string) string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	return buildInfoVersion(bi, version)
}

// buildInfoVersion is BuildVersion's reading of bi, fallback if it says
// nothing.
func buildInfoVersion(bi *debug.BuildInfo, fallback string) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return fallback
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "+dirty"
	}
	return fallback + "-" + rev
}
