package client

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig knows the formats registered here
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/wire"
)

// historyName is the name under which a history travels (section 10).
const historyName = "save.txt"

// A download is a GET answered by NEWFILE, FILE lines and ENDFILE, without
// acknowledgements, streamed by the server in the background: other lines
// may arrive between its FILE lines, and two downloads may interleave. The
// client keeps them apart by address and name, and never has two GETs for
// one address and name in flight (a second one waits its turn).
//
// A GET the server refuses is answered by ERR GET, in command order, but a
// download it accepts may start after later commands are answered. So each
// GET is followed by a PING: an ERR GET that arrives before that PING's
// PONG is the refusal of the oldest GET still awaiting its PONG.

type dlKey struct {
	addr wire.Addr
	name string
}

type dlKind int

const (
	dlFile dlKind = iota
	dlHistory
	dlPreview
)

// request is one GET, from the moment it is asked for to ENDFILE.
type request struct {
	key      dlKey
	kind     dlKind
	path     string // dlFile: the file or folder asked for
	token    string // its PING's
	accepted bool   // its PONG came: the server is sending it
	active   bool   // NEWFILE came
	size     int64
	received int64
	percent  int64
	sink     sink
	err      error // the first failure; later lines are skipped
}

// transfers is a session's downloads. Its maps are guarded by session.mu;
// the bytes of a download are handled by the reader goroutine alone.
type transfers struct {
	pending []*request // GETs awaiting their PONG, in the order sent
	busy    map[dlKey]*request
	queued  map[dlKey][]*request
	waiting []*request // not yet asked for: maxGets are under way
}

func newTransfers() transfers {
	return transfers{busy: map[dlKey]*request{}, queued: map[dlKey][]*request{}}
}

// Download fetches file name of conversation from and saves it at path: a
// folder (the file keeps its name, made unique there) or a file name
// (replaced if it exists). The outcome arrives as DownloadDone or
// DownloadFailed, with DownloadProgress meanwhile.
func (c *Client) Download(from wire.Addr, name, path string) error {
	if err := checkFileName(name); err != nil {
		return err
	}
	return c.get(&request{key: dlKey{from, name}, kind: dlFile, path: path})
}

// History fetches the history of conversation of. With tags, that is its
// newest page (Older), so that a conversation of any length opens at once;
// otherwise the whole save.txt: HistoryLoaded, or DownloadFailed with the
// name "save.txt".
func (c *Client) History(of wire.Addr) error {
	if c.Tags() {
		return c.Older(of, 0)
	}
	return c.get(&request{key: dlKey{of, historyName}, kind: dlHistory})
}

// Preview fetches file name of conversation from without keeping it, to
// describe it (Preview): its size, and for an image its format and
// dimensions.
func (c *Client) Preview(from wire.Addr, name string) error {
	if err := checkFileName(name); err != nil {
		return err
	}
	return c.get(&request{key: dlKey{from, name}, kind: dlPreview})
}

func checkFileName(name string) error {
	if name == "" || strings.ContainsAny(name, " /\\") || !wire.ValidText(name) || name == historyName {
		return fmt.Errorf("invalid file name %q", name)
	}
	return nil
}

func (c *Client) get(r *request) error {
	s := c.session()
	if s == nil {
		return ErrNotConnected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &s.transfers
	switch {
	case t.busy[r.key] != nil:
		t.queued[r.key] = append(t.queued[r.key], r)
	case len(t.busy) >= maxGets:
		t.waiting = append(t.waiting, r)
	default:
		t.issue(s, r)
	}
	return nil
}

// maxGets is how many downloads the client asks for at once. The server
// refuses a connection's GETs past its files.queued_downloads (8 by
// default) at once, out of their turn; below it, every GET is answered in
// the order sent, which is how the client tells which GET an ERR GET is
// about.
const maxGets = 4

// issue sends r's GET and PING. The caller holds s.mu.
func (t *transfers) issue(s *session, r *request) {
	t.busy[r.key] = r
	if r.kind == dlHistory {
		s.out.push(wire.Head("GET", r.key.addr))
	} else {
		s.out.push(wire.Head("GET", r.key.addr, r.key.name))
	}
	r.token = s.ping("get")
	t.pending = append(t.pending, r)
}

// done forgets r and sends the next GET for its key. The caller holds s.mu.
func (t *transfers) done(s *session, r *request) {
	if t.busy[r.key] != r {
		return
	}
	delete(t.busy, r.key)
	if q := t.queued[r.key]; len(q) > 0 {
		t.queued[r.key] = q[1:]
		if len(q) == 1 {
			delete(t.queued, r.key)
		}
		t.issue(s, q[0])
	}
	for len(t.waiting) > 0 && len(t.busy) < maxGets {
		next := t.waiting[0]
		t.waiting = t.waiting[1:]
		if t.busy[next.key] != nil {
			t.queued[next.key] = append(t.queued[next.key], next)
			continue
		}
		t.issue(s, next)
	}
}

// accepted handles a PONG; it reports whether it answered a GET's PING.
func (t *transfers) accepted(s *session, token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range t.pending {
		if r.token == token {
			r.accepted = true
			t.pending = append(t.pending[:i:i], t.pending[i+1:]...)
			return true
		}
	}
	return false
}

// refused handles ERR GET; it reports whether the error belonged to a GET
// of this client.
func (t *transfers) refused(s *session, reason string) bool {
	s.mu.Lock()
	r := t.refusedRequest(reason)
	if r != nil {
		t.done(s, r)
	}
	s.mu.Unlock()
	if r == nil {
		return false
	}
	if r.sink != nil {
		r.sink.abort()
	}
	s.c.emit(DownloadFailed{Addr: r.key.addr, Name: r.key.name, Reason: reason})
	return true
}

// refusedRequest finds the GET an ERR GET is about. Besides refusals, the
// server reports failures while it sends (its disk), which name the file
// or the kind of download.
func (t *transfers) refusedRequest(reason string) *request {
	if name, ok := strings.CutPrefix(reason, "download of "); ok {
		name = strings.TrimSuffix(name, " failed")
		for _, r := range t.busy {
			if r.active && r.key.name == name {
				return r
			}
		}
	}
	if reason == "file unavailable" || reason == "history unavailable" {
		for _, r := range t.busy {
			if r.accepted && !r.active && (r.kind == dlHistory) == (reason == "history unavailable") {
				return r
			}
		}
	}
	if len(t.pending) > 0 {
		r := t.pending[0]
		t.pending = t.pending[1:]
		return r
	}
	return nil
}

// lookup returns the request a download line belongs to.
func (t *transfers) lookup(s *session, a wire.Addr, name string) *request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.busy[dlKey{a, name}]
}

func (t *transfers) start(s *session, l FileStart) {
	r := t.lookup(s, l.Addr, l.Name)
	if r == nil || r.active {
		return // not asked for: nothing to do with it
	}
	s.mu.Lock()
	r.active, r.size = true, l.Size
	s.mu.Unlock()
	r.sink, r.err = newSink(r)
	if r.kind == dlFile && r.err == nil {
		s.c.emit(DownloadProgress{Addr: r.key.addr, Name: r.key.name, Size: r.size})
	}
}

func (t *transfers) chunk(s *session, l FileChunk) {
	r := t.lookup(s, l.Addr, l.Name)
	if r == nil || !r.active || r.err != nil {
		return
	}
	data, err := base64.StdEncoding.DecodeString(l.Data)
	switch {
	case err != nil:
		r.err = errors.New("invalid base64 from the server")
	case r.received+int64(len(data)) > r.size:
		r.err = errors.New("more bytes than announced")
	default:
		_, r.err = r.sink.Write(data)
	}
	r.received += int64(len(data))
	if p := r.received * 100 / max(r.size, 1); r.kind == dlFile && r.err == nil && p > r.percent {
		r.percent = p
		s.c.emit(DownloadProgress{Addr: r.key.addr, Name: r.key.name, Received: r.received, Size: r.size})
	}
}

func (t *transfers) end(s *session, l FileEnd) {
	r := t.lookup(s, l.Addr, l.Name)
	if r == nil || !r.active {
		return
	}
	s.mu.Lock()
	t.done(s, r)
	s.mu.Unlock()
	if r.err == nil && (l.Size != r.size || r.received != r.size) {
		r.err = fmt.Errorf("received %d bytes of %d", r.received, r.size)
	}
	var e Event
	if r.err == nil {
		e, r.err = r.sink.finish(r)
	}
	if r.err != nil {
		if r.sink != nil {
			r.sink.abort()
		}
		e = DownloadFailed{Addr: r.key.addr, Name: r.key.name, Reason: r.err.Error()}
	}
	s.c.emit(e)
}

// abort fails every download when the connection ends.
func (t *transfers) abort(s *session) {
	s.mu.Lock()
	var all []*request
	for k, r := range t.busy {
		all = append(all, r)
		all = append(all, t.queued[k]...)
	}
	all = append(all, t.waiting...)
	*t = newTransfers()
	s.mu.Unlock()
	for _, r := range all {
		if r.sink != nil {
			r.sink.abort()
		}
		s.c.emit(DownloadFailed{Addr: r.key.addr, Name: r.key.name, Reason: "connection lost"})
	}
}

// A sink receives the bytes of one download.
type sink interface {
	Write(p []byte) (int, error)
	finish(r *request) (Event, error)
	abort()
}

func newSink(r *request) (sink, error) {
	switch r.kind {
	case dlHistory:
		return &historySink{}, nil
	case dlPreview:
		return &previewSink{}, nil
	}
	return newFileSink(r.path, r.key.name)
}

// fileSink writes to a temporary file beside the destination and moves it
// into place only when the download is complete: a file with the final
// name is always whole.
type fileSink struct {
	*os.File
	dest   string // the file to write, or "" to pick a free name in dir
	dir    string
	name   string
	closed bool
}

func newFileSink(path, name string) (*fileSink, error) {
	// Names from a server are tokens, but a hostile server could send a
	// path, "..", or a name that hides itself: reduce it as salond reduces
	// client names.
	name = files.SafeName(name)
	fs := &fileSink{name: name}
	if path == "" {
		path = "."
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		fs.dir = path
	} else {
		fs.dir, fs.dest = filepath.Dir(path), path
	}
	f, err := os.CreateTemp(fs.dir, ".salon-download-*.part")
	if err != nil {
		return nil, err
	}
	fs.File = f
	return fs, nil
}

func (fs *fileSink) finish(r *request) (Event, error) {
	fs.closed = true
	if err := fs.File.Close(); err != nil {
		return nil, err
	}
	dest := fs.dest
	if dest == "" {
		dest = freePath(fs.dir, fs.name)
	}
	if err := os.Rename(fs.File.Name(), dest); err != nil {
		return nil, err
	}
	return DownloadDone{Addr: r.key.addr, Name: r.key.name, Path: dest, Size: r.size}, nil
}

func (fs *fileSink) abort() {
	if !fs.closed {
		fs.File.Close()
	}
	os.Remove(fs.File.Name())
}

// freePath returns dir/name, or dir/name-2.ext, -3... if taken: saving
// never overwrites a file the user did not name.
func freePath(dir, name string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	p := filepath.Join(dir, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(dir, stem+"-"+strconv.Itoa(i)+ext)
	}
}

// historySink collects save.txt and parses it with the server's own parser.
type historySink struct{ bytes.Buffer }

func (h *historySink) finish(r *request) (Event, error) {
	header, entries, err := history.Parse(h.Bytes())
	if err != nil {
		return nil, err
	}
	return HistoryLoaded{Addr: r.key.addr, Header: header, Entries: entries}, nil
}

func (h *historySink) abort() {}

// previewSink keeps only the head of a file, enough for an image's
// header, so describing a large file costs no memory.
type previewSink struct{ head []byte }

const previewHead = 64 << 10

func (p *previewSink) Write(b []byte) (int, error) {
	if room := previewHead - len(p.head); room > 0 {
		p.head = append(p.head, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

func (p *previewSink) finish(r *request) (Event, error) {
	e := Preview{Addr: r.key.addr, Name: r.key.name, Size: r.size}
	if cfg, format, err := image.DecodeConfig(bytes.NewReader(p.head)); err == nil {
		e.Format, e.Width, e.Height = format, cfg.Width, cfg.Height
	}
	return e, nil
}

func (p *previewSink) abort() {}
