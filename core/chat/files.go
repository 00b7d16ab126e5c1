package chat

import (
	"context"
	"encoding/base64"
	"io"
	"strconv"
	"time"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// History and files. Checks happen in the loop like any command; the bytes
// move outside it: uploads are assembled by the uploading session's reader,
// and downloads (files and save.txt) are streamed by a goroutine of their
// own that waits for room in the session's queue, so a long download never
// holds the loop or anyone else.

// HistoryName is the reserved name of the history file.
const HistoryName = "save.txt"

// chunkBytes is the most raw bytes one FILE line carries (3840 base64
// characters).
const chunkBytes = wire.MaxChunk / 4 * 3

// conversation returns the stored conversation addr names for me, or why
// me may not use it: a channel needs membership; a direct conversation may
// always be read by its two parties (their history stays theirs), but
// writing to it (a file) needs what a message needs, a friendship or a
// shared server.
func (h *Hub) conversation(me *user, a wire.Addr, writing bool) (store.Conversation, string) {
	if a.IsUser() {
		them := h.st.users[a.UserTag()]
		switch {
		case them == nil:
			return store.Conversation{}, "no such user"
		case them == me:
			return store.Conversation{}, "you have no conversation with yourself"
		case writing && !me.friends[them.id] && !sharesServer(me, them):
			return store.Conversation{}, "you must be friends or share a server"
		}
		return store.Direct(me.id, them.id), ""
	}
	if _, _, ok := h.member(me, a); !ok {
		return store.Conversation{}, "you are not a member of that channel"
	}
	return store.ChannelConversation(a.Server, a.Channel), ""
}

// get answers GET: the history as save.txt, or a file.
func (h *Hub) get(s *Session, me *user, a wire.Addr, name string) effect {
	conv, why := h.conversation(me, a, false)
	if why != "" {
		return h.fail(s, "GET", why)
	}
	if name == "" || name == HistoryName {
		header := history.Header{Server: a.Server, Channel: a.Channel}
		if a.IsUser() {
			header = history.Header{Me: me.id, Other: a.UserTag()}
		}
		upto := h.st.nextMessage - 1
		return effect{deliver: func() { h.background(func() { h.sendHistory(s, a, conv, header, upto) }) }}
	}
	f := h.st.files[conv][name]
	if f == nil {
		return h.fail(s, "GET", "no such file")
	}
	return effect{deliver: func() { h.background(func() { h.sendFile(s, a, name, f) }) }}
}

// background runs a download, at most MaxDownloads at once; shutdown waits
// for them.
func (h *Hub) background(f func()) {
	h.async(func() {
		select {
		case h.downloadSlots <- struct{}{}:
		case <-h.ctx.Done():
			return
		}
		defer func() { <-h.downloadSlots }()
		f()
	})
}

// chunker turns a byte stream into FILE lines of at most chunkBytes bytes.
type chunker struct {
	ctx  context.Context
	s    *Session
	head string // "FILE S C name"
	buf  []byte
	err  error
}

var errSessionGone = io.ErrClosedPipe

func (c *chunker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && c.err == nil {
		take := min(chunkBytes-len(c.buf), len(p))
		c.buf = append(c.buf, p[:take]...)
		p = p[take:]
		if len(c.buf) == chunkBytes {
			c.flush()
		}
	}
	if c.err != nil {
		return 0, c.err
	}
	return n, nil
}

func (c *chunker) flush() {
	if len(c.buf) == 0 || c.err != nil {
		return
	}
	line := make([]byte, 0, len(c.head)+1+base64.StdEncoding.EncodedLen(len(c.buf))+2)
	line = append(line, c.head...)
	line = append(line, ' ')
	line = base64.StdEncoding.AppendEncode(line, c.buf)
	line = append(line, '\r', '\n')
	c.buf = c.buf[:0]
	if !c.s.pushWait(c.ctx, line) {
		c.err = errSessionGone
	}
}

// transfer sends NEWFILE, the content written by body through FILE lines,
// and ENDFILE.
func (h *Hub) transfer(s *Session, a wire.Addr, name string, size int64, body func(io.Writer) error) {
	if !s.pushWait(h.ctx, wire.Line("NEWFILE", a, name, size)) {
		return
	}
	c := &chunker{ctx: h.ctx, s: s, head: wire.Head("FILE", a, name), buf: make([]byte, 0, chunkBytes)}
	err := body(c)
	c.flush()
	if err == nil {
		err = c.err
	}
	if err != nil {
		if err != errSessionGone {
			h.log.Error("download failed", "name", name, "error", err)
			s.pushWait(h.ctx, wire.Err("GET", "download of "+name+" failed"))
		}
		return
	}
	s.pushWait(h.ctx, wire.Line("ENDFILE", a, name, size))
}

func (h *Hub) sendFile(s *Session, a wire.Addr, name string, f *fileEntry) {
	blob, size, err := h.files.OpenBlob(f.blob)
	if err != nil {
		h.log.Error("opening a blob", "blob", f.blob, "error", err)
		s.pushWait(h.ctx, wire.Err("GET", "file unavailable"))
		return
	}
	defer blob.Close()
	h.transfer(s, a, name, size, func(w io.Writer) error {
		_, err := io.CopyN(w, blob, size)
		return err
	})
}

// historyPage is how many messages are read from the database at once.
const historyPage = 1000

// sendHistory streams a conversation as save.txt. It reads the messages
// twice, page by page (once to count the bytes NEWFILE announces, once to
// send them), so memory stays flat whatever the length; both passes stop at
// the last message stored when GET was handled.
func (h *Hub) sendHistory(s *Session, a wire.Addr, conv store.Conversation, header history.Header, upto int64) {
	size := history.HeaderSize(header)
	err := h.eachMessage(conv, upto, func(e history.Entry) error {
		size += history.EntrySize(e)
		return nil
	})
	if err != nil {
		h.log.Error("reading a history", "error", err)
		s.pushWait(h.ctx, wire.Err("GET", "history unavailable"))
		return
	}
	h.transfer(s, a, HistoryName, size, func(w io.Writer) error {
		hw, err := history.NewWriter(w, header)
		if err != nil {
			return err
		}
		err = h.eachMessage(conv, upto, hw.Write)
		if err == nil && hw.Written() != size {
			// The conversation was deleted meanwhile: the client sees the
			// short count in ENDFILE and this error.
			err = io.ErrUnexpectedEOF
		}
		return err
	})
}

func (h *Hub) eachMessage(conv store.Conversation, upto int64, f func(history.Entry) error) error {
	var after int64
	for {
		page, err := h.store.MessagesUpTo(conv, after, upto, historyPage)
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
}

// newFile decides whether an upload may start; the session's reader waits
// for the verdict before it creates anything.
func (h *Hub) newFile(r *request, me *user) effect {
	s, c := r.s, r.cmd
	_, why := h.conversation(me, c.Addr, true)
	if why == "" && c.Size > h.opts.MaxFileBytes {
		why = "file too large: the limit is " + strconv.FormatInt(h.opts.MaxFileBytes, 10) + " bytes"
	}
	r.reply <- lookupResult{fail: why}
	if why != "" {
		return h.fail(s, "NEWFILE", why)
	}
	return h.only(s, wire.Line("NEWFILE", "OK"))
}

// endFile publishes a finished upload: it gets its final name, its row and
// its message in one commit, then FILESENT goes to the conversation.
func (h *Hub) endFile(r *request, me *user) effect {
	s, c := r.s, r.cmd
	conv, why := h.conversation(me, c.Addr, true)
	if why != "" {
		h.removeBlobs([]string{r.blob})
		return h.fail(s, "ENDFILE", why)
	}
	// Unique by files.Key: PHOTO.PNG after photo.png is PHOTO-2.PNG.
	taken := func(n string) bool { return h.st.fileKeys[conv][files.Key(n)] }
	name := files.UniqueName(files.SafeName(c.Name), taken)
	h.st.addFile(conv, name, &fileEntry{blob: r.blob, size: c.Size})
	row := store.File{ID: r.blob, ServerID: conv.ServerID, ChannelTag: conv.ChannelTag,
		PeerLow: conv.PeerLow, PeerHigh: conv.PeerHigh, Name: name, Size: c.Size, UploaderID: me.id}
	msg := store.Message{ID: h.st.nextMessage, ServerID: conv.ServerID, ChannelTag: conv.ChannelTag,
		PeerLow: conv.PeerLow, PeerHigh: conv.PeerHigh, AuthorID: me.id}
	h.st.nextMessage++
	var o outbox
	o.session(s, wire.Line("ENDFILE", "OK"))
	if c.Addr.IsUser() {
		o.user(c.Addr.UserTag(), wire.Line("FILESENT", wire.User(me.id), name))
		o.user(me.id, wire.Line("FILESENT", wire.User(me.id), c.Addr, name))
	} else {
		_, ch := h.st.channelOf(c.Addr)
		o.users(ch.memberList(), wire.Line("FILESENT", wire.User(me.id), c.Addr, name))
	}
	return o.then(h, func(tx *store.Tx) error { return tx.AddFile(row, msg) })
}

// removingBlobs removes blobs once e's change is committed. If the process
// dies first, the start-up sweep removes them.
func (h *Hub) removingBlobs(e effect, blobs []string) effect {
	if len(blobs) == 0 {
		return e
	}
	deliver := e.deliver
	e.deliver = func() {
		deliver()
		h.removeBlobs(blobs)
	}
	return e
}

func (h *Hub) removeBlobs(blobs []string) {
	h.async(func() {
		for _, b := range blobs {
			if err := h.files.Remove(b); err != nil {
				h.log.Error("removing a blob", "blob", b, "error", err)
			}
		}
	})
}

func unixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }
