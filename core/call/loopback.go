package call

import (
	"net"
	"net/netip"
)

// loopbackConn is the unit's socket when it listens on a loopback address:
// it drops every packet whose source is not a loopback address too.
//
// Only processes of this machine can reach such a socket, but not only
// from loopback: a browser gathers host candidates on every interface and
// checks each against the unit's 127.0.0.1, so without this the pair that
// carries the media could be the machine's LAN address to 127.0.0.1. With
// it, a unit on loopback (the default configuration, and every test) only
// ever connects loopback candidates, on both sides.
//
// It keeps pion's allocation-free path (ReadFromAddrPort, WriteToAddrPort).
type loopbackConn struct{ *net.UDPConn }

func (c loopbackConn) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		n, from, err := c.UDPConn.ReadFromUDPAddrPort(b)
		if err != nil || fromLoopback(from) {
			return n, from, err
		}
	}
}

// fromLoopback reports whether a packet from there may reach the unit.
func fromLoopback(from netip.AddrPort) bool { return from.Addr().Unmap().IsLoopback() }

func (c loopbackConn) WriteToAddrPort(b []byte, to netip.AddrPort) (int, error) {
	return c.UDPConn.WriteToUDPAddrPort(b, to)
}

func (c loopbackConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}
