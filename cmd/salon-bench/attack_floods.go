package main

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Item 10 of issue 13: flood control walked around. The owner of a
// server of 200 members, all online, floods it with every kind of command
// that reaches others, one kind after the other, each on a fresh login
// (the issue: 5,000 RENAME lines reached every member in 0.17 s; 1,000
// one-byte uploads in 1.2 s put 1,000 file messages before every member,
// and the next MSG went through unpaced, where 200 MSG lines got the
// flooder disconnected). An innocent member counts what reaches it and
// makes round trips meanwhile.

const (
	flMembers    = 200 // besides the owner
	flBurst      = 30  // the default message_burst
	flRate       = 10  // the default messages_per_second
	flDelay      = 10 * time.Second
	flSpare      = 2 * time.Second // added to a flood's time in its bound
	flCutBound   = flDelay + 10*time.Second
	flEvery      = 100 * time.Millisecond
	flRoundBound = time.Second
	flAtOnce     = 16 // logins at once while the members connect
)

// flood is one kind of flood: the lines of its i-th unit, how many units,
// and which lines the innocent gets from it.
type flood struct {
	name    string
	units   int
	lines   func(i int) []string
	reaches func(line string) bool
}

func attackFloods(a *attack) error {
	var sid, boss, innocentTag int64
	_, err := a.setUpClub("boss", "town", numbered("citizen", flMembers-1), func(k *club) error {
		sid, boss = k.sid, k.owner.tag
		c, err := k.admit("innocent", false)
		if err != nil {
			return err
		}
		innocentTag = c.tag
		return nil
	})
	if err != nil {
		return err
	}
	if err := a.launch(); err != nil {
		return err
	}
	// The owner's password hashed again, at the default cost: its logins
	// and pseudo changes then cost what they cost on a real server.
	c, err := login(a.srv.addr, freshLoopback(), "boss")
	if err != nil {
		return err
	}
	c.send("PSW bench-password bench-password")
	if _, err := c.expect("PSW "); err != nil {
		return err
	}
	c.conn.Close()
	if err := a.connectAll(flMembers-1, func(i int) string { return fmt.Sprintf("citizen%d", i) }); err != nil {
		return err
	}
	innocent, err := a.loginKept("innocent")
	if err != nil {
		return err
	}
	a.figure("%d members online, the owner floods %d kinds of command one after the other", flMembers, 5)

	prefix := func(p string) func(string) bool { return func(l string) bool { return strings.HasPrefix(l, p) } }
	floods := []flood{
		{"MSG", 5000, func(i int) []string {
			return []string{fmt.Sprintf("MSG %d 0 %d flood %d", sid, time.Now().UnixNano(), i)}
		}, nil},
		{"RENAME", 5000, func(i int) []string { return []string{fmt.Sprintf("RENAME town%d %d", i, sid)} }, prefix("RENAME town")},
		{"upload", 1000, func(i int) []string {
			name := fmt.Sprintf("f%d.txt", i)
			return []string{fmt.Sprintf("NEWFILE %d 0 %s 1", sid, name), fmt.Sprintf("FILE %d 0 %s eA==", sid, name), fmt.Sprintf("ENDFILE %d 0 %s 1", sid, name)}
		}, prefix(fmt.Sprintf("FILESENT 0 %d ", boss))},
		{"INV+BYE", 2500, func(int) []string {
			return []string{fmt.Sprintf("INV 0 %d", innocentTag), fmt.Sprintf("BYE 0 %d", innocentTag)}
		},
			func(l string) bool {
				return strings.HasPrefix(l, fmt.Sprintf("INV 0 %d", boss)) || l == fmt.Sprintf("BYE 0 %d 0 %d", boss, innocentTag)
			}},
		// Last: it renames the owner, whose logins above use its pseudo.
		{"PSD", 5000, func(i int) []string { return []string{fmt.Sprintf("PSD boss%d bench-password", i)} }, prefix("RENAME boss")},
	}
	var current atomic.Pointer[flood]
	var reached atomic.Int64
	w := a.watch(innocent, "", flEvery, func(l string) {
		if f := current.Load(); f != nil && f.reaches != nil && f.reaches(l) {
			reached.Add(1)
		}
	})
	for _, f := range floods {
		current.Store(&f)
		reached.Store(0)
		msgs := innocent.received.Load()
		cpu0 := a.srv.processCPUSeconds()
		cut, took, err := a.flood(f)
		if err != nil {
			return err
		}
		w.settle()
		n := reached.Load()
		if f.reaches == nil {
			n = innocent.received.Load() - msgs
		}
		// What the allowance lets through: its burst, then its rate for as
		// long as the flood lasted.
		bound := int64(flBurst + flRate*(took+flSpare).Seconds())
		lines := f.units * len(f.lines(0))
		a.check(cut, "the %s flood's sender was not disconnected in %v", f.name, flCutBound)
		a.check(n <= bound, "%d lines of the %s flood reached the innocent in %v, the bound is %d", n, f.name, took, bound)
		a.figure("%-7s %5d lines: %3d reached the innocent (bound %d), the sender disconnected after %v, server CPU %.2f s",
			f.name, lines, n, bound, ms(took), a.srv.processCPUSeconds()-cpu0)
	}
	current.Store(nil)
	w.end(flRoundBound, flRoundBound)
	return nil
}

// flood has the owner log in on a fresh connection and send every line of
// f in one go, and waits for the server to disconnect it for flooding. It
// reports whether it did, and when.
func (a *attack) flood(f flood) (bool, time.Duration, error) {
	c, err := login(a.srv.addr, freshLoopback(), "boss")
	if err != nil {
		return false, 0, err
	}
	defer c.conn.Close()
	var all []string
	for i := range f.units {
		all = append(all, f.lines(i)...)
	}
	start := time.Now()
	// The server stops reading a flooder while it waits for its
	// allowance: the write may block until the disconnection.
	go c.send(strings.Join(all, "\r\n"))
	timeout := time.After(flCutBound)
	for {
		select {
		case l, open := <-c.ctrl:
			if !open {
				return false, time.Since(start), errors.New("the connection closed without ERR LINE flooding")
			}
			if l == "ERR LINE flooding: disconnected" {
				return true, time.Since(start), nil
			}
		case <-timeout:
			return false, flCutBound, nil
		}
	}
}

// connectAll logs n members in, each from its own address, and drains
// their lines.
func (a *attack) connectAll(n int, pseudo func(int) string) error {
	errs := make(chan error, n)
	sem := make(chan struct{}, flAtOnce)
	var mu sync.Mutex
	for i := range n {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := login(a.srv.addr, freshLoopback(), pseudo(i))
			if err == nil {
				c.drain()
				mu.Lock()
				a.keep(c.conn)
				mu.Unlock()
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}
