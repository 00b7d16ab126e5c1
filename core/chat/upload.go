package chat

import (
	"encoding/base64"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/wire"
)

// Uploads are assembled by the uploading session's own reader: the bytes
// never pass through the hub's loop, which only decides whether an upload
// may start and publishes it when it is complete.

// maxUploads is how many uploads one connection may have open at once.
const maxUploads = 8

type uploadKey struct {
	addr wire.Addr
	name string
}

type upload struct {
	blob *files.Upload
	size int64 // announced by NEWFILE
}

func (s *Session) abortUploads() {
	for k, u := range s.uploads {
		u.blob.Abort()
		delete(s.uploads, k)
	}
}

// startUpload creates the temporary file, then asks the hub whether the
// upload is allowed; the hub answers the client (NEWFILE OK or ERR) in order.
func (s *Session) startUpload(r *request) bool {
	c := r.cmd
	key := uploadKey{c.Addr, c.Name}
	switch {
	case s.uploads[key] != nil:
		return s.send(&request{kind: reqCommand, cmd: c, perr: wire.Errorf("NEWFILE", "an upload with that name is already in progress")})
	case len(s.uploads) >= maxUploads:
		return s.send(&request{kind: reqCommand, cmd: c, perr: wire.Errorf("NEWFILE", "too many uploads at once")})
	}
	blob, err := s.hub.files.NewUpload()
	if err != nil {
		s.hub.log.Error("starting an upload", "error", err)
		return s.send(&request{kind: reqCommand, cmd: c, perr: wire.Errorf("NEWFILE", "cannot store files right now")})
	}
	verdict := make(chan lookupResult, 1)
	r.reply = verdict
	if !s.send(r) {
		blob.Abort()
		return false
	}
	select {
	case v := <-verdict:
		if v.fail != "" {
			blob.Abort()
			return true
		}
	case <-s.hub.done:
		blob.Abort()
		return false
	}
	if s.uploads == nil {
		s.uploads = map[uploadKey]*upload{}
	}
	s.uploads[key] = &upload{blob: blob, size: c.Size}
	return true
}

// uploadChunk appends one FILE line. Any problem drops the whole upload.
func (s *Session) uploadChunk(c wire.Command) bool {
	key := uploadKey{c.Addr, c.Name}
	s.forgetDropped()
	u := s.uploads[key]
	if u == nil {
		return s.reply(wire.Errorf("FILE", "no such upload"))
	}
	drop := func(reason string) bool {
		u.blob.Abort()
		delete(s.uploads, key)
		return s.reply(wire.Errorf("FILE", reason+": upload dropped"))
	}
	data, err := base64.StdEncoding.Strict().DecodeString(c.Text)
	if err != nil {
		return drop("invalid base64")
	}
	if u.blob.Size()+int64(len(data)) > u.size {
		return drop("more bytes than announced")
	}
	if _, err := u.blob.Write(data); err != nil {
		s.hub.log.Error("writing an upload", "error", err)
		return drop("cannot store the file")
	}
	return s.send(&request{kind: reqCommand, cmd: c, line: fileOK})
}

var fileOK = wire.Line("FILE", "OK")

// finishUpload checks the size, moves the bytes into place and hands the
// blob to the hub, which records it or removes it.
func (s *Session) finishUpload(c wire.Command) bool {
	key := uploadKey{c.Addr, c.Name}
	s.forgetDropped()
	u := s.uploads[key]
	if u == nil {
		return s.reply(wire.Errorf("ENDFILE", "no such upload"))
	}
	delete(s.uploads, key)
	if c.Size != u.size || u.blob.Size() != u.size {
		u.blob.Abort()
		return s.reply(wire.Errorf("ENDFILE", "size does not match the bytes received: upload dropped"))
	}
	id, err := u.blob.Finish()
	if err != nil {
		s.hub.log.Error("finishing an upload", "error", err)
		return s.reply(wire.Errorf("ENDFILE", "cannot store the file"))
	}
	return s.send(&request{kind: reqCommand, cmd: c, blob: id})
}

// fileChunk acknowledges a FILE line in its turn, once the uploader still
// may write to the conversation: an upload to a channel deleted (or left)
// meanwhile is dropped at its next line, not at ENDFILE.
func (h *Hub) fileChunk(r *request) effect {
	s, c := r.s, r.cmd
	if _, why := h.conversation(h.st.users[s.uid], c.Addr, true); why != "" {
		s.dropUpload(uploadKey{c.Addr, c.Name})
		return h.fail(s, "FILE", why+": upload dropped")
	}
	return h.only(s, r.line)
}

// dropUpload tells the session's reader, which owns its uploads, to drop
// one the loop refused.
func (s *Session) dropUpload(k uploadKey) {
	s.dropMu.Lock()
	if s.dropped == nil {
		s.dropped = map[uploadKey]bool{}
	}
	s.dropped[k] = true
	s.dropMu.Unlock()
}

// forgetDropped drops the uploads the loop refused.
func (s *Session) forgetDropped() {
	s.dropMu.Lock()
	dropped := s.dropped
	s.dropped = nil
	s.dropMu.Unlock()
	for k := range dropped {
		if u := s.uploads[k]; u != nil {
			u.blob.Abort()
			delete(s.uploads, k)
		}
	}
}
