package server_test

// The commands of the model test: each step picks a command, mostly one
// the model says will succeed, sometimes one it says must be refused,
// works out from the model what every connection must receive, sends it,
// checks, and changes the model as the contract says the command changes
// the server.

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// randomStep runs one random command.
func (r *modelRun) randomStep() {
	r.t.Helper()
	if r.rng.IntN(400) == 0 && !r.without["restart"] {
		r.kind = "restart"
		r.restart()
		r.verify()
		return
	}
	actor := r.pickConn()
	if actor == nil || (len(r.m.users) < 2 && r.rng.IntN(2) == 0) {
		if len(r.m.users) < maxUsers && (len(r.m.users) == 0 || r.rng.IntN(2) == 0) {
			r.register()
		} else {
			r.loginStep()
		}
		return
	}
	total := 0
	for _, c := range commands {
		if !r.without[c.name] {
			total += c.weight
		}
	}
	n := r.rng.IntN(total)
	for _, c := range commands {
		if r.without[c.name] {
			continue
		}
		if n < c.weight {
			r.kind = c.name
			c.run(r, actor)
			return
		}
		n -= c.weight
	}
}

// command is a kind of step: its name (for -model.without), how often it
// comes, and what it does with a logged-in connection.
type command struct {
	name   string
	weight int
	run    func(*modelRun, *mConn)
}

var commands = []command{
	{"register", 3, func(r *modelRun, _ *mConn) { r.register() }},
	{"login", 8, func(r *modelRun, _ *mConn) { r.loginStep() }},
	{"logout", 3, (*modelRun).logout},
	{"drop", 2, (*modelRun).drop},
	{"anonymous", 2, func(r *modelRun, _ *mConn) { r.anonymous() }},
	{"relogin", 2, (*modelRun).alreadyLoggedIn},
	{"newserver", 4, (*modelRun).newServer},
	{"newchannel", 5, (*modelRun).newChannel},
	{"delete", 3, (*modelRun).del},
	{"rename", 3, (*modelRun).rename},
	{"leave", 4, (*modelRun).leave},
	{"befriend", 5, (*modelRun).inviteFriend},
	{"invite", 9, (*modelRun).invitePlace},
	{"join", 9, (*modelRun).join},
	{"unfriend", 3, (*modelRun).unfriend},
	{"decline", 3, (*modelRun).decline},
	{"message", 20, (*modelRun).message},
	{"upload", 5, (*modelRun).upload},
	{"history", 4, (*modelRun).getHistory},
	{"download", 3, (*modelRun).getFile},
	{"password", 2, (*modelRun).password},
	{"pseudo", 2, (*modelRun).pseudo},
	{"who", 2, (*modelRun).who},
	{"garbage", 3, (*modelRun).garbage},
	{"together", 3, (*modelRun).together},
	{"upstart", 2, (*modelRun).uploadStart},
	{"upend", 2, (*modelRun).uploadEnd},
}

// The pipeline step runs the others: it joins the list once the list is
// made.
func init() { commands = append(commands, command{"pipeline", 4, (*modelRun).pipeline}) }

// pipelined are the kinds of command a pipeline step sends: those whose
// answers are read only by settle.
var pipelined = []string{"message", "befriend", "invite", "join", "leave", "unfriend", "decline",
	"rename", "delete", "who", "garbage", "upload", "relogin", "pseudo"}

// pipeline sends several commands on one connection without waiting for
// their answers: the server handles a connection's commands in order
// (docs/protocol.md, Order and acknowledgement), however they fall into
// its batches, so the model's order is still the server's.
func (r *modelRun) pipeline(c *mConn) {
	r.t.Helper()
	var kinds []command
	for _, k := range commands {
		if slices.Contains(pipelined, k.name) && !r.without[k.name] {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return
	}
	r.pipelining = true
	for range 2 + r.rng.IntN(6) {
		pick(r, kinds).run(r, c)
	}
	r.pipelining = false
	r.settle(c)
}

// chance is true with probability p.
func (r *modelRun) chance(p float64) bool { return r.rng.Float64() < p }

func pick[T any](r *modelRun, list []T) T { return list[r.rng.IntN(len(list))] }

// pickConn returns a random logged-in connection, or nil.
func (r *modelRun) pickConn() *mConn {
	var in []*mConn
	for _, c := range r.conns {
		if c.user != nil {
			in = append(in, c)
		}
	}
	if len(in) == 0 {
		return nil
	}
	return pick(r, in)
}

// otherUser returns a user tag for u to act on: mostly another user, from
// those preferred when there are some, sometimes u itself or nobody.
func (r *modelRun) otherUser(u int64, preferred []int64) int64 {
	switch {
	case len(preferred) > 0 && r.chance(0.85):
		return pick(r, preferred)
	case r.chance(0.05):
		return u
	case r.chance(0.05):
		return r.m.lastUser + 1000 // no such user
	}
	return pick(r, r.m.userTags())
}

// place returns a place (server, channel) for u to act on: mostly one of
// preferred, else any channel of any server, sometimes one that does not
// exist.
func (r *modelRun) place(preferred []mPlace) mPlace {
	if len(preferred) > 0 && r.chance(0.85) {
		return pick(r, preferred)
	}
	var all []mPlace
	for _, s := range sortedSet(r.m.servers) {
		for _, c := range sortedSet(r.m.servers[s].chans) {
			all = append(all, mPlace{s, c})
		}
	}
	if len(all) == 0 || r.chance(0.1) {
		if len(all) > 0 && r.chance(0.5) {
			return mPlace{pick(r, all).s, 1000} // no such channel
		}
		return mPlace{r.m.lastServer + 1000, 0} // no such server
	}
	return pick(r, all)
}

// places returns the places u belongs to, general channels included when
// general is true, other channels when chans is true.
func (r *modelRun) places(u int64, general, chans bool) []mPlace {
	var out []mPlace
	for _, s := range sortedSet(r.m.servers) {
		for _, c := range sortedSet(r.m.servers[s].chans) {
			if r.m.member(u, s, c) && ((c == 0 && general) || (c > 0 && chans)) {
				out = append(out, mPlace{s, c})
			}
		}
	}
	return out
}

// reject sends a command the model says must be refused: exactly one ERR
// of verb, to the actor only, and nothing changes (settle checks that no
// one else received anything; later steps and verify check the state).
func (r *modelRun) reject(c *mConn, verb string, lines ...string) {
	r.t.Helper()
	r.refused[r.kind]++
	r.send(c, lines...)
	for range lines {
		r.expectErr(c, verb)
	}
	r.settle(c)
}

// Accounts and sessions.

var pseudoStems = []string{"alice", "bob", "carol", "dave", "erin", "frank", "élise", "Zoé", "gus", "hana"}

// freshPseudo returns a pseudo nobody holds, in any case.
func (r *modelRun) freshPseudo() string {
	for {
		p := pick(r, pseudoStems)
		if r.chance(0.5) {
			p += strconv.Itoa(r.rng.IntN(100))
		}
		if r.m.byPseudo(p) == nil && !samePseudo(p, r.obsName) {
			return p
		}
	}
}

// recase changes the case of some letters of s.
func (r *modelRun) recase(s string) string {
	var b strings.Builder
	for _, c := range s {
		if r.chance(0.4) {
			if unicode.IsUpper(c) {
				c = unicode.ToLower(c)
			} else {
				c = unicode.ToUpper(c)
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *modelRun) newPassword() string {
	return fmt.Sprintf("pw-%08x", r.rng.Uint32())
}

// register creates an account on a new connection (NEW USR), or tries to
// with a pseudo that is taken or a bad password.
func (r *modelRun) register() {
	r.t.Helper()
	pseudo, password := r.freshPseudo(), r.newPassword()
	bad := ""
	switch {
	case len(r.m.users) > 0 && r.chance(0.1):
		pseudo, bad = r.recase(r.m.users[pick(r, r.m.userTags())].pseudo), "taken"
	case r.chance(0.03):
		password, bad = pick(r, []string{"short77", strings.Repeat("p", 129)}), "password"
	case r.chance(0.03):
		pseudo, bad = pick(r, badNames), "pseudo"
	case r.chance(0.05):
		password = pick(r, []string{"eight888", strings.Repeat("p", 128)}) // the bounds are passwords
	}
	if len(r.m.users) >= maxUsers && bad == "" {
		return
	}
	c := r.dial(pseudo)
	line := "NEW USR " + pseudo + " " + password
	if bad != "" {
		r.send(c, line)
		r.expectErr(c, "NEW")
		r.syncAll([]*mConn{c})
		c.c.Close() // never logged in: nothing follows
		return
	}
	r.send(c, line)
	tag := r.newTag(c, "TAG 0 ", &r.m.lastUser, func(tag int64) string { return fmt.Sprintf("TAG 0 %d", tag) })
	u := &mUser{tag: tag, pseudo: pseudo, password: password}
	r.m.users[tag] = u
	r.attach(c, u)
	// A new account sees nobody and nobody sees it (section 5; the
	// burst of a new account in docs/protocol.md).
	r.expect(c, fmt.Sprintf("ADD ON 0 %d %s", tag, pseudo), fmt.Sprintf("GRP 0 %d", tag))
	r.settle(c)
}

// attach makes c a session of u.
func (r *modelRun) attach(c *mConn, u *mUser) {
	c.user = u
	u.conns = append(u.conns, c)
	r.conns = append(r.conns, c)
}

// loginStep logs a user in on one more connection (IAM), or fails to with
// a wrong password while the run may afford one.
func (r *modelRun) loginStep() {
	r.t.Helper()
	var can []*mUser
	for _, id := range r.m.userTags() {
		if u := r.m.users[id]; len(u.conns) < maxConns {
			can = append(can, u)
		}
	}
	if len(can) == 0 {
		return
	}
	u := pick(r, can)
	if r.wrongPasswords < wrongPasswordBudget && r.chance(0.05) {
		r.wrongPasswords++
		c := r.dial(u.pseudo)
		pseudo := u.pseudo
		if r.chance(0.3) {
			pseudo = r.freshPseudo() // no such user: the same answer
		}
		r.send(c, "IAM "+pseudo+" wrong-"+u.password)
		r.expectErr(c, "IAM")
		r.syncAll([]*mConn{c})
		c.c.Close()
		return
	}
	r.login(u, r.recase(u.pseudo), u.password)
}

// login logs u in on a new connection and checks its burst; if it is u's
// first session, everyone online who can see u gets ADD ON (section 5).
func (r *modelRun) login(u *mUser, pseudo, password string) *mConn {
	r.t.Helper()
	c := r.dial(u.pseudo)
	first := !u.online()
	watchers := r.m.watchers(u.tag)
	r.send(c, "IAM "+pseudo+" "+password)
	r.attach(c, u)
	r.expect(c, r.m.burst(u.tag)...)
	if first {
		r.toUsers(watchers, fmt.Sprintf("ADD ON 0 %d %s", u.tag, u.pseudo))
	}
	r.settle(c)
	return c
}

// alreadyLoggedIn sends IAM or NEW USR on a logged-in connection.
func (r *modelRun) alreadyLoggedIn(c *mConn) {
	r.t.Helper()
	if r.chance(0.5) {
		r.reject(c, "IAM", "IAM "+c.user.pseudo+" "+c.user.password)
	} else {
		r.reject(c, "NEW", "NEW USR "+r.freshPseudo()+" "+r.newPassword())
	}
}

// logout: BYE, answered with BYE, then the server closes (section 6).
func (r *modelRun) logout(c *mConn) {
	r.t.Helper()
	r.send(c, "BYE")
	r.closed(c, "BYE")
	r.forget(c)
	r.gone(c)
	r.settle(nil)
}

// drop closes a connection without a word.
func (r *modelRun) drop(c *mConn) {
	r.t.Helper()
	if places := r.places(c.user.tag, true, true); len(places) > 0 && r.chance(0.3) {
		// Cut off mid-upload: it is dropped and leaves nothing behind
		// (section 11), which verify sees in the history.
		p := pick(r, places)
		head := fmt.Sprintf("%d %d cut.bin", p.s, p.c)
		r.send(c, "NEWFILE "+head+" 3000", "FILE "+head+" "+base64.StdEncoding.EncodeToString(make([]byte, 1000)))
	}
	r.note(c, "(close)")
	c.c.Close()
	r.forget(c)
	r.gone(c)
	r.settle(nil)
}

// anonymous opens a connection and sends what is refused before login
// (section 4), then leaves.
func (r *modelRun) anonymous() {
	r.t.Helper()
	c := r.dial("anonymous")
	refused := []struct{ verb, line string }{
		{"MSG", "MSG 1 0 hello"},
		{"FLY", "FLY away"},
		{"NEW", "NEW SERV club"},
		{"JOIN", "JOIN 1 0"},
		{"WHO", "WHO alice"},
		{"GET", "GET 1 0"},
		{"PSD", "PSD someone password-1"},
		{"FILE", "FILE 1 0 a.txt aGk="},
		{"IAM", "IAM alice short77"}, // not a password: refused before any check
		{"BYE", "BYE 1 0"},
	}
	for range 1 + r.rng.IntN(3) {
		if r.chance(0.2) {
			r.send(c, "PING hello")
			r.expect(c, "PONG hello")
			continue
		}
		x := pick(r, refused)
		r.send(c, x.line)
		r.expectErr(c, x.verb)
	}
	r.syncAll([]*mConn{c})
	if r.chance(0.5) {
		r.send(c, "BYE")
		r.closed(c, "BYE")
		return
	}
	c.c.Close()
}

// password changes the password (PSW): the answer to this connection, BYE
// to every other session of the account, which the server closes.
func (r *modelRun) password(c *mConn) {
	r.t.Helper()
	u := c.user
	old, next := u.password, r.newPassword()
	switch {
	case r.wrongPasswords < wrongPasswordBudget && r.chance(0.1):
		r.wrongPasswords++
		r.reject(c, "PSW", "PSW wrong-"+old+" "+next)
		return
	case r.chance(0.05):
		r.reject(c, "PSW", "PSW "+old+" "+pick(r, []string{"short77", strings.Repeat("p", 129)}))
		return
	case r.chance(0.1):
		next = pick(r, []string{"eight888", strings.Repeat("p", 128)})
	}
	r.send(c, "PSW "+old+" "+next)
	r.expect(c, "PSW "+next)
	r.syncAll([]*mConn{c})
	for _, other := range slices.Clone(u.conns) {
		if other != c {
			r.closed(other, "BYE")
			r.forget(other)
		}
	}
	u.password = next
	r.settle(nil)
}

// pseudo changes the pseudo (PSD): RENAME to every session of the user
// and to everyone online who can see it.
func (r *modelRun) pseudo(c *mConn) {
	r.t.Helper()
	u := c.user
	next := r.freshPseudo()
	switch {
	case r.wrongPasswords < wrongPasswordBudget && r.chance(0.1):
		r.wrongPasswords++
		r.reject(c, "PSD", "PSD "+next+" wrong-"+u.password)
		return
	case r.chance(0.1):
		// Taken, in another case: by another user or by the observer.
		taken := r.obsName
		if other := r.m.users[r.otherUser(u.tag, nil)]; other != nil && other != u {
			taken = other.pseudo
		}
		r.reject(c, "PSD", "PSD "+r.recase(taken)+" "+u.password)
		return
	case r.chance(0.05):
		r.reject(c, "PSD", "PSD "+pick(r, badNames)+" "+u.password)
		return
	case r.chance(0.15):
		next = r.recase(u.pseudo) // one's own pseudo in another case is allowed
	}
	r.send(c, "PSD "+next+" "+u.password)
	r.toUsers(append([]int64{u.tag}, r.m.watchers(u.tag)...), fmt.Sprintf("RENAME %s 0 %d", next, u.tag))
	u.pseudo = next
	r.settle(c)
}

// who looks a user up by pseudo, in any case.
func (r *modelRun) who(c *mConn) {
	r.t.Helper()
	if r.chance(0.15) {
		r.reject(c, "WHO", "WHO "+r.freshPseudo())
		return
	}
	if r.chance(0.1) {
		r.send(c, "WHO "+r.recase(r.obsName))
		r.expect(c, fmt.Sprintf("ADD ON 0 %d %s", r.obsTag, r.obsName))
		r.settle(c)
		return
	}
	v := r.m.users[pick(r, r.m.userTags())]
	r.send(c, "WHO "+r.recase(v.pseudo))
	r.expect(c, r.m.add(v.tag))
	r.settle(c)
}

// garbage sends malformed or unknown commands: one ERR each (sections 1
// and 4), or nothing for an empty line.
func (r *modelRun) garbage(c *mConn) {
	r.t.Helper()
	lines := []struct{ verb, line string }{
		{"MSG", "MSG 1 0"},
		{"MSG", "MSG  1 0 two spaces"},
		{"MSG", "MSG 01 0 leading zero"},
		{"FLY", "FLY away"},
		{"msg", "msg 1 0 lower case"},
		{"BYE", "BYE 1"},
		{"DEL", "DEL 0 5"},
		{"RENAME", "RENAME x 0 3"},
		{"JOIN", "JOIN 1"},
		{"JOIN", "JOIN 0 -1"},
		{"INV", "INV 0 0"},
		{"INV", "INV 0 3 0 5"},
		{"NEW", "NEW SERV"},
		{"NEW", "NEW SERV a b"},
		{"NEW", "NEW CHAN 0 x"},
		{"NEW", "NEW THING x"},
		{"PING", "PING a b"},
		{"WHO", "WHO"},
		{"GET", "GET 1"},
		{"LINE", "MSG 1 0 a\x01b"},
		{"LINE", "MSG 1 0 \xff\xfe"},
		{"LINE", "MSG 1 0 " + strings.Repeat("y", 5000)},
		{"LINE", "MSG 1 0 del\x7f"},
		{"LINE", "MSG 1 0 c1\u0085"},
		{"MSG", "MSG 9223372036854775808 0 over 63 bits"},
		{"MSG", fmt.Sprintf("MSG 9223372036854775807 0 %s", "no such server")},
		{"JEU", "JEU nogame " + strings.Repeat("z", 4094-len("JEU nogame "))},  // 4096 bytes with CRLF: a line
		{"LINE", "JEU nogame " + strings.Repeat("z", 4095-len("JEU nogame "))}, // 4097: too long
		{"", ""}, // an empty line is ignored
	}
	x := pick(r, lines)
	switch {
	case x.verb == "":
		r.send(c, x.line)
		r.settle(c)
	case strings.HasPrefix(x.line, "JEU"):
		// The limit counts the CRLF: this one must not be a bare LF.
		r.note(c, x.line)
		r.commands++
		c.c.SendRaw(x.line + "\r\n")
		r.refused[r.kind]++
		r.expectErr(c, x.verb)
		r.settle(c)
	default:
		r.reject(c, x.verb, x.line)
	}
}

// Servers and channels.

var names = []string{"club", "café", "Ünï", "x", "games", "dev", "général", "abcdefghijklmnopqrstuvwxyz012345", strings.Repeat("é", 16)}

// name returns a server or channel name, and whether it is valid.
func (r *modelRun) name() (string, bool) {
	if r.chance(0.04) {
		return pick(r, badNames), false
	}
	return pick(r, names), true
}

// badNames are not names (section 3): too long, or holding a character
// that is not printable or is a space.
var badNames = []string{strings.Repeat("n", 33), "no\u00a0break", "zero\u200bwidth", strings.Repeat("é", 16) + "x"}

func (r *modelRun) newServer(c *mConn) {
	r.t.Helper()
	u := c.user
	name, ok := r.name()
	line := "NEW SERV " + name
	if !ok || r.m.ownedServers(u.tag) >= r.m.limits.serversPerUser {
		r.reject(c, "NEW", line)
		return
	}
	r.send(c, line)
	s := r.newTag(c, "TAG ", &r.m.lastServer, func(s int64) string { return fmt.Sprintf("TAG %d 0 %s", s, name) })
	srv := &mServer{tag: s, name: name, owner: u.tag, chans: map[int64]*mChan{
		0: {tag: 0, name: "general", creator: u.tag, members: map[int64]bool{u.tag: true}},
	}}
	r.m.servers[s] = srv
	r.m.conv(chanConv(s, 0))
	// Confirmed to every session of the user (docs/protocol.md, Order
	// and acknowledgement); the actor's TAG line is read already.
	for _, o := range u.conns {
		if o != c {
			r.expect(o, r.m.tagLine(s, 0))
		}
		r.expect(o, r.m.grp(s, 0))
	}
	r.settle(c)
}

func (r *modelRun) newChannel(c *mConn) {
	r.t.Helper()
	u := c.user
	p := r.place(r.places(u.tag, true, false))
	name, ok := r.name()
	line := fmt.Sprintf("NEW CHAN %d %s", p.s, name)
	if !ok || !r.m.inServer(u.tag, p.s) || r.m.createdChannels(u.tag) >= r.m.limits.channelsPerUser {
		r.reject(c, "NEW", line)
		return
	}
	srv := r.m.servers[p.s]
	r.send(c, line)
	tag := r.newTag(c, fmt.Sprintf("TAG %d ", p.s), &srv.lastChan, func(t int64) string { return fmt.Sprintf("TAG %d %d %s", p.s, t, name) })
	srv.chans[tag] = &mChan{tag: tag, name: name, creator: u.tag, members: map[int64]bool{u.tag: true}}
	r.m.conv(chanConv(p.s, tag))
	for _, o := range u.conns {
		if o != c {
			r.expect(o, r.m.tagLine(p.s, tag))
		}
		r.expect(o, r.m.grp(p.s, tag))
	}
	r.settle(c)
}

// moderated returns the places u moderates (channels, and with servers
// the general channels of the servers it owns).
func (r *modelRun) moderated(u int64, servers bool) []mPlace {
	var out []mPlace
	for _, s := range sortedSet(r.m.servers) {
		for _, c := range sortedSet(r.m.servers[s].chans) {
			if r.m.moderates(u, s, c) && (c > 0 || servers) {
				out = append(out, mPlace{s, c})
			}
		}
	}
	return out
}

// del deletes a channel (DEL S C: its members and the moderator get DEL)
// or a server (DEL S 0: its members get DEL); history, files and pending
// invitations go with it.
func (r *modelRun) del(c *mConn) {
	r.t.Helper()
	u := c.user
	var p mPlace
	switch {
	case r.chance(0.15):
		p = r.place(r.moderated(u.tag, true)) // a server now and then
	default:
		p = r.place(append(r.moderated(u.tag, false), r.places(u.tag, false, true)...))
	}
	line := fmt.Sprintf("DEL %d %d", p.s, p.c)
	if !r.m.moderates(u.tag, p.s, p.c) || (p.c == 0 && r.m.servers[p.s].owner != u.tag) {
		r.reject(c, "DEL", line)
		return
	}
	r.send(c, line)
	srv := r.m.servers[p.s]
	if p.c == 0 {
		r.toUsers(sortedSet(srv.chans[0].members), line)
		delete(r.m.servers, p.s)
		r.m.dropInvitations(p.s, func(int64) bool { return true })
		r.m.dropConvs(p.s, func(int64) bool { return true })
	} else {
		// docs/protocol.md: a moderator who is not a member gets the line
		// too, as its confirmation.
		r.toUsers(sortedSet(withUser(srv.chans[p.c].members, u.tag)), line)
		delete(srv.chans, p.c)
		r.m.dropInvitations(p.s, func(c int64) bool { return c == p.c })
		r.m.dropConvs(p.s, func(c int64) bool { return c == p.c })
	}
	r.settle(c)
}

// rename renames a server (RENAME name S, or S 0) or a channel.
func (r *modelRun) rename(c *mConn) {
	r.t.Helper()
	u := c.user
	p := r.place(append(r.moderated(u.tag, true), r.places(u.tag, true, true)...))
	name, ok := r.name()
	line := fmt.Sprintf("RENAME %s %d %d", name, p.s, p.c)
	if p.c == 0 && r.chance(0.5) {
		line = fmt.Sprintf("RENAME %s %d", name, p.s)
	}
	if !ok || !r.m.moderates(u.tag, p.s, p.c) || (p.c == 0 && r.m.servers[p.s].owner != u.tag) {
		r.reject(c, "RENAME", line)
		return
	}
	r.send(c, line)
	srv := r.m.servers[p.s]
	if p.c == 0 {
		srv.name = name
		r.toUsers(sortedSet(srv.chans[0].members), fmt.Sprintf("RENAME %s %d", name, p.s))
	} else {
		srv.chans[p.c].name = name
		r.toUsers(sortedSet(withUser(srv.chans[p.c].members, u.tag)), fmt.Sprintf("RENAME %s %d %d", name, p.s, p.c))
	}
	r.settle(c)
}

// withUser returns set plus id, leaving set as it is.
func withUser(set map[int64]bool, id int64) map[int64]bool {
	out := map[int64]bool{id: true}
	for k := range set {
		out[k] = true
	}
	return out
}

// leave leaves a channel (BYE S C) or a server (BYE S 0, all its
// channels with it); the members and the leaver get BYE 0 me S C. The
// owner cannot leave its server.
func (r *modelRun) leave(c *mConn) {
	r.t.Helper()
	u := c.user
	p := r.place(r.places(u.tag, r.chance(0.4), true))
	line := fmt.Sprintf("BYE %d %d", p.s, p.c)
	if !r.m.member(u.tag, p.s, p.c) || (p.c == 0 && r.m.servers[p.s].owner == u.tag) {
		r.reject(c, "BYE", line)
		return
	}
	r.send(c, line)
	srv := r.m.servers[p.s]
	r.toUsers(sortedSet(srv.chans[p.c].members), fmt.Sprintf("BYE 0 %d %d %d", u.tag, p.s, p.c))
	if p.c > 0 {
		delete(srv.chans[p.c].members, u.tag)
	} else {
		for _, ch := range srv.chans {
			delete(ch.members, u.tag)
		}
	}
	r.settle(c)
}

// Friends and invitations.

// related returns the users u has a friendship or a pending friend
// request with.
func (r *modelRun) related(u int64) []int64 {
	var out []int64
	for _, v := range r.m.userTags() {
		if v != u && (r.m.areFriends(u, v) || r.m.friendRequest(u, v) != nil || r.m.friendRequest(v, u) != nil) {
			out = append(out, v)
		}
	}
	return out
}

// inviteFriend sends a friend request (INV 0 U): each side gets an ADD
// of the other, then the invitation (section 8).
func (r *modelRun) inviteFriend(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	var strangers []int64
	for _, v := range r.m.userTags() {
		if v != u && !slices.Contains(r.related(u), v) {
			strangers = append(strangers, v)
		}
	}
	v := r.otherUser(u, strangers)
	line := fmt.Sprintf("INV 0 %d", v)
	// Refused: no such user, oneself, a friend, someone already asked,
	// or someone who asked first (docs/protocol.md: requests do not
	// cross).
	if r.m.users[v] == nil || v == u || r.m.areFriends(u, v) || r.m.friendRequest(u, v) != nil || r.m.friendRequest(v, u) != nil {
		r.reject(c, "INV", line)
		return
	}
	r.send(c, line)
	r.toUser(v, r.m.add(u), fmt.Sprintf("INV 0 %d", u))
	r.toUser(u, r.m.add(v), fmt.Sprintf("INV 0 %d 0 %d", u, v))
	r.m.invs = append(r.m.invs, &mInv{from: u, to: v, place: mPlace{0, u}})
	r.settle(c)
}

// invitePlace invites a user to a server or channel (INV 0 U S C).
func (r *modelRun) invitePlace(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	p := r.place(r.places(u, true, true))
	var outsiders []int64
	for _, v := range r.m.userTags() {
		if !r.m.member(v, p.s, p.c) && r.m.invitation(v, p) == nil {
			outsiders = append(outsiders, v)
		}
	}
	v := r.otherUser(u, outsiders)
	line := fmt.Sprintf("INV 0 %d %d %d", v, p.s, p.c)
	// Refused: no such user, oneself, a place the inviter is not in, a
	// member of it, a full channel (or a full server for an outsider),
	// someone already invited there by anyone.
	if r.m.users[v] == nil || v == u || !r.m.member(u, p.s, p.c) || r.m.member(v, p.s, p.c) ||
		r.m.full(p.s, p.c) || (!r.m.inServer(v, p.s) && r.m.full(p.s, 0)) || r.m.invitation(v, p) != nil {
		r.reject(c, "INV", line)
		return
	}
	r.send(c, line)
	r.toUser(v, r.m.add(u), fmt.Sprintf("INV 0 %d%s", u, r.m.placeNames(p)))
	r.toUser(u, r.m.add(v), fmt.Sprintf("INV 0 %d 0 %d%s", u, v, r.m.placeNames(p)))
	r.m.invs = append(r.m.invs, &mInv{from: u, to: v, place: p})
	r.settle(c)
}

// join accepts a friend request (JOIN 0 U) or an invitation (JOIN S C).
func (r *modelRun) join(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	var pending []*mInv
	for _, i := range r.m.invs {
		if i.to == u {
			pending = append(pending, i)
		}
	}
	var p mPlace // the address JOIN names: 0 U or S C
	switch {
	case len(pending) > 0 && r.chance(0.8):
		i := pick(r, pending)
		p = i.place
	case r.chance(0.4):
		// One's own request, or anyone's: refused unless pending.
		p = mPlace{0, r.otherUser(u, nil)}
	default:
		p = r.place(nil)
	}
	line := fmt.Sprintf("JOIN %d %d", p.s, p.c)
	i := r.m.invitation(u, p)
	if i == nil || (!p.friend() && (r.m.member(u, p.s, p.c) ||
		r.m.full(p.s, p.c) || (!r.m.inServer(u, p.s) && r.m.full(p.s, 0)))) {
		r.reject(c, "JOIN", line)
		return
	}
	r.send(c, line)
	r.m.dropInvitation(i)
	if p.friend() {
		r.toUsers([]int64{i.from, u}, fmt.Sprintf("JOIN 0 %d 0 %d", i.from, u))
		r.m.friends[pair(i.from, u)] = true
		r.settle(c)
		return
	}
	if !r.m.inServer(u, p.s) {
		r.enter(u, p.s, 0)
	}
	if p.c > 0 {
		r.enter(u, p.s, p.c)
		// A pending invitation to the server is used up by joining it this
		// way (docs/protocol.md).
		if si := r.m.invitation(u, mPlace{p.s, 0}); si != nil {
			r.m.dropInvitation(si)
		}
	}
	r.settle(c)
}

// enter makes u a member of channel c of s with the lines of section 8:
// the members get an ADD of u and u an ADD of every member (in an order
// the contract does not fix), everyone JOIN S C 0 u, then u (TAG S 0 for
// a server and) GRP.
func (r *modelRun) enter(u, s, c int64) {
	ch := r.m.channel(s, c)
	members := sortedSet(ch.members)
	r.toUsers(members, r.m.add(u))
	var adds []string
	for _, id := range members {
		adds = append(adds, r.m.add(id))
	}
	for _, o := range r.m.users[u].conns {
		r.expectAnyOrder(o, adds...)
	}
	ch.members[u] = true
	r.toUsers(sortedSet(ch.members), fmt.Sprintf("JOIN %d %d 0 %d", s, c, u))
	if c == 0 {
		r.toUser(u, r.m.tagLine(s, 0))
	}
	r.toUser(u, r.m.grp(s, c))
}

// unfriend ends a friendship or drops a friend request either way (BYE 0
// U): both sides get BYE 0 me 0 U.
func (r *modelRun) unfriend(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	v := r.otherUser(u, r.related(u))
	line := fmt.Sprintf("BYE 0 %d", v)
	if r.m.users[v] == nil || !slices.Contains(r.related(u), v) {
		r.reject(c, "BYE", line)
		return
	}
	r.send(c, line)
	r.toUsers([]int64{u, v}, fmt.Sprintf("BYE 0 %d 0 %d", u, v))
	if i := r.m.friendRequest(u, v); i != nil {
		r.m.dropInvitation(i)
	} else if i := r.m.friendRequest(v, u); i != nil {
		r.m.dropInvitation(i)
	} else {
		delete(r.m.friends, pair(u, v))
	}
	r.settle(c)
}

// decline declines an invitation to S C received from U, or withdraws one
// sent to U (BYE 0 U S C, section 8): both sides get BYE 0 me 0 U S C.
func (r *modelRun) decline(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	var mine []*mInv
	for _, i := range r.m.invs {
		if !i.place.friend() && (i.to == u || i.from == u) {
			mine = append(mine, i)
		}
	}
	var v int64
	var p mPlace
	if len(mine) > 0 && r.chance(0.8) {
		i := pick(r, mine)
		v, p = i.from, i.place
		if i.from == u {
			v = i.to
		}
	} else {
		v, p = r.otherUser(u, nil), r.place(nil)
	}
	line := fmt.Sprintf("BYE 0 %d %d %d", v, p.s, p.c)
	i := r.m.invitation(u, p)
	if i == nil || i.from != v {
		i = r.m.invitation(v, p)
		if i != nil && i.from != u {
			i = nil
		}
	}
	if i == nil {
		r.reject(c, "BYE", line)
		return
	}
	r.send(c, line)
	r.toUsers([]int64{u, v}, fmt.Sprintf("BYE 0 %d 0 %d %d %d", u, v, p.s, p.c))
	r.m.dropInvitation(i)
	r.settle(c)
}

// Messages, files, history.

// target is a conversation as u names it: a channel, or the direct
// conversation with user peer (s == 0).
type target struct {
	s, c int64 // a channel
	peer int64 // a direct conversation
}

func (t target) addr() string {
	if t.s == 0 {
		return fmt.Sprintf("0 %d", t.peer)
	}
	return fmt.Sprintf("%d %d", t.s, t.c)
}

// addrFor is the conversation t of user u as user v names it: the same
// channel, or for a direct conversation the other party.
func (t target) addrFor(v, u int64) string {
	if t.s == 0 && v != u {
		return fmt.Sprintf("0 %d", u)
	}
	return t.addr()
}

func (t target) key(u int64) mConvKey {
	if t.s == 0 {
		return directConv(u, t.peer)
	}
	return chanConv(t.s, t.c)
}

// conversation picks a conversation for u: mostly one it may write to.
func (r *modelRun) conversation(u int64) target {
	var talk []int64
	for _, v := range r.m.userTags() {
		if v != u && (r.m.areFriends(u, v) || r.m.sharesServer(u, v)) {
			talk = append(talk, v)
		}
	}
	places := r.places(u, true, true)
	switch {
	case len(places) > 0 && r.chance(0.6):
		p := pick(r, places)
		return target{s: p.s, c: p.c}
	case r.chance(0.85):
		return target{peer: r.otherUser(u, talk)}
	}
	p := r.place(nil)
	return target{s: p.s, c: p.c}
}

// mayWrite: a channel message (or file) needs membership; a direct one
// needs a friendship or a shared server, and someone else (section 9; a
// message to oneself is refused, docs/protocol.md).
func (r *modelRun) mayWrite(u int64, t target) bool {
	if t.s == 0 {
		return r.m.users[t.peer] != nil && t.peer != u && (r.m.areFriends(u, t.peer) || r.m.sharesServer(u, t.peer))
	}
	return r.m.member(u, t.s, t.c)
}

// mayRead: a channel's history needs membership; a direct conversation
// may be read by its two parties (docs/protocol.md, History).
func (r *modelRun) mayRead(u int64, t target) bool {
	if t.s == 0 {
		return r.m.users[t.peer] != nil && t.peer != u
	}
	return r.m.member(u, t.s, t.c)
}

var words = []string{"hello", "salut", "café", "ünïcødé", "@alice", "#1", ">", "*", "+ plus", "日本語", "😀", "x", "see you at 8"}

// text returns a message text and whether it is valid (1 to 4000 bytes).
func (r *modelRun) text() (string, bool) {
	switch {
	case r.chance(0.01):
		return "", false
	case r.chance(0.01):
		return strings.Repeat("é", 2000) + "!", false // 4001 bytes
	case r.chance(0.02):
		return strings.Repeat("é", 2000), true // 4000 bytes
	case r.chance(0.02):
		return " ", true
	}
	seps := []string{" ", " ", " ", "  ", "\t", " \t "}
	var b strings.Builder
	if r.chance(0.1) {
		b.WriteString(pick(r, seps))
	}
	for i := range 1 + r.rng.IntN(6) {
		if i > 0 {
			b.WriteString(pick(r, seps))
		}
		b.WriteString(pick(r, words))
	}
	if r.chance(0.1) {
		b.WriteString(pick(r, seps))
	}
	return b.String(), true
}

// message sends MSG: to every member of a channel, the sender included, or
// to both parties of a direct conversation.
func (r *modelRun) message(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	t := r.conversation(u)
	text, ok := r.text()
	line := fmt.Sprintf("MSG %s %s", t.addr(), text)
	if !ok || !r.mayWrite(u, t) {
		r.reject(c, "MSG", line)
		return
	}
	r.send(c, line)
	echo := fmt.Sprintf("MSG 0 %d %s %s", u, t.addr(), text)
	if t.s == 0 {
		r.toUsers([]int64{u, t.peer}, echo)
	} else {
		r.toUsers(sortedSet(r.m.channel(t.s, t.c).members), echo)
	}
	conv := r.m.conv(t.key(u))
	conv.entries = append(conv.entries, mEntry{author: u, text: text})
	r.settle(c)
}

var tmpNames = []string{"a.txt", "photo.png", "notes", "archive.tar.gz", "save.txt", "dir/photo.png",
	"..hidden.txt", "we#ird.png", `x\y.txt`, "v1.2", "-rf", "日本.txt"}

// safeName is the final name docs/protocol.md (Files) derives from a
// tmp_name, for the test's tmp names: the part after the last / or \,
// reduced to letters, digits and . - _ + ( ) , = @, without leading dots
// or dashes, "file" if nothing is left; save.txt becomes save-1.txt.
func safeName(tmp string) string {
	base := tmp[strings.LastIndexAny(tmp, `/\`)+1:]
	var b strings.Builder
	for _, c := range base {
		if unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune(".-_+(),=@", c) {
			b.WriteRune(c)
		}
	}
	name := strings.TrimLeft(b.String(), ".-")
	switch {
	case name == "":
		return "file"
	case strings.EqualFold(name, "save.txt"):
		return "save-1.txt"
	}
	return name
}

// uniqueName numbers a name already used in the conversation: photo.png,
// photo-2.png, photo-3.png; the number goes before the extension (one
// short alphanumeric segment, with a .tar before it kept: archive-2.tar.gz).
func uniqueName(name string, taken map[string][]byte) string {
	if _, ok := taken[name]; !ok {
		return name
	}
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && isExt(name[i+1:]) {
		stem, ext = name[:i], name[i:]
		if strings.HasSuffix(stem, ".tar") && len(stem) > 4 {
			stem, ext = stem[:len(stem)-4], stem[len(stem)-4:]+ext
		}
	}
	for n := 2; ; n++ {
		c := fmt.Sprintf("%s-%d%s", stem, n, ext)
		if _, ok := taken[c]; !ok {
			return c
		}
	}
}

func isExt(s string) bool {
	letter := false
	for _, c := range s {
		switch {
		case c < utf8.RuneSelf && unicode.IsLetter(c):
			letter = true
		case c < utf8.RuneSelf && unicode.IsDigit(c):
		default:
			return false
		}
	}
	return letter && len(s) <= 16
}

// upload sends one to three small files at once (section 11: uploads on
// one connection are told apart by address and tmp_name), their NEWFILE,
// FILE and ENDFILE lines interleaved and pipelined, each acknowledged;
// every finished one is announced with FILESENT to its conversation. Some
// go wrong on purpose: not allowed, too large, bad base64, more bytes than
// announced, an ENDFILE size that does not match; each is dropped with one
// ERR and leaves nothing behind, and the lines sent for it after that have
// no upload to join (one ERR each).
func (r *modelRun) upload(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	type upload struct {
		t         target
		tmp       string
		data      []byte
		lines     []string
		announced int
		ended     int
		bad       int // the FILE line (from 1) with spoilt base64, 0 for none
		open      bool
		sent      int
	}
	var ups []*upload
	keys := map[string]bool{}
	for _, o := range c.uploads {
		keys[o.key()] = true // left open by an earlier step: not this one's
	}
	for range 1 + r.rng.IntN(3)*r.rng.IntN(2) {
		up := &upload{t: r.conversation(u), tmp: pick(r, tmpNames)}
		if key := up.t.addr() + " " + up.tmp; !keys[key] {
			keys[key] = true
			ups = append(ups, up)
		}
	}
	for _, up := range ups {
		size := r.rng.IntN(5001)
		if r.chance(0.05) {
			size = r.m.limits.maxFileBytes + 1 + r.rng.IntN(100)
		}
		up.data = make([]byte, size)
		for i := range up.data {
			up.data[i] = byte(r.rng.UintN(256))
		}
		var chunks []string
		for rest := up.data; len(rest) > 0; {
			n := min(len(rest), 1+r.rng.IntN(2880))
			chunks = append(chunks, base64.StdEncoding.EncodeToString(rest[:n]))
			rest = rest[n:]
		}
		up.announced, up.ended = size, size
		switch f := r.rng.IntN(40); {
		case f == 0 && len(chunks) > 0:
			up.bad = 1 + r.rng.IntN(len(chunks))
			chunks[up.bad-1] = "!" + chunks[up.bad-1][1:]
		case f == 1 && size > 0:
			up.announced, up.ended = size-1, size-1
		case f == 2:
			up.ended = size + 1
		}
		head := up.t.addr() + " " + up.tmp
		up.lines = append(up.lines, fmt.Sprintf("NEWFILE %s %d", head, up.announced))
		for _, ch := range chunks {
			up.lines = append(up.lines, fmt.Sprintf("FILE %s %s", head, ch))
		}
		up.lines = append(up.lines, fmt.Sprintf("ENDFILE %s %d", head, up.ended))
	}

	// Interleave the uploads' lines, each upload's in its order, and work
	// out the answer to each line in that order.
	next := make([]int, len(ups))
	for {
		var left []int
		for i, up := range ups {
			if next[i] < len(up.lines) {
				left = append(left, i)
			}
		}
		if len(left) == 0 {
			break
		}
		i := pick(r, left)
		up, j := ups[i], next[i]
		next[i]++
		r.send(c, up.lines[j])
		switch {
		case j == 0:
			if !r.mayWrite(u, up.t) || up.announced > r.m.limits.maxFileBytes {
				r.expectErr(c, "NEWFILE")
				continue
			}
			up.open = true
			r.expect(c, "NEWFILE OK")
		case j < len(up.lines)-1:
			if !up.open {
				r.expectErr(c, "FILE") // no such upload
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(strings.Fields(up.lines[j])[4])
			up.sent += len(raw)
			if j == up.bad || up.sent > up.announced {
				up.open = false
				r.expectErr(c, "FILE")
				continue
			}
			r.expect(c, "FILE OK")
		default:
			if !up.open || up.ended != up.announced || up.sent != up.announced {
				r.expectErr(c, "ENDFILE")
				continue
			}
			r.expect(c, "ENDFILE OK")
			r.publish(u, up.t, up.tmp, up.data)
		}
	}
	r.settle(c)
}

// together has several connections (of several users, or of one) post to
// one conversation at the same moment. Which of them the server stores
// first is the server's to choose, so the model takes the order from what
// the first member's connection receives, and checks the contract's
// promises about it (section 9): every member receives the same order, each
// sender's messages in the order it sent them, and the history (checked
// later) holds that order too.
func (r *modelRun) together(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	t := r.conversation(u)
	if !r.mayWrite(u, t) {
		r.message(c) // a plain step, refused or not
		return
	}
	var members []int64
	if t.s == 0 {
		members = []int64{min(u, t.peer), max(u, t.peer)}
	} else {
		members = sortedSet(r.m.channel(t.s, t.c).members)
	}
	var senders []*mConn
	for _, id := range members {
		senders = append(senders, r.m.users[id].conns...)
	}
	r.rng.Shuffle(len(senders), func(i, j int) { senders[i], senders[j] = senders[j], senders[i] })
	senders = senders[:min(len(senders), 2+r.rng.IntN(3))]
	if len(senders) < 2 {
		r.message(c)
		return
	}
	// The lines each sender sends, and what they come back as.
	sent := map[string][]string{} // echo lines by sender connection name
	var all []string
	for i, s := range senders {
		for j := range 1 + r.rng.IntN(4) {
			text := fmt.Sprintf("together %d.%d.%d", r.step, i, j)
			line := fmt.Sprintf("MSG %s %s", t.addrFor(s.user.tag, u), text)
			r.note(s, line)
			r.commands++
			s.c.Send(line)
			echo := fmt.Sprintf("MSG 0 %d %s %s", s.user.tag, t.addrFor(s.user.tag, u), text)
			if t.s == 0 {
				// A direct message's echo names the recipient.
				echo = fmt.Sprintf("MSG 0 %d 0 %d %s", s.user.tag, members[0]+members[1]-s.user.tag, text)
			}
			sent[s.name] = append(sent[s.name], echo)
			all = append(all, echo)
		}
	}
	// A sender's PONG comes after its own messages, not the others': once
	// every sender has its PONG, all have been handled, and a second PING
	// on every connection collects the rest.
	got := r.collect(senders)
	for o, lines := range r.collect(append(slices.Clone(r.conns), r.observer)) {
		got[o] = append(got[o], lines...)
	}
	var order []string
	for _, id := range members {
		for _, o := range r.m.users[id].conns {
			lines := got[o]
			if order == nil {
				order = lines
				if !isMerge(order, senders, sent) || len(order) != len(all) {
					r.fail("%s: got %q, want the messages %q, each sender's in the order sent", o.name, order, all)
				}
				continue
			}
			if !slices.Equal(lines, order) {
				r.fail("%s: got %q, want the order the other members got: %q", o.name, lines, order)
			}
		}
	}
	for o, lines := range got {
		if !slices.Contains(members, userTag(o)) && len(lines) > 0 {
			r.fail("%s: got %q, not being in the conversation", o.name, lines)
		}
	}
	conv := r.m.conv(t.key(u))
	for _, l := range order {
		f := strings.SplitN(l, " ", 6)
		author, _ := strconv.ParseInt(f[2], 10, 64)
		conv.entries = append(conv.entries, mEntry{author: author, text: f[5]})
	}
}

// userTag is c's user's tag, 0 for the observer's connection.
func userTag(c *mConn) int64 {
	if c.user == nil {
		return 0
	}
	return c.user.tag
}

// isMerge reports whether order holds each sender's lines in the order it
// sent them.
func isMerge(order []string, senders []*mConn, sent map[string][]string) bool {
	next := map[string]int{}
	for _, l := range order {
		ok := false
		for _, s := range senders {
			if i := next[s.name]; i < len(sent[s.name]) && sent[s.name][i] == l {
				next[s.name]++
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// collect syncs the connections, which must owe nothing the model knows
// of, and returns what each received before its PONG.
func (r *modelRun) collect(conns []*mConn) map[*mConn][]string {
	r.t.Helper()
	tokens := make([]string, len(conns))
	for i, c := range conns {
		r.tokens++
		tokens[i] = fmt.Sprintf("m%d", r.tokens)
		c.c.Send("PING " + tokens[i])
	}
	got := map[*mConn][]string{}
	for i, c := range conns {
		var lines []string
		for l := c.c.Next(); l != "PONG "+tokens[i]; l = c.c.Next() {
			lines = append(lines, l)
		}
		got[c] = lines
	}
	return got
}

// mUpload is an upload a connection has started and not ended: it spans
// steps, so that what happens meanwhile (the uploader leaves the channel,
// the channel is deleted, the friendship ends) is decided at its ENDFILE.
type mUpload struct {
	t         target
	tmp       string
	data      []byte
	chunks    []string // base64 chunks not sent yet
	announced int
}

func (u *mUpload) key() string { return u.t.addr() + " " + u.tmp }

// maxUploads is how many uploads one connection may have open at once
// (docs/protocol.md, Files).
const maxUploads = 8

// uploadStart sends a NEWFILE and some of its FILE lines, and leaves the
// upload open. Sometimes it starts one under the address and tmp_name of
// one already open, which is refused and leaves that one as it was.
func (r *modelRun) uploadStart(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	if len(c.uploads) > 0 && r.chance(0.2) {
		o := pick(r, c.uploads)
		r.reject(c, "NEWFILE", fmt.Sprintf("NEWFILE %s %d", o.key(), o.announced))
		return
	}
	up := &mUpload{t: r.conversation(u), tmp: pick(r, tmpNames)}
	if slices.ContainsFunc(c.uploads, func(o *mUpload) bool { return o.key() == up.key() }) {
		return
	}
	up.announced = r.rng.IntN(5001)
	up.data = make([]byte, up.announced)
	for i := range up.data {
		up.data[i] = byte(r.rng.UintN(256))
	}
	for rest := up.data; len(rest) > 0; {
		n := min(len(rest), 1+r.rng.IntN(2880))
		up.chunks = append(up.chunks, base64.StdEncoding.EncodeToString(rest[:n]))
		rest = rest[n:]
	}
	line := fmt.Sprintf("NEWFILE %s %d", up.key(), up.announced)
	if len(c.uploads) >= maxUploads || !r.mayWrite(u, up.t) {
		r.reject(c, "NEWFILE", line)
		return
	}
	r.send(c, line)
	r.expect(c, "NEWFILE OK")
	c.uploads = append(c.uploads, up)
	r.sendChunks(c, up, r.rng.IntN(len(up.chunks)+1))
	r.settle(c)
}

// sendChunks sends the next n FILE lines of an open upload.
func (r *modelRun) sendChunks(c *mConn, up *mUpload, n int) {
	for _, ch := range up.chunks[:n] {
		r.send(c, "FILE "+up.key()+" "+ch)
		r.expect(c, "FILE OK")
	}
	up.chunks = up.chunks[n:]
}

// uploadEnd goes on with an open upload of any connection: some more FILE
// lines, or the rest and its ENDFILE. The upload is published if its
// uploader may still write to the conversation (a file is a message of
// it, section 11), else dropped with one ERR.
func (r *modelRun) uploadEnd(_ *mConn) {
	r.t.Helper()
	var open []*mConn
	for _, o := range r.conns {
		if len(o.uploads) > 0 {
			open = append(open, o)
		}
	}
	if len(open) == 0 {
		if c := r.pickConn(); c != nil {
			r.uploadStart(c)
		}
		return
	}
	c := pick(r, open)
	i := r.rng.IntN(len(c.uploads))
	up := c.uploads[i]
	if len(up.chunks) > 1 && r.chance(0.3) {
		r.sendChunks(c, up, 1+r.rng.IntN(len(up.chunks)-1))
		r.settle(c)
		return
	}
	r.sendChunks(c, up, len(up.chunks))
	c.uploads = slices.Delete(c.uploads, i, i+1)
	u := c.user.tag
	line := fmt.Sprintf("ENDFILE %s %d", up.key(), up.announced)
	if !r.mayWrite(u, up.t) {
		r.send(c, line)
		r.expectErr(c, "ENDFILE")
		r.refused[r.kind]++
		r.settle(c)
		return
	}
	r.send(c, line)
	r.expect(c, "ENDFILE OK")
	r.publish(u, up.t, up.tmp, up.data)
	r.settle(c)
}

// publish records a finished upload and expects its FILESENT lines: to the
// recipient and the sender of a direct upload, to every member of a
// channel.
func (r *modelRun) publish(u int64, t target, tmp string, data []byte) {
	conv := r.m.conv(t.key(u))
	name := uniqueName(safeName(tmp), conv.files)
	conv.files[name] = data
	conv.entries = append(conv.entries, mEntry{author: u, file: name})
	if t.s == 0 {
		r.toUser(t.peer, fmt.Sprintf("FILESENT 0 %d %s", u, name))
		r.toUser(u, fmt.Sprintf("FILESENT 0 %d 0 %d %s", u, t.peer, name))
	} else {
		r.toUsers(sortedSet(r.m.channel(t.s, t.c).members), fmt.Sprintf("FILESENT 0 %d %s %s", u, t.addr(), name))
	}
}

// getHistory downloads a conversation's save.txt (GET S C, GET S C
// save.txt, GET 0 U) and compares it with the model's messages.
func (r *modelRun) getHistory(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	t := r.conversation(u)
	line := "GET " + t.addr()
	if r.chance(0.3) {
		line += " save.txt"
	}
	if !r.mayRead(u, t) {
		r.reject(c, "GET", line)
		return
	}
	r.send(c, line)
	r.checkHistory(c, t)
	r.settle(c)
}

// downloadHistory is getHistory of conversation k by c, for verify.
func (r *modelRun) downloadHistory(c *mConn, k mConvKey) {
	r.t.Helper()
	t := target{s: k.s, c: k.c}
	if k.s == 0 {
		t = target{peer: k.hi}
		if c.user.tag == k.hi {
			t.peer = k.lo
		}
	}
	r.send(c, "GET "+t.addr())
	r.checkHistory(c, t)
}

// checkHistory reads the save.txt download c asked for and checks it
// (section 10): the header, then every message, oldest first, by its
// author, with its text or file name. Times are not checked.
func (r *modelRun) checkHistory(c *mConn, t target) {
	r.t.Helper()
	u := c.user.tag
	data := r.download(c, t.addr(), "save.txt")
	lines := strings.Split(string(data), "\n")
	if len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	header := fmt.Sprintf("+ %d %d", t.s, t.c)
	if t.s == 0 {
		header = fmt.Sprintf("+ 0 %d 0 %d", u, t.peer)
	}
	var entries []mEntry
	if conv := r.m.convs[t.key(u)]; conv != nil {
		entries = conv.entries
	}
	bad := func(format string, args ...any) {
		r.t.Helper()
		r.fail("%s: GET %s: save.txt: %s\nsave.txt:\n%s\nwant the messages:\n%v", c.name, t.addr(), fmt.Sprintf(format, args...), data, entries)
	}
	if len(lines) == 0 || lines[0] != header {
		bad("the header is not %q", header)
	}
	if len(lines) != 1+2*len(entries) {
		bad("%d lines, want %d for %d messages", len(lines), 1+2*len(entries), len(entries))
	}
	for i, e := range entries {
		stamp, body := lines[1+2*i], lines[2+2*i]
		f := strings.Split(stamp, " ")
		if len(f) != 9 || f[0] != "#" || f[1] != "0" || f[2] != strconv.FormatInt(e.author, 10) {
			bad("message %d: %q is not '# 0 %d D M YY h m s'", i+1, stamp, e.author)
		}
		var d [6]int
		for j, n := range f[3:] {
			v, err := strconv.Atoi(n)
			if err != nil || strconv.Itoa(v) != n {
				bad("message %d: %q: %q is not a number without leading zeros", i+1, stamp, n)
			}
			d[j] = v
		}
		// D M YY h m s: a real date and time of day.
		at := time.Date(2000+d[2], time.Month(d[1]), d[0], d[3], d[4], d[5], 0, time.UTC)
		if d[2] > 99 || at.Day() != d[0] || int(at.Month()) != d[1] || at.Hour() != d[3] || at.Minute() != d[4] || at.Second() != d[5] {
			bad("message %d: %q is not a date and time", i+1, stamp)
		}
		want := "> " + e.text
		if e.file != "" {
			want = "* " + e.file
		}
		if body != want {
			bad("message %d: %q, want %q", i+1, body, want)
		}
	}
}

// getFile downloads a file of a conversation (GET S C name) and compares
// its bytes with what was uploaded.
func (r *modelRun) getFile(c *mConn) {
	r.t.Helper()
	u := c.user.tag
	var t target
	var name string
	var withFiles []target
	for k, conv := range r.m.convs {
		if len(conv.files) == 0 {
			continue
		}
		x := target{s: k.s, c: k.c}
		if k.s == 0 {
			if k.lo != u && k.hi != u {
				continue
			}
			x = target{peer: k.lo + k.hi - u}
		}
		if r.mayRead(u, x) {
			withFiles = append(withFiles, x)
		}
	}
	slices.SortFunc(withFiles, func(a, b target) int {
		return slices.Compare([]int64{a.s, a.c, a.peer}, []int64{b.s, b.c, b.peer})
	})
	if len(withFiles) > 0 && r.chance(0.85) {
		t = pick(r, withFiles)
		name = pick(r, sortedNames(r.m.convs[t.key(u)].files))
	} else {
		t, name = r.conversation(u), pick(r, []string{"nothing.png", "photo.png", "a.txt"})
	}
	line := fmt.Sprintf("GET %s %s", t.addr(), name)
	var want []byte
	ok := r.mayRead(u, t)
	if conv := r.m.convs[t.key(u)]; ok && conv != nil {
		want, ok = conv.files[name]
	} else {
		ok = false
	}
	if !ok {
		r.reject(c, "GET", line)
		return
	}
	r.send(c, line)
	r.checkFile(c, t, name, want)
	r.settle(c)
}

// downloadFile is getFile of file name of conversation k by c, for verify.
func (r *modelRun) downloadFile(c *mConn, k mConvKey, name string) {
	r.t.Helper()
	t := target{s: k.s, c: k.c}
	if k.s == 0 {
		t = target{peer: k.lo + k.hi - c.user.tag}
	}
	r.send(c, fmt.Sprintf("GET %s %s", t.addr(), name))
	r.checkFile(c, t, name, r.m.convs[k].files[name])
}

func (r *modelRun) checkFile(c *mConn, t target, name string, want []byte) {
	r.t.Helper()
	if got := r.download(c, t.addr(), name); string(got) != string(want) {
		r.fail("%s: GET %s %s: got %d bytes, want the %d uploaded (first difference at %d)",
			c.name, t.addr(), name, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// download reads the lines of a download c asked for (section 11):
// NEWFILE addr name size, FILE addr name chunk (at most 3840 base64
// characters each), ENDFILE addr name size, and returns the bytes. A
// download streams in the background (docs/protocol.md), so it is read to
// its ENDFILE rather than to a PONG; nothing else is sent to c meanwhile.
func (r *modelRun) download(c *mConn, addr, name string) []byte {
	r.t.Helper()
	first := c.c.Next()
	var size int
	if _, err := fmt.Sscanf(first, "NEWFILE "+addr+" "+name+" %d", &size); err != nil || first != fmt.Sprintf("NEWFILE %s %s %d", addr, name, size) {
		r.fail("%s: GET %s %s: got %q, want NEWFILE %s %s size", c.name, addr, name, first, addr, name)
	}
	var data []byte
	prefix, end := fmt.Sprintf("FILE %s %s ", addr, name), fmt.Sprintf("ENDFILE %s %s %d", addr, name, size)
	for {
		l := c.c.Next()
		if l == end {
			break
		}
		chunk, ok := strings.CutPrefix(l, prefix)
		if !ok {
			r.fail("%s: GET %s %s: got %q, want %s... or %q", c.name, addr, name, l, prefix, end)
		}
		if len(chunk) > 3840 {
			r.fail("%s: GET %s %s: a FILE line of %d base64 characters, over 3840", c.name, addr, name, len(chunk))
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(chunk)
		if err != nil {
			r.fail("%s: GET %s %s: %q: %v", c.name, addr, name, l, err)
		}
		data = append(data, raw...)
	}
	if len(data) != size {
		r.fail("%s: GET %s %s: %d bytes received, NEWFILE announced %d", c.name, addr, name, len(data), size)
	}
	return data
}
