package browsertest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/salon-chat/salon/client"
)

// terminalUser is a user of the terminal client's library (the engine of
// cmd/salon): it speaks to salond over TCP as `salon` would.
type terminalUser struct {
	t      *testing.T
	pseudo string
	c      *client.Client
	seen   []client.Event // every event received, in order, for failure messages
	queued []client.Event // received but not yet examined by a wait
}

// newTerminalUser registers pseudo (password "password-"+pseudo) and waits
// until its login burst is in.
func newTerminalUser(t *testing.T, addr, pseudo string) *terminalUser {
	t.Helper()
	u := &terminalUser{t: t, pseudo: pseudo, c: client.New(client.Options{
		Addr: addr, MinBackoff: 50 * time.Millisecond, MaxBackoff: 500 * time.Millisecond,
	})}
	u.c.Login(pseudo, "password-"+pseudo, true)
	t.Cleanup(u.c.Close)
	u.wait("its login", func(e client.Event) bool { _, ok := e.(client.Ready); return ok })
	return u
}

// wait examines events until one satisfies ok and returns it.
func (u *terminalUser) wait(what string, ok func(client.Event) bool) client.Event {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	for {
		for len(u.queued) > 0 {
			e := u.queued[0]
			u.queued = u.queued[1:]
			if ok(e) {
				return e
			}
		}
		evs, err := u.c.NextEvents(ctx)
		if err != nil {
			u.t.Fatalf("%s: no %s within %v; last events: %s", u.pseudo, what, stepTimeout, u.tail())
		}
		u.seen = append(u.seen, evs...)
		u.queued = append(u.queued, evs...)
	}
}

func (u *terminalUser) tail() string {
	evs := u.seen
	if len(evs) > 20 {
		evs = evs[len(evs)-20:]
	}
	return fmt.Sprint(evs)
}

// send queues a protocol line.
func (u *terminalUser) send(line string) {
	u.t.Helper()
	if err := u.c.Send(line); err != nil {
		u.t.Fatalf("%s: send %q: %v", u.pseudo, line, err)
	}
}

// who finds a user's tag by pseudo, as one does before befriending.
func (u *terminalUser) who(pseudo string) int64 {
	u.t.Helper()
	u.send("WHO " + pseudo)
	e := u.wait("answer to WHO "+pseudo, func(e client.Event) bool {
		p, ok := e.(client.Presence)
		return ok && p.Pseudo == pseudo
	})
	return e.(client.Presence).User
}

// message waits for a message with this text from user (0: from anyone).
func (u *terminalUser) message(from int64, text string) client.Message {
	u.t.Helper()
	e := u.wait(fmt.Sprintf("message %q", text), func(e client.Event) bool {
		m, ok := e.(client.Message)
		return ok && m.Text == text && (from == 0 || m.From == from)
	})
	return e.(client.Message)
}
