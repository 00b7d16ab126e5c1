package client

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/wire"
)

// chunkBytes is the most raw bytes one FILE line carries: 3840 base64
// characters (PROTOCOL.md section 1).
const chunkBytes = wire.MaxChunk / 4 * 3

// An upload sends NEWFILE, FILE lines and ENDFILE, each answered by the
// server with OK or ERR in the order sent (section 11). The answers carry
// no name, so the session pairs them with the lines it sent through one
// FIFO (acks) shared by every upload of the connection, and the upload
// waits for them through its own channel.
type upload struct {
	s       *session
	id      int
	to      wire.Addr
	name    string
	size    int64
	f       *os.File
	answers chan answer
	once    sync.Once
}

// answer is the server's reply to one upload line: reason is "" for OK.
type answer struct{ verb, reason string }

// ackWaiter is one upload line awaiting its answer.
type ackWaiter struct {
	u    *upload
	verb string
}

// Upload sends the file at path to the conversation to (a channel, or
// {0, user} for a direct conversation) in the background, and returns the
// upload's id and the name it is announced with. Progress arrives as
// UploadProgress, then UploadDone or UploadFailed.
func (c *Client) Upload(to wire.Addr, path string) (int, string, error) {
	s := c.session()
	if s == nil {
		return 0, "", ErrNotConnected
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		f.Close()
		return 0, "", err
	}
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()

	u := &upload{s: s, id: id, to: to, size: st.Size(), f: f,
		answers: make(chan answer, c.opts.Window+2)}
	s.mu.Lock()
	u.name = s.freeUploadName(to, uploadName(filepath.Base(path)))
	s.uploads[u] = true
	s.mu.Unlock()
	go u.run()
	return id, u.name, nil
}

// freeUploadName keeps two uploads of one connection apart: the server
// tells them by address and name, and refuses a second one with the same.
func (s *session) freeUploadName(to wire.Addr, name string) string {
	taken := func(n string) bool {
		for u := range s.uploads {
			if u.to == to && u.name == n {
				return true
			}
		}
		return false
	}
	candidate := name
	for i := 2; taken(candidate); i++ {
		candidate = strconv.Itoa(i) + "-" + name
	}
	return candidate
}

// uploadName turns a local file name into the tmp_name an upload is
// announced with: one token without spaces or control characters, short
// enough for a line. The server sanitizes it further.
func uploadName(base string) string {
	b := make([]byte, 0, len(base))
	for _, r := range base {
		if r == utf8.RuneError || r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = '_'
		}
		if len(b)+utf8.RuneLen(r) > 200 {
			break
		}
		b = utf8.AppendRune(b, r)
	}
	if name := string(b); name != "" && name != "." && name != ".." {
		return name
	}
	return "file"
}

// track queues an upload line and records that an answer is due, under one
// lock so that the FIFO follows the order of the lines on the wire.
func (s *session) track(u *upload, verb, line string) {
	s.mu.Lock()
	s.acks = append(s.acks, ackWaiter{u: u, verb: verb})
	s.out.push(line)
	s.mu.Unlock()
}

// uploadAnswer hands the server's answer to the upload line it answers.
// It reports false when no upload line was waiting.
func (s *session) uploadAnswer(verb, reason string) bool {
	s.mu.Lock()
	if len(s.acks) == 0 {
		s.mu.Unlock()
		return false
	}
	w := s.acks[0]
	s.acks = s.acks[1:]
	s.mu.Unlock()
	// The channel has room for every line an upload may have in flight; an
	// upload that already gave up does not read, and its late answers
	// are dropped here.
	select {
	case w.u.answers <- answer{verb: verb, reason: reason}:
	default:
	}
	return true
}

func (u *upload) run() {
	defer u.f.Close()
	defer func() {
		u.s.mu.Lock()
		delete(u.s.uploads, u)
		u.s.mu.Unlock()
	}()
	c := u.s.c
	u.s.track(u, "NEWFILE", wire.Head("NEWFILE", u.to, u.name, u.size))
	if !u.wait("NEWFILE") {
		return
	}
	u.progress(0)

	var inflight []int64 // bytes of each FILE line awaiting its OK
	var sent, acked int64
	percent := int64(0)
	ackOne := func() bool {
		if !u.wait("FILE") {
			return false
		}
		acked += inflight[0]
		inflight = inflight[1:]
		if p := acked * 100 / max(u.size, 1); p > percent {
			percent = p
			u.progress(acked)
		}
		return true
	}
	buf := make([]byte, chunkBytes)
	line := make([]byte, 0, 64+wire.MaxChunk)
	head := wire.Head("FILE", u.to, u.name) + " "
	for sent < u.size {
		if len(inflight) >= c.opts.Window && !ackOne() {
			return
		}
		n, err := io.ReadFull(u.f, buf[:min(int64(chunkBytes), u.size-sent)])
		if err != nil {
			// The file shrank: announcing the size makes the server drop
			// what it has, rather than keep a slot open until we leave.
			u.s.track(u, "ENDFILE", wire.Head("ENDFILE", u.to, u.name, u.size))
			u.finish(UploadFailed{ID: u.id, To: u.to, Name: u.name, Reason: "reading the file: " + err.Error()})
			return
		}
		line = append(append(line[:0], head...), base64.StdEncoding.EncodeToString(buf[:n])...)
		u.s.track(u, "FILE", string(line))
		inflight = append(inflight, int64(n))
		sent += int64(n)
	}
	u.s.track(u, "ENDFILE", wire.Head("ENDFILE", u.to, u.name, u.size))
	for len(inflight) > 0 {
		if !ackOne() {
			return
		}
	}
	if !u.wait("ENDFILE") {
		return
	}
	u.finish(UploadDone{ID: u.id, To: u.to, Name: u.name, Size: u.size})
}

// wait waits for the answer to the oldest line in flight.
func (u *upload) wait(verb string) bool {
	select {
	case a := <-u.answers:
		switch {
		case a.reason != "":
			u.fail(a.reason)
			return false
		case a.verb != verb:
			u.fail(errors.New("the server answered " + a.verb + " OK to " + verb).Error())
			return false
		}
		return true
	case <-u.s.ctx.Done():
		u.fail("connection lost")
		return false
	}
}

func (u *upload) progress(acked int64) {
	u.s.c.emit(UploadProgress{ID: u.id, To: u.to, Name: u.name, Acked: acked, Size: u.size})
}

func (u *upload) fail(reason string) {
	u.finish(UploadFailed{ID: u.id, To: u.to, Name: u.name, Reason: reason})
}

// finish reports the outcome, once: a connection lost just after success
// must not turn it into a failure.
func (u *upload) finish(e Event) {
	u.once.Do(func() { u.s.c.emit(e) })
}
