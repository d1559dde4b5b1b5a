package transport

import "golang.org/x/sys/unix"

// mayHaveACL says whether path may have an access ACL granting a group
// other than its own rights its mode bits do not show.
func mayHaveACL(path string) bool {
	n, err := unix.Getxattr(path, "system.posix_acl_access", nil)
	return err == nil && n > 0
}
