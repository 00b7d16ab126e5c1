// Package server runs salond: it opens the store, starts the hub, accepts
// connections and stops everything in order.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/auth"
	"github.com/salon-chat/salon/core/call"
	"github.com/salon-chat/salon/core/chat"
	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/web"
	"github.com/salon-chat/salon/core/web/filehttp"
	"github.com/salon-chat/salon/core/wire"
	webassets "github.com/salon-chat/salon/web"
)

// Server is a running salond.
type Server struct {
	log     hclog.Logger
	store   *store.Store
	files   *files.Store
	hub     *chat.Hub
	plugins *pluginhost.Host
	ln      net.Listener

	tlsLn net.Listener  // nil without a tls block
	certs *certificates // nil without tls.cert
	web   *web.Server   // nil without a web block
	calls *call.Unit    // nil without a calls block

	mu       sync.Mutex
	closing  bool // Shutdown has begun: no more connections
	conns    map[net.Conn]bool
	perIP    map[string]int // open connections by remote address
	refusals refusalLog     // what the log says of connections refused for their address
	maxPerIP int
	wg       sync.WaitGroup // one per connection
}

// Start opens the data folder, loads the state and listens. It does not
// accept until Serve is called.
func Start(cfg *config.Config, log hclog.Logger) (*Server, error) {
	st, err := store.Open(cfg.DataDir, store.Options{Sync: cfg.Storage.Sync})
	if err != nil {
		return nil, err
	}
	fs, err := files.Open(cfg.DataDir)
	if err != nil {
		st.Close()
		return nil, err
	}
	unit, callOpts, err := startCalls(cfg, log)
	if err != nil {
		fs.Close()
		st.Close()
		return nil, err
	}
	hub, err := chat.New(st, chat.Options{
		Log: log.Named("hub"),
		Passwords: auth.Params{
			Time:      cfg.Passwords.Time,
			MemoryKiB: cfg.Passwords.MemoryKiB,
			Threads:   cfg.Passwords.Threads,
		},
		MaxHashing:        cfg.Passwords.MaxConcurrent,
		SendQueueBytes:    cfg.Limits.SendQueueBytes,
		PendingPerSession: cfg.Limits.PendingPerSession,
		WriteTimeout:      cfg.Limits.WriteTimeout,
		Files:             fs,
		MaxFileBytes:      cfg.Files.MaxBytes,
		MaxDownloads:      cfg.Files.MaxDownloads,
		UserDownloads:     cfg.Files.UserDownloads,
		QueuedDownloads:   cfg.Files.QueuedDownloads,

		LoginTimeout:         cfg.Limits.LoginTimeout,
		IdleTimeout:          cfg.Limits.IdleTimeout,
		PingTimeout:          cfg.Limits.PingTimeout,
		RegistrationsPerHour: cfg.Limits.RegistrationsPerHour,
		MessagesPerSecond:    cfg.Limits.MessagesPerSecond,
		MessageBurst:         cfg.Limits.MessageBurst,
		FloodDelay:           cfg.Limits.FloodDelay,
		MembersPerChannel:    cfg.Limits.MembersPerChannel,
		ServersPerUser:       cfg.Limits.ServersPerUser,
		ChannelsPerUser:      cfg.Limits.ChannelsPerUser,
		InvitationsSent:      cfg.Limits.InvitationsSent,
		InvitationsReceived:  cfg.Limits.InvitationsReceived,
		PluginDeliveries:     cfg.Limits.PluginDeliveries,

		Calls: callOpts,
	})
	if err != nil {
		if unit != nil {
			unit.Close()
		}
		fs.Close()
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err == nil && cfg.TLS.PlaintextLoopbackOnly && !ln.Addr().(*net.TCPAddr).IP.IsLoopback() {
		// The file was checked, but -listen may have changed the address.
		ln.Close()
		err = fmt.Errorf("%s is not a loopback address, and tls.plaintext_loopback_only is set", ln.Addr())
	}
	if err != nil {
		hub.Shutdown(context.Background())
		if unit != nil {
			unit.Close()
		}
		fs.Close()
		st.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{log: log, store: st, files: fs, hub: hub, ln: ln, calls: unit, conns: map[net.Conn]bool{},
		perIP: map[string]int{}, maxPerIP: cfg.Limits.ConnectionsPerAddress}
	if err := s.listenMore(cfg); err != nil {
		ln.Close()
		if s.tlsLn != nil {
			s.tlsLn.Close()
		}
		hub.Shutdown(context.Background())
		if unit != nil {
			unit.Close()
		}
		fs.Close()
		st.Close()
		return nil, err
	}
	s.plugins = pluginhost.New(pluginhost.Options{Log: log.Named("plugins"), API: hub})
	s.Reload(cfg)
	return s, nil
}

// startCalls binds the forwarding unit of calls when the calls block asks
// for it.
func startCalls(cfg *config.Config, log hclog.Logger) (*call.Unit, *chat.CallOptions, error) {
	c := cfg.Calls
	if c.UDP == "" {
		return nil, nil, nil
	}
	unit, err := call.New(call.Config{
		Listen:     c.UDP,
		PublicIP:   c.PublicIP,
		MaxTracks:  c.MaxTracks,
		AudioKbps:  c.AudioKbps,
		VideoKbps:  c.VideoKbps,
		ScreenKbps: c.ScreenKbps,
		RenewAfter: c.RenewAfter,
		Log:        log.Named("calls"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("calls: %w", err)
	}
	opts := &chat.CallOptions{
		Unit:              unit,
		MaxParticipants:   c.MaxParticipants,
		MaxCalls:          c.MaxCalls,
		MaxCallsPerServer: c.MaxCallsPerServer,
	}
	for _, t := range c.TURN {
		opts.ICEServers = append(opts.ICEServers, chat.ICEServer{URLs: t.URLs, Username: t.Username,
			Credential: t.Credential, Secret: t.Secret, TTL: t.TTL})
	}
	return unit, opts, nil
}

// CallsAddr is the UDP address of the calls' media, nil without calls.
func (s *Server) CallsAddr() net.Addr {
	if s.calls == nil {
		return nil
	}
	return s.calls.Addr()
}

// listenMore opens the TLS listener and the web one, as configured. The web
// listener serves HTTPS with the tls block's key pair when it has one.
func (s *Server) listenMore(cfg *config.Config) error {
	var err error
	if cfg.TLS.Cert != "" {
		if s.certs, err = loadCertificates(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			return fmt.Errorf("tls: %w", err)
		}
	}
	if cfg.TLS.Listen != "" {
		s.tlsLn, err = tls.Listen("tcp", cfg.TLS.Listen, s.tlsConfig())
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
	}
	if cfg.Web.Listen != "" {
		// Behind a proxy that ends TLS the requests come in plain HTTP: an
		// https origin says the cookie must be Secure all the same.
		secure := slices.ContainsFunc(cfg.Web.AllowedOrigins, func(o string) bool { return strings.HasPrefix(o, "https://") })
		fileRoutes := filehttp.New(s.hub, s.files, filehttp.Options{Log: s.log.Named("files"), SecureCookie: secure})
		opts := web.Options{
			Log:            s.log.Named("web"),
			Listen:         cfg.Web.Listen,
			Assets:         webassets.Assets,
			AllowedOrigins: cfg.Web.AllowedOrigins,
			TrustedProxies: cfg.Web.TrustedProxies,
			Session:        s.serveWeb,
			// The page's files: the cookie from a WEBTOKEN, then the
			// files it may GET over the protocol.
			Routes: map[string]http.Handler{
				"POST /auth":  fileRoutes,
				"GET /files/": fileRoutes, // HEAD too
			},
		}
		if s.certs != nil {
			opts.TLS = s.tlsConfig()
		}
		if s.web, err = web.Listen(opts); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) tlsConfig() *tls.Config {
	return &tls.Config{GetCertificate: s.certs.get, MinVersion: tls.VersionTLS12}
}

// Reload reloads the TLS key pair and starts, stops and restarts plugins to
// match cfg. A key pair that cannot be loaded is logged and the old one
// kept; a plugin that cannot start is logged with the file:line of its
// block and left out; the server keeps serving. It reports whether
// everything reloaded.
func (s *Server) Reload(cfg *config.Config) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ok := true
	if s.certs != nil {
		// New certificates apply to new connections; a bad pair keeps the
		// old one serving.
		if err := s.certs.reload(cfg.TLS.Cert, cfg.TLS.Key); err != nil {
			s.log.Error("certificate not reloaded", "error", err)
			ok = false
		}
	}
	if err := s.plugins.Apply(ctx, cfg.Plugins); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			s.log.Error("plugin problem", "error", line)
		}
		ok = false
	}
	return ok
}

// Hub is the server's hub, for what serves it beside the line protocol's
// listeners (the web listener's file routes ask it who may read what).
func (s *Server) Hub() *chat.Hub { return s.hub }

// Files is the store of the server's uploaded files.
func (s *Server) Files() *files.Store { return s.files }

// PluginStatus describes every plugin, for the operator's console.
func (s *Server) PluginStatus() []pluginhost.Status { return s.plugins.Status() }

// TLSAddr is the address of the TLS listener, nil without one.
func (s *Server) TLSAddr() net.Addr {
	if s.tlsLn == nil {
		return nil
	}
	return s.tlsLn.Addr()
}

// WebAddr is the address of the web listener, nil without one.
func (s *Server) WebAddr() net.Addr {
	if s.web == nil {
		return nil
	}
	return s.web.Addr()
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections, on the plaintext listener and the TLS and web
// ones when configured, until Shutdown. It returns nil after Shutdown.
func (s *Server) Serve() error {
	serves := []func() error{func() error { return s.accept(s.ln) }}
	if s.tlsLn != nil {
		serves = append(serves, func() error { return s.accept(s.tlsLn) })
	}
	if s.web != nil {
		serves = append(serves, s.web.Serve)
	}
	errs := make(chan error, len(serves))
	for _, serve := range serves[1:] {
		go func() { errs <- serve() }()
	}
	err := serves[0]()
	for range serves[1:] {
		if err2 := <-errs; err == nil {
			err = err2
		}
	}
	return err
}

func (s *Server) accept(ln net.Listener) error {
	var delay time.Duration
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			// Out of file descriptors and the like: wait rather than spin.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "error", err, "retry_in", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		switch err := s.admit(conn); {
		case errors.Is(err, errTooMany):
			// Aside from the accept loop, and with a deadline on reading
			// too: on TLS, writing means a handshake first, which a client
			// may never start.
			go refuse(conn)
		case err != nil:
			conn.Close()
		default:
			go s.run(conn)
		}
	}
}

// serveWeb serves a WebSocket session as the accept loop serves a TCP
// connection: counted against its address (the one its proxy forwarded,
// when trusted), refused past the limit.
func (s *Server) serveWeb(conn net.Conn) {
	switch err := s.admit(conn); {
	case errors.Is(err, errTooMany):
		refuse(conn)
	case err != nil:
		conn.Close()
	default:
		s.run(conn)
	}
}

var (
	errTooMany  = errors.New("too many connections from the address")
	errStopping = errors.New("stopping")
)

// admit counts a new connection against its address, or says why not: its
// address has too many, or the server is stopping.
func (s *Server) admit(conn net.Conn) error {
	ip := remoteIP(conn)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return errStopping
	}
	if s.perIP[ip] >= s.maxPerIP {
		if n, ok := s.refusals.note(ip, time.Now()); ok {
			s.log.Warn("refusing connections: too many from their address", "addr", ip, "refused_since_last_said", n)
		}
		return errTooMany
	}
	s.perIP[ip]++
	s.conns[conn] = true
	s.wg.Add(1)
	return nil
}

// run serves an admitted connection until it ends.
func (s *Server) run(conn net.Conn) {
	defer s.wg.Done()
	s.hub.Serve(conn)
	conn.Close()
	ip := remoteIP(conn)
	s.mu.Lock()
	delete(s.conns, conn)
	if s.perIP[ip]--; s.perIP[ip] == 0 {
		delete(s.perIP, ip)
	}
	s.mu.Unlock()
}

// refuse tells a connection refused for its address why, and closes it.
func refuse(conn net.Conn) {
	conn.SetDeadline(time.Now().Add(time.Second))
	conn.Write(tooMany)
	conn.Close()
}

var tooMany = wire.Err("LINE", "too many connections from your address")

func remoteIP(c net.Conn) string {
	addr := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// Shutdown stops accepting, says BYE to every session, stores everything
// acknowledged, waits for the connections to close (until ctx is done, then
// closes them) and closes the database.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ln.Close()
	if s.tlsLn != nil {
		s.tlsLn.Close()
	}
	// The web listener stops at once; its sessions end with the hub's
	// BYE below, and its Shutdown returns once their close handshakes
	// are done.
	webDone := make(chan error, 1)
	if s.web != nil {
		go func() { webDone <- s.web.Shutdown(ctx) }()
	} else {
		webDone <- nil
	}
	s.mu.Lock()
	s.closing = true // from here on s.wg only goes down
	s.mu.Unlock()
	// Plugins first: calls in flight to them then fail at once instead of
	// holding the hub's shutdown until their deadlines.
	s.plugins.Shutdown(ctx)
	err := s.hub.Shutdown(ctx)
	if s.calls != nil {
		// After the hub: no delivery uses it any more. Bounded by ctx like
		// the rest, should a peer connection hang in closing.
		closed := make(chan struct{})
		go func() { s.calls.Close(); close(closed) }()
		select {
		case <-closed:
		case <-ctx.Done():
		}
	}
	finished := make(chan struct{})
	go func() { s.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-finished
	}
	if werr := <-webDone; err == nil {
		err = werr
	}
	if cerr := s.store.Close(); err == nil {
		err = cerr
	}
	if cerr := s.files.Close(); err == nil {
		err = cerr
	}
	return err
}

// refusalLog keeps connections refused for their address from filling the
// log: an address's refusals are logged once a minute at most, with how
// many there were (issue 13, item 13: a client opening 1,000 connections
// over the limit wrote 1,000 lines).
type refusalLog struct {
	mu   sync.Mutex
	last map[string]refusals
}

type refusals struct {
	said  time.Time
	count int
}

// refusalEvery is how often one address's refusals are logged.
const refusalEvery = time.Minute

// note counts a refusal of ip and reports whether to log it now, with the
// number of refusals since the last line.
func (l *refusalLog) note(ip string, now time.Time) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		l.last = map[string]refusals{}
	}
	r := l.last[ip]
	r.count++
	if !r.said.IsZero() && now.Sub(r.said) < refusalEvery {
		l.last[ip] = r
		return 0, false
	}
	n := r.count
	l.last[ip] = refusals{said: now}
	if len(l.last) > 10000 { // forget addresses not heard of for a while
		for k, v := range l.last {
			if now.Sub(v.said) >= refusalEvery {
				delete(l.last, k)
			}
		}
	}
	return n, true
}
