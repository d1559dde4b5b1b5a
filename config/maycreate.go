package config

import "github.com/supers-dev/supers/config/pathsafe"

// CheckMayCreate reports whether this process may create a file at path:
// the directory that would hold it, or, if that is missing, the nearest
// existing directory above it (where the missing ones would be made), must
// let this process's effective user write and search it, on a file system
// mounted read-write. The error names that directory; nil if it cannot be
// told (a directory above that cannot be looked at, a path that is not a
// directory's: others report those), and where the system cannot tell
// (other than Unix). See pathsafe.MayCreate.
func CheckMayCreate(path string) error { return pathsafe.MayCreate(path) }
