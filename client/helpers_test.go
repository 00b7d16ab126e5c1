package client_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"path/filepath"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

// tinyPNG returns a 3x2 PNG image.
func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// tlsFront listens with TLS on a loopback port and relays each connection
// to backend in plain TCP. It returns its address and a pool that trusts
// its self-signed certificate (for 127.0.0.1).
func tlsFront(t *testing.T, backend string) (string, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	roots := x509.NewCertPool()
	roots.AddCert(servertest.WriteCert(t, certFile, keyFile, "salon test"))
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go relay(c, backend)
		}
	}()
	return ln.Addr().String(), roots
}

func relay(front net.Conn, backend string) {
	defer front.Close()
	back, err := net.Dial("tcp", backend)
	if err != nil {
		return
	}
	defer back.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(back, front); done <- struct{}{} }()
	go func() { io.Copy(front, back); done <- struct{}{} }()
	<-done
}
