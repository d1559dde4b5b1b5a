//go:build !linux && !darwin && !freebsd

package transport

import "net"

// peerCredSupported is false: NewUnixServer cannot check peers here.
const peerCredSupported = false

// peerCredentials is not implemented on this system.
func peerCredentials(net.Conn) (PeerCred, error) { return PeerCred{}, errPeerCredUnsupported }

// peerGroups returns the groups peerCredentials gave (none here).
func peerGroups(_ net.Conn, c PeerCred) []int { return c.Groups }
