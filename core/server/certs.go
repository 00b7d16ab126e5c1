package server

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// certificates holds the TLS key pair in use, replaced whole on reload so
// that handshakes in progress keep the one they started with.
type certificates struct {
	current atomic.Pointer[tls.Certificate]
}

func loadCertificates(certFile, keyFile string) (*certificates, error) {
	c := &certificates{}
	return c, c.reload(certFile, keyFile)
}

func (c *certificates) reload(certFile, keyFile string) error {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("loading %s and %s: %w", certFile, keyFile, err)
	}
	c.current.Store(&pair)
	return nil
}

func (c *certificates) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.current.Load(), nil
}
