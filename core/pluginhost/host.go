package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/semaphore"

	"github.com/salon-chat/salon/config"
)

// Options configure a Host. Zero values take the defaults given.
type Options struct {
	Log hclog.Logger // default hclog.Default()
	API API          // required

	CallTimeout time.Duration // Configure, HandleGame, HandleVerb, HandleEvent; default 5s
	// HookTimeout bounds HookMessage, which the author of a message waits
	// for; default 250ms. A hook that times out lets the message through.
	HookTimeout time.Duration
	// StartTimeout bounds the go-plugin handshake of a starting process;
	// default 10s.
	StartTimeout time.Duration
	// PingInterval is how often a running plugin's health is checked;
	// default 5s. A check that takes longer than CallTimeout fails.
	PingInterval time.Duration

	// A plugin that fails MaxFailures times within FailureWindow (crashes,
	// failed health checks, kills after timeouts, failed restarts) is
	// disabled until the next Apply that changes it; default 5 in 10m.
	MaxFailures   int
	FailureWindow time.Duration
	// A restart waits at least BackoffMin and at most BackoffMax, drawn
	// at random between half a ceiling and the ceiling, which starts at
	// twice BackoffMin and doubles after each failure in a row (see
	// backoff); default 500ms to 30s.
	BackoffMin, BackoffMax time.Duration

	EventQueue        int // events queued per plugin before dropping; default 1024
	HostCallsInFlight int // concurrent Host API calls per plugin; default 64
}

func (o *Options) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Log == nil {
		o.Log = hclog.Default()
	}
	def(&o.CallTimeout, 5*time.Second)
	def(&o.HookTimeout, 250*time.Millisecond)
	def(&o.StartTimeout, 10*time.Second)
	def(&o.PingInterval, 5*time.Second)
	def(&o.FailureWindow, 10*time.Minute)
	def(&o.BackoffMin, 500*time.Millisecond)
	def(&o.BackoffMax, 30*time.Second)
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = o.BackoffMin
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.EventQueue <= 0 {
		o.EventQueue = 1024
	}
	if o.HostCallsInFlight <= 0 {
		o.HostCallsInFlight = 64
	}
}

// The states a plugin is in, as Status reports them.
const (
	StateRunning    = "running"
	StateRestarting = "restarting"
	StateDisabled   = "disabled"
	StateStopped    = "stopped" // never started (see LastError), or stopped
)

// Status describes one configured plugin, for administrators and logs.
type Status struct {
	Name      string
	State     string // StateRunning, StateRestarting, StateDisabled or StateStopped
	Restarts  int    // restarts after failures since the plugin was (re)configured
	LastError string // the last failure, "" if none
	PID       int    // the running process, 0 if none
	Protocol  int    // the plugin protocol version the running process speaks, 0 if none
}

// Host runs the configured plugins and publishes the routing Table.
type Host struct {
	opts  Options
	log   hclog.Logger
	api   API
	table atomic.Pointer[Table]

	applyMu sync.Mutex // serializes Apply and Shutdown

	// life is canceled when Shutdown begins: it aborts an Apply in
	// progress and stops every supervisor.
	life     context.Context
	lifeStop context.CancelFunc

	mu     sync.Mutex // guards what follows and every unit's mutable fields
	units  map[string]*unit
	order  []string // plugin names in configuration order
	closed bool

	// publishMu makes TableChanged see tables in the order they were
	// stored.
	publishMu sync.Mutex
}

// New returns a Host running no plugin; Apply starts them.
func New(opts Options) *Host {
	opts.setDefaults()
	h := &Host{
		opts:  opts,
		log:   opts.Log,
		api:   opts.API,
		units: make(map[string]*unit),
	}
	h.life, h.lifeStop = context.WithCancel(context.Background())
	h.table.Store(emptyTable())
	return h
}

func emptyTable() *Table {
	return &Table{
		Games:  map[string]*Plugin{},
		Verbs:  map[string]*Plugin{},
		Events: map[string][]*Plugin{},
		Bots:   map[int64]*Plugin{},

		RestartingGames: map[string]bool{},
		RestartingVerbs: map[string]bool{},
	}
}

// Table returns the current routing table. It is never nil, and never
// modified: a new one replaces it whenever a plugin starts or stops.
func (h *Host) Table() *Table { return h.table.Load() }

// Status describes every configured plugin, in configuration order.
func (h *Host) Status() []Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Status, 0, len(h.order))
	for _, name := range h.order {
		u := h.units[name]
		if u == nil {
			continue
		}
		s := Status{Name: name, State: u.state, Restarts: u.restarts, LastError: u.lastErr}
		if u.cur != nil {
			s.PID, s.Protocol = u.cur.pid, u.cur.version
		}
		out = append(out, s)
	}
	return out
}

// Apply makes the running plugins match plugins, in their configuration
// order: it stops the plugins no longer configured, restarts those whose
// command, arguments, checksum or config block changed, and starts the new
// ones, as well as those that failed to start before. A plugin disabled
// after repeated failures stays disabled unless its configuration changed.
//
// Every problem is reported, one per line of the error, as
// "file:line:col: plugin "name": message": a checksum mismatch, a missing
// binary, a failed handshake, the plugin's own configuration errors, a game,
// verb or bot claimed by another plugin (the plugin later in the
// configuration is refused, and a plugin already running is never displaced).
// A plugin that fails to start is not retried until the next Apply: that is
// a configuration problem. One that started and later fails is restarted by
// its supervisor.
func (h *Host) Apply(ctx context.Context, plugins []config.Plugin) error {
	h.applyMu.Lock()
	defer h.applyMu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(h.life, cancel)()

	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return errors.New("pluginhost: shut down")
	}
	want := make(map[string]config.Plugin, len(plugins))
	order := make([]string, 0, len(plugins))
	var errs []error
	for _, p := range plugins {
		if _, dup := want[p.Name]; dup {
			errs = append(errs, newError(p, p.Range, "configured twice"))
			continue
		}
		want[p.Name] = p
		order = append(order, p.Name)
	}

	// Take out of the table, in one publication, every plugin that is to
	// stop, then stop them all at once.
	var stopping []*unit
	var starting []*unit
	for name, u := range h.units {
		p, ok := want[name]
		if ok && u.key == keyOf(p) && u.state != StateStopped {
			// Unchanged and running, restarting or disabled: leave it.
			u.cfg = p // positions may have moved with the file
			continue
		}
		u.cur = nil
		u.claims = nil
		stopping = append(stopping, u)
		delete(h.units, name)
	}
	for _, name := range order {
		if _, kept := h.units[name]; kept {
			continue
		}
		u := h.newUnit(want[name])
		h.units[name] = u
		starting = append(starting, u)
	}
	h.order = order
	h.mu.Unlock()

	if len(stopping) > 0 {
		h.publish()
	}
	for _, u := range stopping {
		u.cancel()
	}
	for _, u := range stopping {
		<-u.done
	}

	// Start the processes in parallel, then register them one by one in
	// configuration order, so that of two plugins claiming the same game,
	// verb or bot the later one is refused.
	started := make([]*Plugin, len(starting))
	startErrs := make([]error, len(starting))
	var wg sync.WaitGroup
	for i, u := range starting {
		wg.Go(func() { started[i], startErrs[i] = h.start(ctx, u) })
	}
	wg.Wait()
	for i, u := range starting {
		err := startErrs[i]
		if err == nil {
			err = h.register(ctx, u, started[i])
			if err != nil {
				started[i].shutdown(false)
			}
		}
		if err != nil {
			h.mu.Lock()
			u.lastErr = err.Error()
			h.mu.Unlock()
			u.cancel()
			close(u.done) // no supervisor
			h.log.Error("plugin not started", "plugin", u.cfg.Name, "error", err)
			errs = append(errs, err)
			continue
		}
		h.mu.Lock()
		u.cur = started[i]
		u.live = started[i]
		u.state = StateRunning
		h.mu.Unlock()
		h.log.Info("plugin started", "plugin", u.cfg.Name, "pid", started[i].pid)
		go u.supervise(started[i])
	}
	h.publish()
	return errors.Join(errs...)
}

// Shutdown stops every plugin and waits for their supervisors, or until ctx
// is done, when the processes left are killed outright.
func (h *Host) Shutdown(ctx context.Context) {
	h.lifeStop()
	h.applyMu.Lock()
	defer h.applyMu.Unlock()
	h.mu.Lock()
	h.closed = true
	units := make([]*unit, 0, len(h.units))
	for _, u := range h.units {
		u.cur = nil
		u.claims = nil
		units = append(units, u)
	}
	h.mu.Unlock()
	h.publish()
	for _, u := range units {
		u.cancel()
	}
	for _, u := range units {
		select {
		case <-u.done:
		case <-ctx.Done():
			u.forceKill()
			<-u.done
		}
	}
}

// publish builds a table from the running plugins, stores it and tells the
// API.
func (h *Host) publish() {
	h.publishMu.Lock()
	defer h.publishMu.Unlock()
	h.mu.Lock()
	t := emptyTable()
	for _, name := range h.order {
		u := h.units[name]
		if u == nil {
			continue
		}
		if u.cur == nil {
			// Between two processes, its claims still hold.
			if u.claims != nil {
				for _, g := range u.claims.games {
					t.RestartingGames[g] = true
				}
				for _, v := range u.claims.verbs {
					t.RestartingVerbs[v] = true
				}
			}
			continue
		}
		p := u.cur
		for _, g := range p.man.games {
			t.Games[g] = p
		}
		for _, v := range p.man.verbs {
			t.Verbs[v] = p
		}
		if p.man.hookChannel {
			t.ChannelHooks = append(t.ChannelHooks, p)
		}
		if p.man.hookDirect {
			t.DirectHooks = append(t.DirectHooks, p)
		}
		for _, e := range p.man.events {
			t.Events[e] = append(t.Events[e], p)
		}
		for _, tag := range p.bots {
			t.Bots[tag] = p
		}
	}
	h.table.Store(t)
	h.mu.Unlock()
	h.api.TableChanged(t)
}

// keyOf is what must be unchanged for a running plugin to be left alone by
// Apply.
func keyOf(p config.Plugin) string {
	return fmt.Sprintf("%q %q %q %q", p.Command, p.Args, p.SHA256, configText(p))
}

func (h *Host) newUnit(cfg config.Plugin) *unit {
	ctx, cancel := context.WithCancel(h.life)
	u := &unit{
		h:        h,
		cfg:      cfg,
		key:      keyOf(cfg),
		log:      h.log.With("plugin", cfg.Name),
		inFlight: semaphore.NewWeighted(int64(h.opts.HostCallsInFlight)),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),
		state:    StateStopped,
	}
	return u
}

// conflicts reports the claims of m that another active plugin holds.
// Called with h.mu held.
func (h *Host) conflicts(self *unit, m *manifest) []string {
	var out []string
	for _, name := range h.order {
		o := h.units[name]
		if o == nil || o == self || o.claims == nil {
			continue
		}
		for _, g := range m.games {
			if slices.Contains(o.claims.games, g) {
				out = append(out, fmt.Sprintf("game %q is already served by plugin %q", g, name))
			}
		}
		for _, v := range m.verbs {
			if slices.Contains(o.claims.verbs, v) {
				out = append(out, fmt.Sprintf("verb %s is already claimed by plugin %q", v, name))
			}
		}
		for _, b := range m.botKeys {
			if i := slices.Index(o.claims.botKeys, b); i >= 0 {
				out = append(out, fmt.Sprintf("bot %q is already a bot of plugin %q", o.claims.bots[i], name))
			}
		}
	}
	return out
}
