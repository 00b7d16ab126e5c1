package server_test

// The model test (issue 13): random but valid command sequences from
// several users, on several connections each, against a real salond, with
// every answer checked against a model of what the contract says
// (model_state_test.go). Some commands are refused on purpose (a stranger
// posting, the owner leaving, inviting twice, JOIN without an
// invitation...): each must get exactly one ERR and change nothing, which
// the model, unchanged, goes on checking. At the end, and again after a
// restart on the same data folder, every user logs in and its burst, every
// conversation's save.txt and every file are compared with the model.
//
// A run is a function of its seed: a failure prints the seed, the step and
// the last commands, and
//
//	go test ./core/server -run '^TestModel$' -model.seed N -model.steps M
//
// replays it. FuzzModel runs the committed seeds under go test and is
// fuzzed by make fuzz.
//
// How the test knows what has arrived: a connection's PING is answered
// after every answer to its earlier commands (section 13), and the hub
// delivers a committed batch's lines to all their recipients, in order,
// before it handles anything later (core/chat/hub.go, runBatch: handle,
// commit, then deliver; a delivery pushes to the recipients' queues in the
// loop itself). So once the acting connection has its PONG, a PING sent
// then by any other connection is answered after the lines the command
// sent it. The exceptions are handled where they occur: downloads stream
// in the background (read to ENDFILE), and a closed connection's
// departure is handled when the server sees the close (waited for by
// polling WHO from an observer account).

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

var (
	modelSeed  = flag.Uint64("model.seed", 0, "TestModel: run only this seed (0: the fixed seeds)")
	modelSteps = flag.Int("model.steps", 150, "TestModel: steps per seed")
	// To look past a known defect: the commands named (see commands in
	// model_commands_test.go, and "restart") are never chosen. Runs with
	// it are other runs: a seed replays only with the same list.
	modelWithout = flag.String("model.without", "", "TestModel, FuzzModel: comma-separated kinds of command to leave out")
)

// TestModel runs a fixed seed, or the one given by -model.seed (and
// -model.steps) to replay a failure.
func TestModel(t *testing.T) {
	seeds := []uint64{1000}
	if *modelSeed != 0 {
		seeds = []uint64{*modelSeed}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			runModel(t, seed, *modelSteps)
		})
	}
}

// FuzzModel is the model test with the seed and the number of steps as
// input. The committed corpus (testdata/fuzz/FuzzModel) keeps go test
// short; make fuzz explores.
func FuzzModel(f *testing.F) {
	f.Fuzz(func(t *testing.T, seed uint64, steps uint16) {
		// Long runs are for many inputs, not for one: a fuzzing worker
		// must come back within the fuzzer's patience.
		runModel(t, seed, int(steps%1500))
	})
}

// recentKept is how many of the last commands a failure report shows.
const recentKept = 40

// maxUsers and maxConns bound the population, so that users meet often.
const (
	maxUsers = 6
	maxConns = 3 // per user
)

// wrongPasswordBudget is how many wrong passwords (IAM, PSW, PSD) a run
// may give one server instance: after three failures from one address
// every login from it waits (docs/protocol.md, IAM), and all the test's
// clients share 127.0.0.1.
const wrongPasswordBudget = 2

// mConn is a connection, logged in (user set) or not.
type mConn struct {
	c    *servertest.Client
	name string // for messages: pseudo#n
	user *mUser
	want []want // what it must receive before its next PONG

	uploads []*mUpload // started and not ended (model_commands_test.go)
}

// want is an expectation: lines in this order, the same lines in any
// order, or one ERR of a verb (the reason is the server's to word).
type want struct {
	lines    []string
	anyOrder bool
	errVerb  string
	step     int
}

func (w want) String() string {
	switch {
	case w.errVerb != "":
		return fmt.Sprintf("[step %d] ERR %s <reason>", w.step, w.errVerb)
	case w.anyOrder:
		return fmt.Sprintf("[step %d] in any order %q", w.step, w.lines)
	}
	return fmt.Sprintf("[step %d] %q", w.step, w.lines)
}

// modelRun is one seeded run: the server, the connections, the model.
type modelRun struct {
	t       testing.TB
	seed    uint64
	rng     *rand.Rand
	step    int
	recent  []string
	dataDir string
	in      *servertest.Instance
	m       *model

	conns    []*mConn // every open connection but the observer's
	observer *mConn   // an account outside the model, that polls presence with WHO
	obsTag   int64
	obsName  string

	without    map[string]bool // kinds of command left out (-model.without)
	pipelining bool            // a pipeline step is sending: settle waits for its end

	kind     string         // of the current step
	kinds    map[string]int // steps run, by kind
	refused  map[string]int // steps the model said must be refused, by kind
	commands int            // lines sent

	wrongPasswords int // given to the current server instance
	tokens         int // PING tokens used
	names          int // connections opened, for their names
}

var modelLimits = mLimits{
	serversPerUser:    3,
	channelsPerUser:   4,
	membersPerChannel: 4,
	maxFileBytes:      6000,
}

func runModel(t testing.TB, seed uint64, steps int) {
	r := &modelRun{
		t:       t,
		seed:    seed,
		rng:     rand.New(rand.NewPCG(seed, seed^0x5a10)),
		dataDir: t.TempDir(),
		m:       newModel(modelLimits),
		obsName: "observer",
		without: map[string]bool{},
		kinds:   map[string]int{},
		refused: map[string]int{},
	}
	for _, name := range strings.Split(*modelWithout, ",") {
		if name != "" {
			r.without[name] = true
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("model test failed: seed %d, step %d of %d; replay: go test ./core/server -run '^TestModel$' -model.seed %d -model.steps %d -model.without '%s'",
				seed, r.step, steps, seed, steps, *modelWithout)
			t.Logf("the last commands:\n%s", strings.Join(r.recent, "\n"))
		}
	})
	start := time.Now()
	r.start()
	for r.step = 1; r.step <= steps; r.step++ {
		r.kind = "login"
		r.randomStep()
		r.kinds[r.kind]++
	}
	r.step = steps + 1
	r.verify()
	r.restart()
	r.verify()
	took := time.Since(start)
	t.Logf("seed %d: %d steps, %d lines sent, in %v (%.0f steps/s); steps by kind %v, of which refused on purpose %v; at the end %s",
		seed, steps, r.commands, took.Round(time.Millisecond), float64(steps)/took.Seconds(), r.kinds, r.refused, r.m.summary())
}

func (r *modelRun) config() *config.Config {
	cfg := servertest.Config(r.dataDir)
	cfg.Limits.ServersPerUser = r.m.limits.serversPerUser
	cfg.Limits.ChannelsPerUser = r.m.limits.channelsPerUser
	cfg.Limits.MembersPerChannel = r.m.limits.membersPerChannel
	cfg.Files.MaxBytes = int64(r.m.limits.maxFileBytes)
	return cfg
}

// start starts the server on the data folder and logs the observer in
// (registering it the first time).
func (r *modelRun) start() {
	r.t.Helper()
	r.in = servertest.Start(r.t, r.config())
	r.wrongPasswords = 0
	c := r.dial(r.obsName)
	if r.obsTag == 0 {
		r.send(c, "NEW USR "+r.obsName+" observer-password")
		r.obsTag = r.newTag(c, "TAG 0 ", &r.m.lastUser, func(tag int64) string { return fmt.Sprintf("TAG 0 %d", tag) })
	} else {
		r.send(c, "IAM "+r.obsName+" observer-password")
		c.c.Expect(fmt.Sprintf("TAG 0 %d", r.obsTag))
	}
	c.c.Expect(fmt.Sprintf("ADD ON 0 %d %s", r.obsTag, r.obsName), fmt.Sprintf("GRP 0 %d", r.obsTag))
	r.observer = c
}

// restart stops the server, which says BYE to every connection, and starts
// it again on the same data folder.
func (r *modelRun) restart() {
	r.t.Helper()
	r.note(nil, "(restart)")
	r.in.Stop()
	for _, c := range append(r.conns, r.observer) {
		r.closed(c, "BYE")
	}
	r.conns = nil
	for _, u := range r.m.users {
		u.conns = nil
	}
	r.start()
}

// dial opens a connection (not logged in, not in r.conns yet).
func (r *modelRun) dial(name string) *mConn {
	r.t.Helper()
	r.names++
	c := &mConn{c: servertest.Dial(r.t, r.in.Addr), name: fmt.Sprintf("%s#%d", name, r.names)}
	c.c.Name = c.name
	return c
}

// note records a command for the failure report.
func (r *modelRun) note(c *mConn, line string) {
	if len(line) > 160 {
		line = line[:160] + fmt.Sprintf("...(%d bytes)", len(line))
	}
	who := "-"
	if c != nil {
		who = c.name
	}
	r.recent = append(r.recent, fmt.Sprintf("step %d %s: %s", r.step, who, line))
	if len(r.recent) > recentKept {
		r.recent = r.recent[1:]
	}
}

// send sends lines on c, noting them.
func (r *modelRun) send(c *mConn, lines ...string) {
	r.t.Helper()
	for _, l := range lines {
		r.note(c, l)
		// The server accepts a bare LF too (section 1).
		if r.rng.IntN(10) == 0 {
			c.c.SendRaw(l + "\n")
		} else {
			c.c.Send(l)
		}
	}
	r.commands += len(lines)
}

func (r *modelRun) fail(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("seed %d step %d: %s", r.seed, r.step, fmt.Sprintf(format, args...))
}

// expect adds lines c must receive, in this order.
func (r *modelRun) expect(c *mConn, lines ...string) {
	if len(lines) > 0 {
		c.want = append(c.want, want{lines: lines, step: r.step})
	}
}

// expectAnyOrder adds lines c must receive next, in any order.
func (r *modelRun) expectAnyOrder(c *mConn, lines ...string) {
	if len(lines) > 0 {
		c.want = append(c.want, want{lines: lines, anyOrder: true, step: r.step})
	}
}

// toUser adds lines every connection of user id must receive.
func (r *modelRun) toUser(id int64, lines ...string) {
	for _, c := range r.m.users[id].conns {
		r.expect(c, lines...)
	}
}

func (r *modelRun) toUsers(ids []int64, lines ...string) {
	for _, id := range ids {
		r.toUser(id, lines...)
	}
}

// expectErr says c must receive exactly one ERR of verb.
func (r *modelRun) expectErr(c *mConn, verb string) {
	c.want = append(c.want, want{errVerb: verb, step: r.step})
}

// settle checks what every connection has received: first the actor's
// (once its PONG is in, everything the command sent anyone has been
// queued), then everyone else's, whose PINGs go out together.
func (r *modelRun) settle(actor *mConn) {
	r.t.Helper()
	if r.pipelining {
		return // the pipeline step settles once it has sent everything
	}
	if actor != nil {
		r.syncAll([]*mConn{actor})
	}
	var rest []*mConn
	for _, c := range append(r.conns, r.observer) {
		if c != actor {
			rest = append(rest, c)
		}
	}
	r.syncAll(rest)
}

// syncAll sends a PING on every connection, then reads each one's lines
// up to its PONG and checks them against what it must receive.
func (r *modelRun) syncAll(conns []*mConn) {
	r.t.Helper()
	tokens := make([]string, len(conns))
	for i, c := range conns {
		r.tokens++
		tokens[i] = fmt.Sprintf("m%d", r.tokens)
		c.c.Send("PING " + tokens[i])
	}
	for i, c := range conns {
		var got []string
		for l := c.c.Next(); l != "PONG "+tokens[i]; l = c.c.Next() {
			got = append(got, l)
		}
		r.check(c, got)
	}
}

// closed reads what c receives until the server closes it and checks it
// is what c must receive, then last.
func (r *modelRun) closed(c *mConn, last string) {
	r.t.Helper()
	got := c.c.ExpectClosed()
	c.want = append(c.want, want{lines: []string{last}, step: r.step})
	r.check(c, got)
}

// check compares lines a connection received with what it must receive,
// and forgets both.
func (r *modelRun) check(c *mConn, got []string) {
	r.t.Helper()
	if err := match(got, c.want); err != "" {
		var ws []string
		for _, w := range c.want {
			ws = append(ws, w.String())
		}
		r.fail("%s: %s\ngot:\n  %s\nwant:\n  %s", c.name, err, strings.Join(quoteAll(got), "\n  "), strings.Join(ws, "\n  "))
	}
	c.want = nil
}

func quoteAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fmt.Sprintf("%q", l)
	}
	return out
}

// match reports how got differs from wants ("" when it does not).
func match(got []string, wants []want) string {
	i := 0
	for _, w := range wants {
		switch {
		case w.errVerb != "":
			if i >= len(got) {
				return fmt.Sprintf("missing ERR %s (step %d)", w.errVerb, w.step)
			}
			prefix := "ERR " + w.errVerb + " "
			if !strings.HasPrefix(got[i], prefix) || len(got[i]) == len(prefix) {
				return fmt.Sprintf("line %d: got %q, want ERR %s <reason> (step %d)", i+1, got[i], w.errVerb, w.step)
			}
			i++
		case w.anyOrder:
			if i+len(w.lines) > len(got) {
				return fmt.Sprintf("missing lines from %d on (step %d)", i+1, w.step)
			}
			g, x := slices.Clone(got[i:i+len(w.lines)]), slices.Clone(w.lines)
			slices.Sort(g)
			slices.Sort(x)
			if !slices.Equal(g, x) {
				return fmt.Sprintf("lines %d to %d: got %q, want in any order %q (step %d)", i+1, i+len(w.lines), got[i:i+len(w.lines)], w.lines, w.step)
			}
			i += len(w.lines)
		default:
			for _, l := range w.lines {
				if i >= len(got) {
					return fmt.Sprintf("missing line %d %q (step %d)", i+1, l, w.step)
				}
				if got[i] != l {
					return fmt.Sprintf("line %d: got %q, want %q (step %d)", i+1, got[i], l, w.step)
				}
				i++
			}
		}
	}
	if i < len(got) {
		return fmt.Sprintf("unexpected lines from %d on: %q", i+1, got[i:])
	}
	return ""
}

// newTag reads c's next line, which must be full(N) for a new tag N:
// one above *last, which it becomes. The tag is read after prefix.
func (r *modelRun) newTag(c *mConn, prefix string, last *int64, full func(int64) string) int64 {
	r.t.Helper()
	line := c.c.Next()
	rest, ok := strings.CutPrefix(line, prefix)
	var tag int64
	if ok {
		_, err := fmt.Sscanf(rest, "%d", &tag)
		ok = err == nil && line == full(tag)
	}
	if !ok {
		r.fail("%s: got %q, want %q with a new tag", c.name, line, full(0))
	}
	if tag <= *last {
		r.fail("%s: %q: tag %d is not above the last one given, %d: tags are never reused", c.name, line, tag, *last)
	}
	*last = tag
	return tag
}

// waitOffline polls WHO from the observer until the server says user u
// is offline: the server handles a closed connection when it sees the
// close, after the client has seen it.
func (r *modelRun) waitOffline(u *mUser) {
	r.t.Helper()
	on, off := fmt.Sprintf("ADD ON 0 %d %s", u.tag, u.pseudo), fmt.Sprintf("ADD OFF 0 %d %s", u.tag, u.pseudo)
	deadline := time.Now().Add(servertest.Timeout)
	for {
		r.observer.c.Send("WHO " + u.pseudo)
		switch l := r.observer.c.Next(); l {
		case off:
			return
		case on:
			if time.Now().After(deadline) {
				r.fail("%s still online %v after its last connection closed", u.pseudo, servertest.Timeout)
			}
			time.Sleep(time.Millisecond)
		default:
			r.fail("observer: WHO %s: got %q, want %q", u.pseudo, l, off)
		}
	}
}

// forget drops a closed connection from the run and from its user.
func (r *modelRun) forget(c *mConn) {
	r.conns = slices.DeleteFunc(r.conns, func(x *mConn) bool { return x == c })
	if u := c.user; u != nil {
		u.conns = slices.DeleteFunc(u.conns, func(x *mConn) bool { return x == c })
	}
}

// gone is what follows the close of c, already forgotten: when it was its
// user's last connection, the user goes offline and everyone online who
// can see it gets BYE 0 tag (section 5).
func (r *modelRun) gone(c *mConn) {
	r.t.Helper()
	u := c.user
	if u == nil || u.online() {
		return
	}
	r.toUsers(r.m.watchers(u.tag), fmt.Sprintf("BYE 0 %d", u.tag))
	r.waitOffline(u)
}

// verify compares the server's state with the model's: every user logs in
// on a new connection (its burst is checked, see login), and every
// conversation someone can read is downloaded, history and files.
func (r *modelRun) verify() {
	r.t.Helper()
	r.note(nil, "(verify)")
	for _, id := range r.m.userTags() {
		r.login(r.m.users[id], r.m.users[id].pseudo, r.m.users[id].password)
	}
	for _, k := range sortedConvs(r.m) {
		reader := r.reader(k)
		if reader == nil {
			continue
		}
		r.downloadHistory(reader, k)
		conv := r.m.convs[k]
		for _, name := range sortedNames(conv.files) {
			r.downloadFile(reader, k, name)
		}
	}
	r.settle(nil)
}

// reader returns a connection that may download conversation k: a
// member's, or for a direct conversation the lower party's.
func (r *modelRun) reader(k mConvKey) *mConn {
	if k.s == 0 {
		if u := r.m.users[k.lo]; u.online() {
			return u.conns[0]
		}
		return nil
	}
	ch := r.m.channel(k.s, k.c)
	if ch == nil {
		return nil
	}
	for _, id := range sortedSet(ch.members) {
		if u := r.m.users[id]; u.online() && r.m.member(id, k.s, k.c) {
			return u.conns[0]
		}
	}
	return nil
}

func sortedConvs(m *model) []mConvKey {
	keys := make([]mConvKey, 0, len(m.convs))
	for k := range m.convs {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b mConvKey) int {
		return slices.Compare([]int64{a.s, a.c, a.lo, a.hi}, []int64{b.s, b.c, b.lo, b.hi})
	})
	return keys
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
