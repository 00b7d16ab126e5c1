package chat

import (
	"strconv"
	"time"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// History and files. Checks happen in the loop like any command; the bytes
// move outside it: uploads are assembled by the uploading session's reader,
// and downloads (files and save.txt) are streamed by the session's download
// worker (downloads.go), so a long download never holds the loop or anyone
// else.

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
		PeerLow: conv.PeerLow, PeerHigh: conv.PeerHigh, AuthorID: me.id, Kind: store.KindFile, Body: name,
		SentAt: time.Now().UnixNano()}
	h.st.nextMessage++
	h.fresh = append(h.fresh, msg)
	h.st.noteMessage(conv, msg.ID)
	if me.markers != nil {
		me.markers[conv] = msg.ID
	}
	tags := tagsOf(&msg)
	var to []int64
	var o outbox
	o.session(s, wire.Line("ENDFILE", "OK"))
	if c.Addr.IsUser() {
		to = []int64{me.id, c.Addr.UserTag()}
	} else {
		_, ch := h.st.channelOf(c.Addr)
		to = ch.memberList()
	}
	deliver := o.then(h, nil).deliver
	uid := me.id
	return effect{
		change: func(tx *store.Tx) error {
			if err := tx.AddFile(row, msg); err != nil {
				return err
			}
			return tx.SetReadMarker(uid, conv, msg.ID)
		},
		deliver: func() {
			deliver()
			if conv.ServerID != 0 { // one line for every member
				line := messageLine(&msg, uid)
				h.sendMessage(to, line, wire.Tagged(tags, line))
				return
			}
			for _, id := range to { // each party has its own form
				line := messageLine(&msg, id)
				h.sendMessage([]int64{id}, line, wire.Tagged(tags, line))
			}
		},
	}
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
