package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// apply checks the web block. A block written at all means a listener is
// wanted, so listen is required; origins and proxies are checked one by
// one, each error naming the value at fault.
func (b *webBlock) apply(ck *checker, c *Config) {
	switch {
	case b.Listen == nil:
		ck.errorf(b.DefRange, "web.listen: required in a web block (remove the block to serve no web client)")
	default:
		if err := checkListen(*b.Listen); err != nil {
			ck.errorf(b.ListenRange, "web.listen: %v", err)
			break
		}
		c.Web.Listen = *b.Listen
		// Without a key pair the page and its passwords travel in clear:
		// the same promise as the plaintext line listener.
		if c.TLS.PlaintextLoopbackOnly && c.TLS.Cert == "" && !loopback(*b.Listen) {
			ck.errorf(b.ListenRange, "web.listen: %s is not a loopback address, tls.plaintext_loopback_only is set and there is no tls.cert for HTTPS", quote(*b.Listen))
		}
	}
	for i, o := range b.AllowedOrigins {
		norm, err := NormalizeOrigin(o)
		if err != nil {
			ck.errorf(b.AllowedOriginsRange, "web.allowed_origins[%d]: %v", i, err)
			continue
		}
		c.Web.AllowedOrigins = append(c.Web.AllowedOrigins, norm)
	}
	for i, p := range b.TrustedProxies {
		prefix, err := parseProxy(p)
		if err != nil {
			ck.errorf(b.TrustedProxiesRange, "web.trusted_proxies[%d]: %v", i, err)
			continue
		}
		c.Web.TrustedProxies = append(c.Web.TrustedProxies, prefix)
	}
}

// NormalizeOrigin checks that s is an origin as browsers send it in an
// Origin header (scheme://host[:port], http or https, nothing after) and
// returns it as they write it: lower case, without the scheme's default
// port. core/web compares the header with it in the same form.
func NormalizeOrigin(s string) (string, error) {
	const shape = `is not an origin: write scheme://host[:port], like "https://chat.example.org"`
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("%s %s", quote(s), shape)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%s: the scheme must be http or https", quote(s))
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); port != "" {
		if err := checkListen(host); err != nil {
			return "", fmt.Errorf("%s %s", quote(s), shape)
		}
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = strings.TrimSuffix(host, ":"+port)
		}
	} else if strings.HasSuffix(host, ":") {
		return "", fmt.Errorf("%s %s", quote(s), shape)
	}
	return scheme + "://" + host, nil
}

// parseProxy reads a trusted proxy: a CIDR prefix or a single address.
func parseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%s is not an address or a CIDR prefix like \"10.0.0.0/8\"", quote(s))
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("%s: write an IPv4 prefix in IPv4 form", quote(s))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%s is not an address or a CIDR prefix like \"10.0.0.0/8\"", quote(s))
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
