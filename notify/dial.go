package notify

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrAddressRefused is wrapped by the error of a delivery whose target
// resolved to an address the webhook may not connect to: link-local
// (169.254.0.0/16, fe80::/10, where cloud metadata services live),
// unspecified or multicast, and with DenyPrivate also loopback, private and
// shared (carrier-grade NAT) ranges. The check runs when the socket
// connects, on the resolved address, so no host name or redirect can get
// around it. A refused delivery is not retried.
var ErrAddressRefused = errors.New("address refused")

// sharedRange is 100.64.0.0/10 (RFC 6598, carrier-grade NAT), where some
// clouds put their metadata service; refused with DenyPrivate.
var sharedRange = netip.MustParsePrefix("100.64.0.0/10")

// thisNetwork is 0.0.0.0/8 ("this network", RFC 791), which Linux treats
// as the local host; always refused, like the unspecified address.
var thisNetwork = netip.MustParsePrefix("0.0.0.0/8")

// checkAddr returns nil when ip may be connected to. An IPv4-mapped IPv6
// address is judged as the IPv4 address it carries.
func checkAddr(ip netip.Addr, denyPrivate bool) error {
	ip = ip.Unmap()
	var why string
	switch {
	case !ip.IsValid():
		why = "invalid"
	case ip.IsUnspecified() || (ip.Is4() && thisNetwork.Contains(ip)):
		why = "unspecified"
	case ip.IsLinkLocalUnicast():
		why = "link-local"
	case ip.IsMulticast():
		why = "multicast"
	case ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		why = "broadcast"
	case denyPrivate && ip.IsLoopback():
		why = "loopback"
	case denyPrivate && ip.IsPrivate():
		why = "private"
	case denyPrivate && sharedRange.Contains(ip):
		why = "shared (carrier-grade NAT)"
	default:
		return nil
	}
	return fmt.Errorf("%w: %s is %s", ErrAddressRefused, ip, why)
}

// newDialer returns a dialer whose Control hook refuses forbidden
// addresses after resolution and before connect(2).
func newDialer(denyPrivate bool) *net.Dialer {
	return &net.Dialer{
		Timeout:   30 * time.Second, // the attempt's context is usually shorter
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot parse %q: %v", ErrAddressRefused, address, err)
			}
			return checkAddr(ap.Addr(), denyPrivate)
		},
	}
}
