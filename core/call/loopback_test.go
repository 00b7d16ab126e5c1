package call

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestLoopbackConnDropsOtherSources: a unit's socket on loopback hands on
// what loopback sources send, and nothing from any other address. The test
// cannot count on the machine having an interface besides lo to send from,
// so the other sources are checked on the filter itself, and a real packet
// from loopback goes through the socket. (The browser test shows the drop
// at work: Chromium's pair is 127.0.0.1 on both ends.)
func TestLoopbackConnDropsOtherSources(t *testing.T) {
	for _, tt := range []struct {
		from string
		pass bool
	}{
		{"127.0.0.1:5000", true},
		{"127.8.9.10:5000", true},
		{"[::1]:5000", true},
		{"[::ffff:127.0.0.1]:5000", true},
		{"192.0.2.2:5000", false},
		{"10.1.2.3:5000", false},
		{"[fd00::2]:5000", false},
		{"[::ffff:192.0.2.2]:5000", false},
	} {
		if got := fromLoopback(netip.MustParseAddrPort(tt.from)); got != tt.pass {
			t.Errorf("fromLoopback(%s) = %v, want %v", tt.from, got, tt.pass)
		}
	}

	in, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := net.DialUDP("udp4", nil, in.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := out.Write([]byte("check")); err != nil {
		t.Fatal(err)
	}
	c := loopbackConn{in}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 64)
	n, from, err := c.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "check" || from.String() != out.LocalAddr().String() {
		t.Errorf("ReadFrom = %q from %v, %v; want \"check\" from %v", buf[:n], from, err, out.LocalAddr())
	}
}
