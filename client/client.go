// Package client speaks Salon's protocol (PROTOCOL.md) from the user's
// side, without any user interface: it keeps one connection to a server
// (reconnecting with backoff when it drops), turns the server's lines into
// typed events, runs uploads and downloads, and offers a State that those
// events keep up to date. cmd/salon draws it.
//
// Nothing in this package blocks its caller on the network: commands are
// queued for a writer goroutine, a reader goroutine parses what arrives and
// queues events, and NextEvents hands them over in batches.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/salon-chat/salon/core/wire"
)

// Options configure a Client. Zero values take the defaults.
type Options struct {
	Addr string      // host:port
	TLS  *tls.Config // nil for plain TCP

	DialTimeout time.Duration // default 10 s
	MinBackoff  time.Duration // first wait before reconnecting, default 500 ms
	MaxBackoff  time.Duration // waits double up to this, default 30 s
	// KeepAlive is how often an idle connection is probed with PING; a
	// connection silent for three intervals is dropped and reconnected.
	// Default 30 s.
	KeepAlive time.Duration
	// Window is how many FILE lines of an upload may await their FILE OK:
	// enough to keep the line busy, few enough that a message typed during
	// an upload is not queued behind megabytes. Default 64.
	Window int
}

func (o *Options) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.DialTimeout, 10*time.Second)
	def(&o.MinBackoff, 500*time.Millisecond)
	def(&o.MaxBackoff, 30*time.Second)
	def(&o.KeepAlive, 30*time.Second)
	if o.Window <= 0 {
		o.Window = 64
	}
}

// ErrNotConnected is returned by commands issued while no session is
// logged in.
var ErrNotConnected = errors.New("not connected")

// Client is one user's connection to one server. Create it with New, start
// it with Login, read what happens with NextEvents, stop it with Close.
type Client struct {
	opts   Options
	events *queue[Event]

	mu       sync.Mutex
	pseudo   string
	password string
	register bool // create the account at the next login (only until one succeeds)
	cancel   context.CancelFunc
	done     chan struct{} // closed when the running loop exits
	sess     *session      // the logged-in session, nil while offline
	nextID   int           // upload ids
	wake     chan struct{} // cuts a wait before reconnecting short
	closing  atomic.Bool   // Close said BYE: the end of the connection is no news
}

// New returns a stopped client for opts.Addr.
func New(opts Options) *Client {
	opts.defaults()
	return &Client{opts: opts, events: newQueue[Event](), wake: make(chan struct{}, 1)}
}

// Addr returns the server's address.
func (c *Client) Addr() string { return c.opts.Addr }

// Login starts connecting with these credentials, creating the account
// first when register is true, and keeps the connection up until Close or
// until the server refuses the credentials (LoginFailed). Calling it again
// restarts with new credentials.
func (c *Client) Login(pseudo, password string, register bool) {
	c.stop(false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	c.mu.Lock()
	c.pseudo, c.password, c.register = pseudo, password, register
	c.cancel, c.done = cancel, done
	c.mu.Unlock()
	go func() {
		defer close(done)
		c.run(ctx)
	}()
}

// Close logs out (BYE), waits briefly for the server to acknowledge, and
// stops the client; Closed is the last event.
func (c *Client) Close() {
	c.stop(true)
	c.events.push(Closed{})
}

// stop ends the running loop, if any, after a polite BYE when asked.
func (c *Client) stop(bye bool) {
	c.mu.Lock()
	cancel, done, s := c.cancel, c.done, c.sess
	c.cancel, c.done = nil, nil
	c.mu.Unlock()
	if cancel == nil {
		return
	}
	if bye && s != nil {
		c.closing.Store(true)
		defer c.closing.Store(false)
		s.out.push("BYE")
		select {
		case <-s.ctx.Done(): // the server answered BYE and closed
		case <-time.After(time.Second):
		}
	}
	cancel()
	<-done
}

// Reconnect drops the current connection, or cuts short the wait before
// the next attempt, and connects again at once: what a user asks for after
// fixing their network.
func (c *Client) Reconnect() {
	c.mu.Lock()
	s := c.sess
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	if s != nil {
		s.cancel(errors.New("reconnecting as asked"))
	}
}

// NextEvents waits until events are pending and returns them all, oldest
// first, or returns ctx's error.
func (c *Client) NextEvents(ctx context.Context) ([]Event, error) {
	return c.events.take(ctx)
}

func (c *Client) emit(e ...Event) { c.events.push(e...) }

// Send queues one command line (without CRLF) for the server. It fails
// when the line could not be sent as it is, or while logged out: a command
// typed while the connection is down is refused rather than replayed later
// in a world that may have changed.
func (c *Client) Send(line string) error {
	if err := checkLine(line); err != nil {
		return err
	}
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	s.out.push(line)
	return nil
}

// checkLine refuses what the server would reject as a framing error.
func checkLine(line string) error {
	switch {
	case line == "":
		return errors.New("empty line")
	case len(line)+2 > wire.MaxLine:
		return fmt.Errorf("line longer than %d bytes", wire.MaxLine-2)
	case !wire.ValidText(line):
		return errors.New("line holds a control character or invalid UTF-8")
	}
	return nil
}

func (c *Client) session() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// authError is the server's refusal of the credentials.
type authError struct{ reason string }

func (e *authError) Error() string { return e.reason }

// run connects, serves the connection until it drops, and reconnects with
// exponential backoff, until ctx ends or the credentials are refused.
func (c *Client) run(ctx context.Context) {
	backoff := c.opts.MinBackoff
	attempt, everLoggedIn := 0, false
	for {
		attempt++
		c.emit(Connecting{Addr: c.opts.Addr, Attempt: attempt})
		loggedIn, err := c.connect(ctx, everLoggedIn)
		if ctx.Err() != nil || c.closing.Load() {
			return
		}
		var auth *authError
		if errors.As(err, &auth) {
			c.emit(LoginFailed{Reason: auth.reason})
			return
		}
		if loggedIn {
			everLoggedIn = true
			backoff, attempt = c.opts.MinBackoff, 0
		}
		// Jitter spreads the reconnections of many clients after a server
		// restart.
		wait := backoff/2 + rand.N(backoff/2+1)
		c.emit(Disconnected{Err: err, RetryIn: wait})
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-time.After(wait):
		}
		backoff = min(2*backoff, c.opts.MaxBackoff)
	}
}

// connect dials, logs in and serves one connection. It reports whether the
// login succeeded, and why the connection ended.
func (c *Client) connect(ctx context.Context, reconnected bool) (bool, error) {
	d := net.Dialer{Timeout: c.opts.DialTimeout}
	var conn net.Conn
	var err error
	if c.opts.TLS != nil {
		td := tls.Dialer{NetDialer: &d, Config: c.tlsConfig()}
		conn, err = td.DialContext(ctx, "tcp", c.opts.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", c.opts.Addr)
	}
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	pseudo, password, register := c.pseudo, c.password, c.register
	c.mu.Unlock()

	s := newSession(ctx, c, conn)
	s.reconnected = reconnected
	s.register = register
	// Asked before the login, so that the login burst is a tags burst
	// (UNREAD, roles, topics, away notes).
	s.out.push("CAP REQ tags")
	if register {
		s.out.push("NEW USR " + pseudo + " " + password)
	} else {
		s.out.push("IAM " + pseudo + " " + password)
	}
	err = s.serve()

	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
	return s.loggedIn.Load(), err
}

// tlsConfig fills in the server name, which certificate checks need.
func (c *Client) tlsConfig() *tls.Config {
	cfg := c.opts.TLS.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(c.opts.Addr); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg
}

// loggedIn is called by the session once the server accepted the login.
func (c *Client) loggedIn(s *session) (pseudo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sess = s
	c.register = false // the account exists now: reconnections log in
	return c.pseudo
}

// setPassword and setPseudo keep the credentials used to reconnect in step
// with what the server accepted.
func (c *Client) setPassword(p string) {
	c.mu.Lock()
	c.password = p
	c.mu.Unlock()
}

func (c *Client) setPseudo(p string) {
	c.mu.Lock()
	c.pseudo = p
	c.mu.Unlock()
}

// Password returns the password the client logs in with (commands such as
// PSD need it again).
func (c *Client) Password() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.password
}

// Pseudo returns the pseudo the client logs in with.
func (c *Client) Pseudo() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pseudo
}
