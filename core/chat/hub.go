// Package chat is the hub: sessions, presence, the rules of every command,
// and fan-out. All state lives in one loop goroutine that takes whatever
// commands are queued, applies them to memory, commits their changes to the
// store in one transaction, and only then delivers their replies, in order.
// Acknowledged therefore means stored, and one commit serves many commands.
package chat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/salon-chat/salon/core/auth"
	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Options configure a Hub.
type Options struct {
	Log               hclog.Logger
	Passwords         auth.Params
	MaxHashing        int           // password hashes computed at once
	SendQueueBytes    int           // per session; beyond it the session is dropped
	PendingPerSession int           // commands of one session queued before its reader waits
	WriteTimeout      time.Duration // a write that takes longer drops the session
	MaxBatch          int           // commands per commit
	CommitGap         time.Duration // the least time from one commit to the next (see loop)
	Files             *files.Store  // where uploaded files live
	MaxFileBytes      int64         // the largest upload
	MaxDownloads      int           // downloads being read from disk or the database at once
	UserDownloads     int           // downloads one user has streaming at once
	QueuedDownloads   int           // downloads one connection has asked for and not yet received
	InitialChips      int64         // the wallet balance an account opens with

	LoginTimeout         time.Duration // to log in after connecting
	IdleTimeout          time.Duration // of silence before the server sends PING
	PingTimeout          time.Duration // of silence after that PING before disconnecting
	RegistrationsPerHour int           // new accounts per address per hour
	MessagesPerSecond    int           // sustained rate of MSG and JEU per user
	MessageBurst         int           // how many at once
	FloodDelay           time.Duration // how far behind a flooding user may fall before it is disconnected
	MembersPerChannel    int
	ServersPerUser       int // servers a user owns
	ChannelsPerUser      int // channels a user created
	InvitationsSent      int // pending invitations a user has sent
	InvitationsReceived  int // pending invitations a user has received
	PluginDeliveries     int // lines a plugin may deliver a second (to N members: N), burst twice that

	Calls *CallOptions // nil: no calls (calls.go)
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = hclog.NewNullLogger()
	}
	if o.Passwords.Time == 0 {
		o.Passwords = auth.Params{Time: 2, MemoryKiB: 19456, Threads: 1}
	}
	if o.MaxHashing == 0 {
		o.MaxHashing = 4
	}
	if o.SendQueueBytes == 0 {
		o.SendQueueBytes = 1 << 20
	}
	if o.PendingPerSession == 0 {
		o.PendingPerSession = 64
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.CommitGap == 0 {
		o.CommitGap = 500 * time.Microsecond
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 512
	}
	if o.MaxFileBytes == 0 {
		o.MaxFileBytes = 25 << 20
	}
	if o.MaxDownloads == 0 {
		o.MaxDownloads = 16
	}
	if o.InitialChips == 0 {
		o.InitialChips = 1000
	}
	setDefault(&o.LoginTimeout, time.Minute)
	setDefault(&o.IdleTimeout, 5*time.Minute)
	setDefault(&o.PingTimeout, time.Minute)
	setDefault(&o.RegistrationsPerHour, 10)
	setDefault(&o.MessagesPerSecond, 10)
	setDefault(&o.MessageBurst, 30)
	setDefault(&o.FloodDelay, 10*time.Second)
	setDefault(&o.MembersPerChannel, 10000)
	setDefault(&o.ServersPerUser, 20)
	setDefault(&o.ChannelsPerUser, 100)
	setDefault(&o.InvitationsSent, 100)
	setDefault(&o.InvitationsReceived, 200)
	setDefault(&o.PluginDeliveries, 20000)
	setDefault(&o.UserDownloads, 2)
	setDefault(&o.QueuedDownloads, 8)
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Hub owns the state and the sessions.
type Hub struct {
	opts     Options
	log      hclog.Logger
	store    *store.Store
	files    *files.Store
	hasher   *auth.Hasher
	throttle *auth.Throttle

	ctx    context.Context // cancelled at shutdown: ends password work
	cancel context.CancelFunc
	done   chan struct{} // closed when the loop has stopped

	sweepers    []*sweeper // write for sessions on plain TCP (sweeper.go)
	nextSweeper atomic.Uint64

	goroutines    sync.WaitGroup      // downloads, blob removals and plugin calls: shutdown waits for them
	readSlots     *semaphore.Weighted // reads of the disk or the database for downloads (downloads.go)
	userDownloads userSlots
	dlMu          sync.Mutex
	streaming     map[*download]bool // downloads queued or streaming, to stop those of a deleted conversation

	table atomic.Pointer[pluginhost.Table] // the plugins' routing, replaced whole by the plugin host

	qmu     sync.Mutex
	queue   []*request
	wake    chan struct{}
	stopped bool

	floodMu sync.Mutex        // guards buckets: readers spend from them (limits.go)
	buckets map[int64]*bucket // message allowances, by user

	// Owned by the loop.
	ready         []*request               // unparked requests to handle in the current batch
	registrations map[string]*rate.Limiter // new accounts allowed, by address
	st            *state
	sessions      map[*Session]bool
	webTokens     map[string]*Session // the sessions' WEBTOKENs (webtoken.go)
	stopping      bool
	pluginRates   map[string]*rate.Limiter // deliveries allowed to each plugin
	troubles      map[string]*trouble      // a plugin's refused and dropped lines, for the log
	dirty         bool                     // a handler panicked: reload the state after the commit
	purging       bool                     // deleted conversations may have messages left to purge
	lastPurge     time.Time                // when the last purge step ran
	purgeRetry    time.Time                // after a failed step, when to try again

	// The current batch's view of what it changed and the database does
	// not hold yet (edits.go).
	batchStart int64                   // the first message id the batch may give
	fresh      []store.Message         // messages the batch created
	touched    map[int64]*msgInfo      // messages the batch read or changed
	batchKeys  map[int64][]byte        // keys the batch published
	typed      map[typingKey]time.Time // when each user's TYPING in each conversation was last relayed

	// Calls (calls.go), owned by the loop.
	calls      map[store.Conversation]*callState
	inCall     map[int64]*callState // by user: one call at a time
	callsMoved bool                 // the batch may have taken users out of conversations: check the calls
}

type reqKind int

const (
	reqCommand reqKind = iota
	reqLookup          // the password hash a session's reader must check
	reqGone            // the connection ended
	reqShutdown
	reqPlugin // a plugin's call: run in the loop, done answered after delivery
	reqResume // what a parked session waited for has come: hooks' verdict, or a plugin's answer
)

type request struct {
	kind     reqKind
	s        *Session
	slot     bool // holds one of the session's slots
	cmd      wire.Command
	perr     *wire.Error // a rejection decided before the loop, delivered in order
	hash     string      // a new password hash (NEW USR, PSW)
	verified string      // the stored hash the password was checked against
	reply    chan lookupResult
	line     []byte                 // a reply decided by the reader (FILE OK), delivered in order
	blob     string                 // ENDFILE: the finished upload
	verdict  *pluginhost.Verdict    // MSG: what the hooks decided (nil: not asked yet)
	called   bool                   // reqResume: a background answer of the session is done (line: its ERR, if any)
	download bool                   // reqResume: the answer was a download
	seq      int64                  // reqResume: which background answer
	spent    bool                   // MSG, JEU: the reader took it from the allowance already
	run      func() (effect, error) // reqPlugin
	claim    atomic.Int32           // reqPlugin: callWaiting, callTaken or callWithdrawn
	done     chan error             // reqPlugin
}

type lookupResult struct {
	pseudo string
	hash   string
	fail   string // reason to reject the command
}

// effect is what handling a request produced: a change to commit and the
// deliveries to make once it is committed. Deliveries capture their lines
// and recipients when the request is handled, so that they describe the
// state at that point of the order whatever later requests of the batch do.
type effect struct {
	change  store.Change
	deliver func()
	parked  bool // the request waits for hooks or a plugin: its slot stays taken
}

// New loads the state from st, sweeps the files store of what a crash left
// behind, and starts the hub's loop.
func New(st *store.Store, opts Options) (*Hub, error) {
	opts.defaults()
	if opts.Files == nil {
		return nil, errors.New("chat: no files store")
	}
	snap, err := st.Load()
	if err != nil {
		return nil, err
	}
	if fixes := rekey(snap.Users, opts.Log); len(fixes) > 0 {
		if err := st.Commit([]store.Change{func(tx *store.Tx) error { return tx.SetPseudos(fixes) }}); err != nil {
			return nil, fmt.Errorf("chat: bringing pseudos in line with today's fold: %w", err)
		}
		opts.Log.Info("pseudos brought in line with today's fold", "accounts", len(fixes))
	}
	known := make(map[string]bool, len(snap.Files))
	for _, f := range snap.Files {
		known[f.ID] = true
	}
	swept, err := opts.Files.Sweep(func(id string) bool { return known[id] })
	if err != nil {
		return nil, fmt.Errorf("chat: sweeping files: %w", err)
	}
	if swept > 0 {
		opts.Log.Info("removed unfinished uploads and unrecorded blobs", "count", swept)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		opts:     opts,
		log:      opts.Log,
		store:    st,
		files:    opts.Files,
		hasher:   auth.NewHasher(opts.Passwords, opts.MaxHashing),
		throttle: auth.NewThrottle(3, 250*time.Millisecond, 8*time.Second, 15*time.Minute),
		ctx:      ctx,
		cancel:   cancel,
		done:     make(chan struct{}),

		sweepers:      newSweepers(),
		readSlots:     semaphore.NewWeighted(int64(opts.MaxDownloads)),
		userDownloads: userSlots{users: map[int64]*userSlot{}},
		streaming:     map[*download]bool{},
		wake:          make(chan struct{}, 1),
		st:            newState(snap),
		sessions:      map[*Session]bool{},
		webTokens:     map[string]*Session{},
		buckets:       map[int64]*bucket{},
		registrations: map[string]*rate.Limiter{},
		purging:       true, // what a previous run left pending
		pluginRates:   map[string]*rate.Limiter{},
		troubles:      map[string]*trouble{},
		touched:       map[int64]*msgInfo{},
		batchKeys:     map[int64][]byte{},
		typed:         map[typingKey]time.Time{},
		calls:         map[store.Conversation]*callState{},
		inCall:        map[int64]*callState{},
	}
	go h.loop()
	return h, nil
}

// Serve runs a session on conn until it ends. It returns at once if the hub
// has stopped.
func (h *Hub) Serve(conn net.Conn) {
	s := newSession(h, conn)
	if !h.submit(&request{kind: reqCommand, s: s, cmd: wire.Command{Op: opOpen}}) {
		conn.Close()
		return
	}
	s.serve()
	s.waitWritten(2 * time.Second)
}

// opOpen registers a new session with the loop (never sent by clients: the
// parser has no verb for it).
const opOpen wire.Op = -1

// Shutdown says BYE to every session, stores everything already queued and
// stops the loop and waits for the goroutines it started (downloads,
// plugin calls). It returns when all have stopped or ctx
// is done.
func (h *Hub) Shutdown(ctx context.Context) error {
	defer h.closeSweepers()
	h.submit(&request{kind: reqShutdown})
	h.cancel()
	select {
	case <-h.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	stopped := make(chan struct{})
	go func() { h.goroutines.Wait(); close(stopped) }()
	select {
	case <-stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed once the hub has stopped.
func (h *Hub) Done() <-chan struct{} { return h.done }

func (h *Hub) submit(r *request) bool {
	h.qmu.Lock()
	if h.stopped {
		h.qmu.Unlock()
		return false
	}
	h.queue = append(h.queue, r)
	h.qmu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return true
}

func (h *Hub) take() []*request {
	h.qmu.Lock()
	defer h.qmu.Unlock()
	n := min(len(h.queue), h.opts.MaxBatch)
	batch := h.queue[:n:n]
	h.queue = h.queue[n:]
	if len(h.queue) == 0 {
		h.queue = nil
	}
	return batch
}

func (h *Hub) loop() {
	defer close(h.done)
	tidy := time.NewTicker(time.Minute)
	defer tidy.Stop()
	for {
		batch := h.take()
		if h.purging && !h.stopping && (len(batch) == 0 || time.Since(h.lastPurge) >= purgeEvery) {
			h.purge()
			if len(batch) == 0 {
				continue
			}
		}
		if len(batch) == 0 {
			if h.stopping {
				h.finish()
				return
			}
			select {
			case <-h.wake:
			case <-tidy.C:
				h.tidy()
			}
			continue
		}
		// A loop that is never idle tidies all the same, or the typing
		// and allowance records of a busy server would only grow.
		select {
		case <-tidy.C:
			h.tidy()
		default:
		}
		start := time.Now()
		if h.runBatch(batch) {
			// Commits are at least CommitGap apart: what arrives meanwhile
			// waits and goes into the next one. Under load that makes fewer
			// and fuller commits (fewer fsyncs, and fewer rounds of writes to
			// the same sessions, each carrying more lines); on a quiet server
			// a lone command still goes through at once. (An idle runtime
			// sleeps in steps of about a millisecond, so there the gap is
			// nearer 1 ms.)
			if wait := h.opts.CommitGap - time.Since(start); wait > 0 {
				time.Sleep(wait)
			}
		}
	}
}

// tidy forgets the pacing and typing records nobody needs any more.
func (h *Hub) tidy() {
	h.forgetAllowances()
	h.forgetTyping(time.Now())
}

// purgeEvery is how often a step of purging runs while commands keep the
// loop busy: a step removes store.PurgeRows messages in a millisecond or
// two, so purges take about a tenth of the loop's time under load, and go
// at full speed when it is idle.
const purgeEvery = 20 * time.Millisecond

// purge removes one step's worth of the messages of deleted servers and
// channels. Deleting a conversation only marks its messages for purging
// (it stays one small change in the group commit, whatever their number);
// the messages themselves go here, in short steps between batches, so that
// deleting a server of a million messages never holds everyone else up.
func (h *Hub) purge() {
	if time.Now().Before(h.purgeRetry) {
		return
	}
	more, err := h.store.PurgeStep(h.ctx, store.PurgeRows)
	h.lastPurge = time.Now()
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Error("purging deleted messages; trying again in a second", "error", err)
		}
		h.purgeRetry = h.lastPurge.Add(time.Second)
		return
	}
	h.purging = more
}

// runBatch handles, commits and delivers one batch. Requests released by
// hooks join the batch as they are released. It reports whether the batch
// changed anything, so had to be committed.
func (h *Hub) runBatch(batch []*request) bool {
	h.startBatch()
	effects := make([]effect, 0, len(batch))
	var changes []store.Change
	var owners []int // the request of each change
	for i := 0; i < len(batch); i++ {
		e := h.safeHandle(batch[i])
		effects = append(effects, e)
		if e.change != nil {
			changes = append(changes, e.change)
			owners = append(owners, i)
		}
		// Requests released by a verdict go right after the one that
		// released them, not at the end: a later command of the same
		// session may already be further on in this batch, and must not
		// be handled before the ones parked ahead of it.
		batch = slices.Insert(batch, i+1, h.ready...)
		h.ready = h.ready[:0]
	}
	if len(changes) > 0 {
		t0 := time.Now()
		if err := h.commit(changes); err != nil {
			h.recover(batch, effects, changes, owners, err)
		}
		h.log.Trace("commit", "requests", len(batch), "changes", len(changes), "took", time.Since(t0))
	}
	if h.dirty {
		// A handler panicked midway: what it changed in memory, and only
		// that, is not in the database.
		h.dirty = false
		h.reload()
	}
	for i, r := range batch {
		if effects[i].deliver != nil {
			h.safely("delivering "+r.cmd.Verb, effects[i].deliver)
		}
		if r.slot && !effects[i].parked {
			<-r.s.slots
		}
		if r.done != nil {
			select {
			case r.done <- nil:
			default: // an error was sent first
			}
		}
	}
	if h.callsMoved {
		h.callsMoved = false
		h.safely("checking calls", h.checkCalls)
	}
	return len(changes) > 0
}

// faultHook, when a test sets it, runs at the fault points of handlers: a
// test makes one panic halfway through changing the state, to check that a
// panic fails its command alone and leaves the state as it was. It is nil
// outside tests.
var faultHook func(where string)

func faultPoint(where string) {
	if faultHook != nil {
		faultHook(where)
	}
}

// errInternal answers a command whose handling panicked.
var errInternal = errors.New("internal error")

// safeHandle is handle, with a panic turned into a failure of the request
// alone: logged with its stack, answered ERR VERB internal error, its
// change not made. The memory state it may have changed halfway is
// reloaded once the batch is committed; the server goes on.
func (h *Hub) safeHandle(r *request) (e effect) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		h.log.Error("a command panicked; it fails, the server goes on", "verb", r.cmd.Verb, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		h.dirty = true
		e = effect{}
		if s := r.s; s != nil {
			if i := slices.Index(s.held, r); i >= 0 {
				s.held = slices.Delete(s.held, i, i+1)
			}
		}
		switch {
		case r.done != nil:
			r.done <- errInternal
		case r.s != nil && r.kind == reqCommand:
			verb := r.cmd.Verb
			if r.perr != nil {
				verb = r.perr.Verb
			}
			if verb == "" {
				verb = "LINE"
			}
			e = h.fail(r.s, verb, "internal error")
		}
	}()
	return h.handle(r)
}

// safely runs f, logging a panic instead of ending the server.
func (h *Hub) safely(what string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("panic while "+what+"; the server goes on", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	f()
}

// commit is store.Commit, with a panic of a change turned into its error.
func (h *Hub) commit(changes []store.Change) (err error) {
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("a commit panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			err = fmt.Errorf("commit panicked: %v", v)
		}
	}()
	return h.store.Commit(changes)
}

// recover runs after a failed group commit, when nothing of the batch is
// stored. The changes before the one that failed did not fail, and none of
// them depends on a later one: they are committed again, once. Every
// command from the failed change on is answered ERR (its change, or one it
// may depend on, is not stored: a NEW SERV behind a NEW USR that failed),
// and the memory state, which had every change applied, is reloaded from
// the database. The loop is held for one more commit at most, and a load.
func (h *Hub) recover(batch []*request, effects []effect, changes []store.Change, owners []int, err error) {
	stored := 0
	if ce, ok := errors.AsType[*store.CommitError](err); ok && ce.Index > 0 {
		if err := h.commit(changes[:ce.Index]); err == nil {
			stored = ce.Index
		} else {
			h.log.Error("commit of the changes before the failed one failed too", "error", err)
		}
	}
	h.log.Error("group commit failed; the commands from the failed change on are refused",
		"error", err, "stored", stored, "refused", len(changes)-stored)
	for _, i := range owners[stored:] {
		r, e := batch[i], &effects[i]
		if r.done != nil {
			done := r.done
			e.deliver = func() { done <- fmt.Errorf("not stored: %w", err) }
			continue
		}
		if r.blob != "" {
			h.removeBlobs([]string{r.blob}) // its row will never point at it
		}
		s, verb := r.s, r.cmd.Verb
		e.deliver = func() { s.push(wire.Err(verb, "could not be stored, try again")) }
	}
	h.reload()
}

// reload replaces the memory state with the database's, keeping sessions.
func (h *Hub) reload() {
	h.callsMoved = true // memberships may have gone back: calls follow them
	snap, err := h.store.Load()
	if err != nil {
		h.log.Error("reloading state after a failed commit", "error", err)
		return
	}
	old := h.st
	h.st = newState(snap)
	// A session logged in as an account whose creation was not stored is
	// logged out: its tag will be given to the next account.
	for s := range h.sessions {
		if s.uid != 0 && h.st.users[s.uid] == nil {
			s.uid = 0
			s.loggedIn.Store(0)
		}
	}
	for id, u := range old.users {
		nu := h.st.users[id]
		if nu == nil {
			for _, s := range u.sessions {
				s.closeAfterFlush()
			}
			continue
		}
		nu.logins, nu.sessions = u.logins, u.sessions
		if nu.online() {
			h.loadMarkers(nu)
		}
	}
}

// finish closes what is left at shutdown.
func (h *Hub) finish() {
	h.qmu.Lock()
	h.stopped = true
	rest := h.queue
	h.queue = nil
	h.qmu.Unlock()
	for _, r := range rest {
		if r.reply != nil {
			r.reply <- lookupResult{fail: "server stopping"}
		}
		if r.blob != "" {
			h.removeBlobs([]string{r.blob})
		}
	}
}

// handle applies one request to the state.
func (h *Hub) handle(r *request) (e effect) {
	s := r.s
	if r.reply != nil {
		// A reader waiting for a verdict gets one even when the request is
		// turned down before reaching its handler; a parked request gets
		// its verdict when it is handled, after what it waits behind.
		defer func() {
			if e.parked {
				return
			}
			select {
			case r.reply <- lookupResult{fail: "refused"}:
			default:
			}
		}()
	}
	switch r.kind {
	case reqShutdown:
		h.stopping = true
		line := wire.Line("BYE")
		for s := range h.sessions {
			s.leaving = true
		}
		return effect{deliver: func() {
			for s := range h.sessions {
				s.push(line)
				s.closeAfterFlush()
			}
		}}
	case reqPlugin:
		if !r.claim.CompareAndSwap(callWaiting, callTaken) {
			return effect{} // withdrawn: its caller was told it did not happen
		}
		e, err := r.run()
		if err != nil {
			r.done <- err
		}
		return e
	case reqResume:
		return h.resume(r)
	}
	if len(s.held) > 0 {
		// Behind a message waiting for hooks: keep the session's order.
		s.held = append(s.held, r)
		return effect{parked: true}
	}
	switch r.kind {
	case reqGone:
		return h.gone(s)
	case reqLookup:
		return h.lookup(r)
	}
	if r.cmd.Op == opOpen {
		h.sessions[s] = true
		return effect{}
	}
	if s.leaving || h.stopping {
		if r.blob != "" {
			h.removeBlobs([]string{r.blob})
		}
		return effect{}
	}
	if s.uid == 0 && !allowedBeforeLogin(r) {
		verb := r.cmd.Verb
		if r.perr != nil {
			verb = r.perr.Verb
		}
		return h.fail(s, verb, "not logged in")
	}
	if r.perr != nil {
		e := r.perr
		return effect{deliver: func() { s.push(e.Line()) }}
	}
	if r.cmd.Op == wire.OpFile {
		return h.fileChunk(r)
	}
	if r.line != nil {
		return h.only(s, r.line)
	}
	return h.command(r)
}

// allowedBeforeLogin: only NEW USR, IAM, BYE and PING (and their shape
// errors, and framing errors) are answered before login.
func allowedBeforeLogin(r *request) bool {
	if r.perr != nil {
		switch r.perr.Verb {
		case "LINE", "NEW", "IAM", "BYE", "PING", "CAP":
			return true
		}
		return false
	}
	switch r.cmd.Op {
	case wire.OpRegister, wire.OpLogin, wire.OpQuit, wire.OpPing, wire.OpCapLs, wire.OpCapReq:
		return true
	}
	return r.cmd.Verb == "PONG" // the answer to the server's keep-alive
}

// fail is an effect that only answers ERR to the session.
func (h *Hub) fail(s *Session, verb, reason string) effect {
	line := wire.Err(verb, reason)
	return effect{deliver: func() { s.push(line) }}
}

func (h *Hub) lookup(r *request) effect {
	s := r.s
	res := lookupResult{}
	switch {
	case r.cmd.Op == wire.OpRegister:
		res.fail = h.registrationRefused(s, r.cmd.Name, false)
	case r.cmd.Name == "" && s.uid == 0:
		res.fail = "not logged in"
	case r.cmd.Name == "":
		u := h.st.users[s.uid]
		res.pseudo, res.hash = u.pseudo, u.hash
	case s.uid != 0:
		res.fail = "already logged in"
	default:
		res.pseudo = r.cmd.Name
		if u := h.st.byPseudo[wire.FoldPseudo(r.cmd.Name)]; u != nil && !u.bot {
			res.hash = u.hash
		}
	}
	// The reader waits for this answer before sending anything else, so it
	// can be given at once rather than after the commit.
	r.reply <- res
	return effect{}
}

// gone forgets a session whose connection ended.
func (h *Hub) gone(s *Session) effect {
	delete(h.sessions, s)
	s.leaving = true
	s.stop() // its downloads
	h.endWebToken(s)
	uid := s.uid
	if uid == 0 {
		return effect{deliver: s.closeAfterFlush}
	}
	u := h.st.users[uid]
	if u == nil {
		return effect{deliver: s.closeAfterFlush}
	}
	u.logins--
	leaveCall := h.sessionLeftCalls(s)
	var watchers []int64
	last := !u.online()
	if last {
		watchers = h.st.onlineOthers(h.st.canSee(u), uid)
	}
	line, who := wire.Line("BYE", wire.User(uid)), pluginUser(u)
	return effect{deliver: func() {
		s.closeAfterFlush()
		if leaveCall != nil {
			leaveCall()
		}
		if u := h.st.users[uid]; u != nil {
			u.sessions = removeSession(u.sessions, s)
			// Read again at the next login, which then sees this
			// batch's markers stored; a login later in this very batch
			// keeps the ones in memory, which are newer than the
			// database's.
			if !u.online() {
				u.markers = nil
			}
		}
		h.sendAll(watchers, line)
		if last {
			h.notify(pluginhost.Event{Kind: "offline", User: who})
		}
	}}
}

func removeSession(list []*Session, s *Session) []*Session {
	for i, x := range list {
		if x == s {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// send delivers a line to every session of a user.
func (h *Hub) send(uid int64, line []byte) {
	if u := h.st.users[uid]; u != nil {
		for _, s := range u.sessions {
			s.push(line)
		}
	}
}

// sendAll delivers one line (the same bytes) to every session of the users.
func (h *Hub) sendAll(uids []int64, line []byte) {
	for _, id := range uids {
		h.send(id, line)
	}
}
