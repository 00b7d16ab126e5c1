// Package web is salond's HTTP side: the web client's page and assets,
// embedded in the binary, and the line protocol over WebSocket at /ws, each
// session handed to the hub as a connection like a TCP one. Other HTTP
// routes (files for the page) are mounted through Options.Routes.
package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options configure a Server.
type Options struct {
	Log    hclog.Logger
	Listen string      // host:port
	TLS    *tls.Config // nil: plain HTTP

	// Assets is the built page: index.html at its root, with the scripts and
	// styles it names.
	Assets fs.FS

	// AllowedOrigins are origins besides the page's own whose WebSocket
	// handshakes are accepted, as config.NormalizeOrigin writes them.
	AllowedOrigins []string

	// TrustedProxies are the peers whose X-Forwarded-For (or Forwarded)
	// header names the client's address.
	TrustedProxies []netip.Prefix

	// Session serves one WebSocket session, as a net.Conn whose RemoteAddr
	// is the client's address, and returns when it has ended. core/server
	// counts it against its address and hands it to the hub.
	Session func(net.Conn)

	// Routes are more handlers, by http.ServeMux pattern ("POST /auth",
	// "GET /files/"): the mount point of the file routes.
	Routes map[string]http.Handler
}

// Server is the web listener.
type Server struct {
	opts    Options
	log     hclog.Logger
	ln      net.Listener
	http    *http.Server
	origins map[string]bool
	// originHosts are the hosts of AllowedOrigins: names the page may be
	// served under (see hostServed).
	originHosts map[string]bool
	sessions    tracker // WebSocket handlers, which http.Server stops tracking once they take over the connection
}

// Listen checks the assets and listens; Serve starts serving.
func Listen(opts Options) (*Server, error) {
	if opts.Log == nil {
		opts.Log = hclog.NewNullLogger()
	}
	if opts.Session == nil {
		return nil, errors.New("web: Options.Session is required")
	}
	assets, err := loadAssets(opts.Assets)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s := &Server{opts: opts, log: opts.Log, origins: map[string]bool{}, originHosts: map[string]bool{}}
	for _, o := range opts.AllowedOrigins {
		s.origins[o] = true
		if u, err := url.Parse(o); err == nil {
			s.originHosts[strings.ToLower(u.Hostname())] = true
		}
	}

	mux := http.NewServeMux()
	mux.Handle("GET /ws", http.HandlerFunc(s.serveWS))
	mux.Handle("GET /", assets)
	for pattern, h := range opts.Routes {
		mux.Handle(pattern, h)
	}
	s.http = &http.Server{
		Handler: secure(mux),
		// Slow clients may hold a connection only so long before their
		// request is read; file downloads take what they need after.
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// The socket under each request, for the WebSocket's write
		// deadlines (see conn).
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, socketKey{}, c)
		},
		// Handshakes that fail and clients that vanish are the network's
		// weather, not the operator's concern.
		ErrorLog: opts.Log.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Debug}),
	}

	tcp, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("web: listen: %w", err)
	}
	var ln net.Listener = corkListener{tcp}
	if opts.TLS != nil {
		cfg := opts.TLS.Clone()
		// HTTP/1.1 only: a WebSocket over HTTP/2 is another protocol,
		// which coder/websocket does not speak.
		cfg.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, cfg)
	}
	s.ln = ln
	return s, nil
}

type socketKey struct{}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Shutdown, then returns nil.
func (s *Server) Serve() error {
	// Shutdown closes the listener itself when Serve has not begun yet.
	if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting, lets requests in progress end, and waits for
// every WebSocket session to end (the hub's shutdown ends them) and its
// close handshake to finish, until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close()
	}
	s.ln.Close() // http.Server closes only listeners it serves: Serve may not have begun
	if werr := s.sessions.wait(ctx); err == nil {
		err = werr
	}
	return err
}

// secure adds the headers every response carries. The policy is the page's:
// scripts and styles from salond only, never inline or evaluated; images and
// sounds also from blobs and data URLs the page makes itself (previews of a
// file before it is sent, recorded voice messages); connections to salond
// only (its WebSocket included); no framing by any other site. Handlers may
// replace it with a stricter one (files do).
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", PagePolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// PagePolicy is the Content-Security-Policy of the page.
const PagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; " +
	"object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// tracker keeps the WebSocket sessions in progress so that Shutdown can
// wait for them, and refuses new ones once it does.
type tracker struct {
	mu       sync.Mutex
	conns    map[*conn]bool
	stopping bool
	idle     chan struct{} // closed when the last one leaves while stopping
}

func (t *tracker) enter(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopping {
		return false
	}
	if t.conns == nil {
		t.conns = map[*conn]bool{}
	}
	t.conns[c] = true
	return true
}

func (t *tracker) leave(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
	if len(t.conns) == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// wait waits until every session has left. When ctx ends first, the rest
// are closed without their handshake (their peers did not answer in time)
// and given a moment to leave.
func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	t.stopping = true
	if len(t.conns) == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	t.mu.Lock()
	for c := range t.conns {
		c.abort()
	}
	t.mu.Unlock()
	select {
	case <-idle:
	case <-time.After(2 * time.Second):
	}
	return fmt.Errorf("web: WebSocket sessions closed without their handshake: %w", ctx.Err())
}
