package chat

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Downloads (files and save.txt histories) stream outside the loop, at the
// pace their reader takes them, under three bounds that keep one client
// from starving the others:
//
//   - A connection's downloads are answered one after the other, in the
//     order they were asked for, by one worker goroutine per connection,
//     and at most QueuedDownloads may be waiting: more GETs are refused at
//     once. Other refusals come after the answers of the GETs before them
//     (refuseInTurn), so a client that keeps to the bound reads the answers
//     of its GETs in the order it sent them.
//   - A user streams at most UserDownloads at once, all its connections
//     together; the others wait in their connection's queue.
//   - The disk and the database are read by at most MaxDownloads downloads
//     at once, across the server, for as long as one read lasts (a block of
//     a file, a whole history written to a spool file), never while a
//     download waits for its reader: a client that does not read holds no
//     one's place.
//
// When the connection ends, its queue is dropped and what it was streaming
// stops; when a server or channel is deleted, its downloads stop with an
// ERR GET.

// download is one GET accepted by the loop.
type download struct {
	s    *Session
	seq  int64     // its place among the session's background answers
	addr wire.Addr // as the client named it
	name string    // the file, or HistoryName
	conv store.Conversation

	read    func(ctx context.Context) ([][]byte, error) // HIST or FIND (name is the verb): the lines of the answer
	file    *fileEntry                                  // a file
	header  history.Header                              // a history, with the last message it includes
	upto    int64
	ctx     context.Context
	cancel  context.CancelCauseFunc
	started bool // NEWFILE is out
}

// errConversationDeleted stops the downloads of a deleted server or
// channel.
var errConversationDeleted = errors.New("deleted")

// downloadQueue is a session's downloads waiting for its worker.
type downloadQueue struct {
	mu      sync.Mutex
	queue   []*download
	running bool
}

// userSlots counts the downloads each user streams, against UserDownloads.
type userSlots struct {
	mu    sync.Mutex
	users map[int64]*userSlot
}

type userSlot struct {
	sem   *semaphore.Weighted
	refs  int
	limit int64
}

// refuseInTurn refuses a GET, HIST or FIND. While the session has
// background answers under way (downloads, histories, searches, plugin
// calls), the refusal waits for them, as a PONG does, and the command keeps
// its slot until then: a client reads the answers in the order it sent the
// commands, and can tell which one an ERR is about (the line names no
// file or conversation).
func (h *Hub) refuseInTurn(s *Session, verb, reason string) effect {
	line := wire.Err(verb, reason)
	if s.bg.busy() {
		s.bg.hold(line)
		return effect{parked: true}
	}
	return h.only(s, line)
}

// queueDownload hands d to its session's worker once the batch is
// delivered; its answer counts among the session's background answers, so
// a later PING's PONG comes after it.
func (h *Hub) queueDownload(d *download) effect {
	s := d.s
	s.downloads++
	d.seq = s.bg.start()
	d.ctx, d.cancel = context.WithCancelCause(s.ctx)
	h.dlMu.Lock()
	h.streaming[d] = true
	h.dlMu.Unlock()
	return effect{deliver: func() {
		q := &s.dl
		q.mu.Lock()
		q.queue = append(q.queue, d)
		start := !q.running
		q.running = true
		q.mu.Unlock()
		if start {
			h.async(func() { h.downloadWorker(s) })
		}
	}}
}

// downloadWorker answers a session's downloads in order until its queue is
// empty.
func (h *Hub) downloadWorker(s *Session) {
	q := &s.dl
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		d := q.queue[0]
		q.queue[0] = nil
		q.queue = q.queue[1:]
		q.mu.Unlock()
		h.answerDownload(d)
		h.dlMu.Lock()
		delete(h.streaming, d)
		h.dlMu.Unlock()
		d.cancel(nil)
		h.submit(&request{kind: reqResume, s: s, called: true, download: true, seq: d.seq})
	}
}

// answerDownload streams d.
func (h *Hub) answerDownload(d *download) {
	if d.read != nil {
		h.answerRead(d)
		return
	}
	s := d.s
	// A download that waits for its reader wakes up when it is stopped.
	defer context.AfterFunc(d.ctx, s.wakeWriters)()
	uid := s.loggedIn.Load()
	if err := h.userSlot(d.ctx, uid); err != nil {
		h.downloadStopped(d)
		return
	}
	defer h.releaseUserSlot(uid)
	var err error
	if d.file != nil {
		err = h.sendFile(d)
	} else {
		err = h.sendHistory(d)
	}
	switch {
	case d.ctx.Err() != nil:
		h.downloadStopped(d)
	case err != nil:
		h.log.Error("download failed", "name", d.name, "error", err)
		reason := "download of " + d.name + " failed"
		if !d.started {
			reason = "file unavailable"
			if d.file == nil {
				reason = "history unavailable"
			}
		}
		s.pushWait(d.ctx, wire.Err("GET", reason))
	}
}

// downloadStopped tells the client why a download stopped, unless it is
// because the client went away.
func (h *Hub) downloadStopped(d *download) {
	if errors.Is(context.Cause(d.ctx), errConversationDeleted) {
		what := "its channel"
		if d.conv.ServerID == 0 {
			what = "its conversation"
		}
		d.s.push(wire.Err("GET", "download of "+d.name+" stopped: "+what+" was deleted"))
	}
}

// stopDownloads stops the downloads of the conversations of server srvID
// (one channel, or all of them when all is true), queued or streaming.
func (h *Hub) stopDownloads(srvID, tag int64, all bool) {
	h.dlMu.Lock()
	defer h.dlMu.Unlock()
	for d := range h.streaming {
		if d.conv.ServerID == srvID && (all || d.conv.ChannelTag == tag) {
			d.cancel(errConversationDeleted)
		}
	}
}

// stoppingDownloads makes e, a deletion, stop the downloads of what it
// deletes once it is committed.
func (h *Hub) stoppingDownloads(e effect, srvID, tag int64, all bool) effect {
	deliver := e.deliver
	e.deliver = func() {
		deliver()
		h.stopDownloads(srvID, tag, all)
	}
	return e
}

// userSlot waits until user uid may stream one more download.
func (h *Hub) userSlot(ctx context.Context, uid int64) error {
	u := &h.userDownloads
	u.mu.Lock()
	slot := u.users[uid]
	if slot == nil {
		slot = &userSlot{sem: semaphore.NewWeighted(int64(h.opts.UserDownloads))}
		u.users[uid] = slot
	}
	slot.refs++
	u.mu.Unlock()
	err := slot.sem.Acquire(ctx, 1)
	if err != nil {
		h.dropUserSlot(uid, slot)
	}
	return err
}

func (h *Hub) releaseUserSlot(uid int64) {
	u := &h.userDownloads
	u.mu.Lock()
	slot := u.users[uid]
	u.mu.Unlock()
	slot.sem.Release(1)
	h.dropUserSlot(uid, slot)
}

// dropUserSlot forgets a user's slots once nobody waits for them.
func (h *Hub) dropUserSlot(uid int64, slot *userSlot) {
	u := &h.userDownloads
	u.mu.Lock()
	if slot.refs--; slot.refs == 0 {
		delete(u.users, uid)
	}
	u.mu.Unlock()
}

// readBlock is how much of a file one turn at the disk reads.
const readBlock = 64 << 10

func (h *Hub) sendFile(d *download) error {
	blob, size, err := h.files.OpenBlob(d.file.blob)
	if err != nil {
		return err
	}
	defer blob.Close()
	return h.transfer(d, blob, size)
}

// sendHistory writes the conversation's save.txt into a spool file, in one
// pass over the database (holding a read slot: it never waits for the
// client), then streams it like a file. When the disk has no room for the
// spool, it reads the database twice instead, once to count the bytes
// NEWFILE announces and once, page by page, as the client takes them: a
// full disk does not stop anyone reading.
func (h *Hub) sendHistory(d *download) error {
	spool, err := h.files.NewSpool()
	if err == nil {
		defer spool.Close()
		if err = h.readSlots.Acquire(d.ctx, 1); err != nil {
			return err
		}
		var size int64
		size, err = h.spoolHistory(spool, d)
		h.readSlots.Release(1)
		if err == nil {
			if _, err = spool.Seek(0, io.SeekStart); err == nil {
				return h.transfer(d, spool, size)
			}
		}
	}
	if d.ctx.Err() != nil {
		return d.ctx.Err()
	}
	h.log.Warn("cannot spool a history: reading it twice", "error", err)
	if err := h.readSlots.Acquire(d.ctx, 1); err != nil {
		return err
	}
	size := history.HeaderSize(d.header)
	err = h.eachMessage(d, func(e history.Entry) error {
		size += history.EntrySize(e)
		return nil
	})
	h.readSlots.Release(1)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	h.async(func() {
		hw, err := history.NewWriter(pw, d.header)
		if err == nil {
			err = h.eachMessage(d, hw.Write)
		}
		pw.CloseWithError(err)
	})
	defer pr.Close()
	// A conversation deleted meanwhile ends short: ReadFull fails, and the
	// client gets an ERR GET after its FILE lines.
	return h.transfer(d, pr, size)
}

// spoolHistory writes d's save.txt to w and returns its size.
func (h *Hub) spoolHistory(w io.Writer, d *download) (int64, error) {
	hw, err := history.NewWriter(w, d.header)
	if err != nil {
		return 0, err
	}
	if err := h.eachMessage(d, hw.Write); err != nil {
		return 0, err
	}
	return hw.Written(), nil
}

// eachMessage calls f for every message of d's history, oldest first,
// reading the database a page at a time.
func (h *Hub) eachMessage(d *download, f func(history.Entry) error) error {
	var after int64
	for d.ctx.Err() == nil {
		page, err := h.store.MessagesUpTo(d.conv, after, d.upto, historyPage)
		if err != nil {
			return err
		}
		for _, m := range page {
			e := history.Entry{Author: m.AuthorID, Time: unixNano(m.SentAt)}
			if m.Kind == store.KindFile {
				e.File = m.Body
			} else {
				e.Text = m.Body
			}
			if err := f(e); err != nil {
				return err
			}
		}
		if len(page) < historyPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
	return d.ctx.Err()
}

// historyPage is how many messages are read from the database at once.
const historyPage = 1000

// transfer sends NEWFILE, size bytes of r in FILE lines, and ENDFILE. Each
// block is read holding one of the read slots, and sent without.
func (h *Hub) transfer(d *download, r io.Reader, size int64) error {
	s := d.s
	if !s.pushWait(d.ctx, wire.Line("NEWFILE", d.addr, d.name, size)) {
		return d.ctx.Err()
	}
	d.started = true
	head := wire.Head("FILE", d.addr, d.name)
	block := make([]byte, readBlock)
	for left := size; left > 0; {
		if err := h.readSlots.Acquire(d.ctx, 1); err != nil {
			return err
		}
		n, err := io.ReadFull(r, block[:min(left, readBlock)])
		h.readSlots.Release(1)
		if err != nil {
			return err
		}
		left -= int64(n)
		for p := block[:n]; len(p) > 0; {
			chunk := p[:min(len(p), chunkBytes)]
			p = p[len(chunk):]
			line := make([]byte, 0, len(head)+1+base64.StdEncoding.EncodedLen(len(chunk))+2)
			line = append(line, head...)
			line = append(line, ' ')
			line = base64.StdEncoding.AppendEncode(line, chunk)
			line = append(line, '\r', '\n')
			if !s.pushWait(d.ctx, line) {
				return d.ctx.Err()
			}
		}
	}
	if !s.pushWait(d.ctx, wire.Line("ENDFILE", d.addr, d.name, size)) {
		return d.ctx.Err()
	}
	return nil
}

// get answers GET: the history as save.txt, or a file, in its turn among
// the session's downloads.
func (h *Hub) get(s *Session, me *user, a wire.Addr, name string) effect {
	conv, why := h.conversation(me, a, false)
	if why != "" {
		return h.refuseInTurn(s, "GET", why)
	}
	if s.downloads >= h.opts.QueuedDownloads {
		// At once, not in its turn: a flood of GETs must not hold the
		// session's slots. A client that keeps to the bound never sees it.
		return h.fail(s, "GET", limitReason("too many downloads asked for at once: wait for one to end", h.opts.QueuedDownloads))
	}
	d := &download{s: s, addr: a, name: name, conv: conv}
	if name == "" || name == HistoryName {
		d.name = HistoryName
		d.header = history.Header{Server: a.Server, Channel: a.Channel}
		if a.IsUser() {
			d.header = history.Header{Me: me.id, Other: a.UserTag()}
		}
		d.upto = h.st.nextMessage - 1
		return h.queueDownload(d)
	}
	d.file = h.st.files[conv][name]
	if d.file == nil {
		return h.refuseInTurn(s, "GET", "no such file")
	}
	return h.queueDownload(d)
}
