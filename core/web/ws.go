package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// serveWS upgrades a request to a WebSocket session and hands it to
// Options.Session until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if !s.originAllowed(r) {
		// Another site's page, running in a user's browser, must not open a
		// session with the user's cookies and address.
		s.log.Debug("WebSocket refused: origin not allowed", "origin", r.Header.Get("Origin"), "host", r.Host, "peer", r.RemoteAddr)
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	raw, _ := r.Context().Value(socketKey{}).(net.Conn)
	if raw == nil {
		http.Error(w, "no connection", http.StatusInternalServerError)
		return
	}
	remote := s.clientAddr(r)
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// The origin was checked above, against whole origins
		// (scheme, host and port) rather than the host patterns
		// Accept knows.
		InsecureSkipVerify: true,
	})
	if err != nil {
		s.log.Debug("WebSocket handshake failed", "peer", r.RemoteAddr, "error", err)
		return // Accept has answered
	}
	c := newConn(ws, raw, remote)
	if !s.sessions.enter(c) {
		c.abort() // shutting down
		return
	}
	defer s.sessions.leave(c)
	s.opts.Session(c)
	c.Close()
	<-c.done
}

// originAllowed reports whether the handshake comes from the page salond
// serves (its Origin names the host the request was sent to, whatever
// address salond listens on), from an allowed origin, or from no page at
// all: a program that is not a browser sends no Origin, and could send any.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false // "null" (a sandboxed or file page) among others
	}
	host := strings.ToLower(u.Host)
	if withoutDefaultPort(host, u.Scheme) == withoutDefaultPort(strings.ToLower(r.Host), u.Scheme) && s.hostServed(u.Hostname()) {
		return true
	}
	return s.origins[u.Scheme+"://"+withoutDefaultPort(host, u.Scheme)]
}

// hostServed reports whether a page whose origin names host may be salond's
// own: an address, localhost, or the host of an allowed origin. Any other
// name is refused even when the request was sent to it, for a name is not
// proof: another site can make its own name resolve to this machine's
// address (DNS rebinding), and its page would then send an Origin and a
// Host that agree. An instance served under a name lists its origin in
// allowed_origins.
func (s *Server) hostServed(host string) bool {
	host = strings.ToLower(host)
	if _, err := netip.ParseAddr(host); err == nil || host == "localhost" {
		return true
	}
	return s.originHosts[host]
}

// withoutDefaultPort drops the scheme's default port from host, as browsers
// leave it out of Origin and Host alike (a proxy may not).
func withoutDefaultPort(host, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	}
	return host
}

// clientAddr is the address a session counts against. It is the peer's,
// unless the peer is a trusted proxy: then it is the rightmost address of
// X-Forwarded-For (or, without one, of Forwarded) that is not itself a
// trusted proxy. Hops further left were written by whoever the first
// untrusted hop is, who could write anything. A hop that is not an
// address ("unknown", a hidden name) stops the walk at the proxy that
// wrote it.
func (s *Server) clientAddr(r *http.Request) net.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return stringAddr(r.RemoteAddr) // not TCP: never the case of a listener
	}
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	if !s.trusted(peer.Addr()) {
		return net.TCPAddrFromAddrPort(peer)
	}
	hops := forwardedFor(r.Header)
	from := peer.Addr()
	for i := len(hops) - 1; i >= 0 && hops[i].IsValid(); i-- {
		from = hops[i]
		if !s.trusted(from) {
			break
		}
	}
	if from == peer.Addr() {
		return net.TCPAddrFromAddrPort(peer)
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(from, 0))
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor lists the hops of X-Forwarded-For, left (the first client)
// to right (the trusted peer's own peer), every header line in order; or
// those of Forwarded's for= parameters when there is no X-Forwarded-For.
// An entry that is not an address is the zero Addr.
//
// X-Forwarded-For comes first because it is what proxies set by default
// (nginx, HAProxy, Caddy, Traefik): one that appends to it passes a
// Forwarded header from the client untouched, which must not then be
// believed.
func forwardedFor(h http.Header) []netip.Addr {
	var out []netip.Addr
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, item := range strings.Split(line, ",") {
				out = append(out, parseHop(strings.TrimSpace(item)))
			}
		}
		return out
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			var found netip.Addr
			for _, pair := range strings.Split(elem, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
					found = parseHop(strings.Trim(strings.TrimSpace(v), `"`))
				}
			}
			out = append(out, found)
		}
	}
	return out
}

// parseHop reads one hop: an address, with or without a port, IPv6 in
// brackets when it has one (Forwarded always brackets IPv6).
func parseHop(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap()
	}
	return netip.Addr{}
}

// stringAddr is an address known only by its text.
type stringAddr string

func (a stringAddr) Network() string { return "tcp" }
func (a stringAddr) String() string  { return string(a) }
