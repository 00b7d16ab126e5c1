package server_test

// End-to-end tests of histories and files (PROTOCOL.md sections 2, 10 and
// 11), over TCP against a real server: save.txt byte for byte, uploads and
// their acknowledgements, downloads byte for byte, the names the server
// derives from hostile tmp names, what an upload that fails leaves on disk
// (nothing), and what deletion and a restart in the middle of an upload
// leave (nothing of what is gone, everything of what was finished).

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/server/servertest"
)

// flRaw is the most raw bytes one FILE line carries: 3840 base64 characters.
const flRaw = 2880

// flUser is a logged-in client with its tag.
type flUser struct {
	*servertest.Client
	tag  int64
	name string
}

// flWorld is a running server (in-process or a child process), its data
// folder, and the clients settle drains.
type flWorld struct {
	t     *testing.T
	addr  string
	dir   string
	users []*flUser
}

// flStart starts an in-process server on cfg (a fresh data folder when nil).
func flStart(t *testing.T, cfg *config.Config) (*flWorld, *servertest.Instance) {
	t.Helper()
	if cfg == nil {
		cfg = servertest.Config(t.TempDir())
	}
	in := servertest.Start(t, cfg)
	return &flWorld{t: t, addr: in.Addr, dir: cfg.DataDir}, in
}

func (w *flWorld) user(name string) *flUser {
	w.t.Helper()
	c, tag := servertest.Register(w.t, w.addr, name)
	u := &flUser{Client: c, tag: tag, name: name}
	w.users = append(w.users, u)
	return u
}

// login opens a new session of an existing account.
func (w *flWorld) login(name string, tag int64) *flUser {
	w.t.Helper()
	c, burst := servertest.Login(w.t, w.addr, name)
	if burst[0] != fmt.Sprintf("TAG 0 %d", tag) {
		w.t.Fatalf("%s: login burst starts with %q, want TAG 0 %d", name, burst[0], tag)
	}
	u := &flUser{Client: c, tag: tag, name: name}
	w.users = append(w.users, u)
	return u
}

// forget drops a closed client from those settle drains.
func (w *flWorld) forget(u *flUser) {
	w.users = slices.DeleteFunc(w.users, func(x *flUser) bool { return x == u })
}

// settle drains every client.
func (w *flWorld) settle() {
	w.t.Helper()
	for _, u := range w.users {
		u.Sync()
	}
}

// do runs setup commands as u (none may fail), then drains everyone.
func (w *flWorld) do(u *flUser, cmds ...string) {
	w.t.Helper()
	u.Send(cmds...)
	for _, l := range u.Sync() {
		if strings.HasPrefix(l, "ERR ") {
			w.t.Fatalf("%s: setup %q got %q", u.name, cmds, l)
		}
	}
	w.settle()
}

func (w *flWorld) server(owner *flUser, name string) int64 {
	w.t.Helper()
	owner.Send("NEW SERV " + name)
	var s int64
	line := owner.Next()
	if _, err := fmt.Sscanf(line, "TAG %d 0", &s); err != nil || line != fmt.Sprintf("TAG %d 0 %s", s, name) {
		w.t.Fatalf("NEW SERV %s: got %q", name, line)
	}
	owner.Expect(fmt.Sprintf("GRP %d 0 %s general 0 %d", s, name, owner.tag))
	return s
}

func (w *flWorld) channel(u *flUser, s int64, name string) int64 {
	w.t.Helper()
	u.Send(fmt.Sprintf("NEW CHAN %d %s", s, name))
	var gs, c int64
	line := u.Next()
	if _, err := fmt.Sscanf(line, "TAG %d %d", &gs, &c); err != nil || gs != s || c <= 0 || line != fmt.Sprintf("TAG %d %d %s", s, c, name) {
		w.t.Fatalf("NEW CHAN %d %s: got %q", s, name, line)
	}
	u.ExpectPrefix(fmt.Sprintf("GRP %d %d ", s, c))
	w.settle()
	return c
}

func (w *flWorld) admit(by, who *flUser, s, c int64) {
	w.t.Helper()
	w.do(by, fmt.Sprintf("INV 0 %d %d %d", who.tag, s, c))
	w.do(who, fmt.Sprintf("JOIN %d %d", s, c))
}

func (w *flWorld) befriend(x, y *flUser) {
	w.t.Helper()
	w.do(x, fmt.Sprintf("INV 0 %d", y.tag))
	w.do(y, fmt.Sprintf("JOIN 0 %d", x.tag))
}

func flChan(s, c int64) string { return fmt.Sprintf("%d %d", s, c) }
func flDM(u *flUser) string    { return fmt.Sprintf("0 %d", u.tag) }

func flRandom(t *testing.T, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// flChunks cuts data into FILE chunks of at most 2880 raw bytes.
func flChunks(data []byte) []string {
	var out []string
	for len(data) > 0 {
		n := min(flRaw, len(data))
		out = append(out, base64.StdEncoding.EncodeToString(data[:n]))
		data = data[n:]
	}
	return out
}

// flUpload uploads data to addr under tmp, waiting for every
// acknowledgement, and returns the final name from the uploader's FILESENT.
func flUpload(t *testing.T, u *flUser, addr, tmp string, data []byte) string {
	t.Helper()
	u.Send(fmt.Sprintf("NEWFILE %s %s %d", addr, tmp, len(data)))
	u.Expect("NEWFILE OK")
	for _, c := range flChunks(data) {
		u.Send(fmt.Sprintf("FILE %s %s %s", addr, tmp, c))
		u.Expect("FILE OK")
	}
	u.Send(fmt.Sprintf("ENDFILE %s %s %d", addr, tmp, len(data)))
	u.Expect("ENDFILE OK")
	return flFileSent(t, u, addr)
}

// flUploadPipelined sends NEWFILE, every FILE and ENDFILE without waiting,
// then checks the acknowledgements, in order.
func flUploadPipelined(t *testing.T, u *flUser, addr, tmp string, data []byte) string {
	t.Helper()
	chunks := flChunks(data)
	var b strings.Builder
	fmt.Fprintf(&b, "NEWFILE %s %s %d\r\n", addr, tmp, len(data))
	for _, c := range chunks {
		fmt.Fprintf(&b, "FILE %s %s %s\r\n", addr, tmp, c)
		if b.Len() > 256<<10 {
			u.SendRaw(b.String())
			b.Reset()
		}
	}
	fmt.Fprintf(&b, "ENDFILE %s %s %d\r\n", addr, tmp, len(data))
	u.SendRaw(b.String())
	u.Expect("NEWFILE OK")
	for range chunks {
		u.Expect("FILE OK")
	}
	u.Expect("ENDFILE OK")
	return flFileSent(t, u, addr)
}

// flFileSent reads the uploader's "FILESENT 0 me addr name" and returns name.
func flFileSent(t *testing.T, u *flUser, addr string) string {
	t.Helper()
	prefix := fmt.Sprintf("FILESENT 0 %d %s ", u.tag, addr)
	name := strings.TrimPrefix(u.ExpectPrefix(prefix), prefix)
	if name == "" || strings.Contains(name, " ") {
		t.Fatalf("%s: FILESENT with a bad name %q", u.name, name)
	}
	return name
}

// flRead reads one download of name (addr as the client names it): NEWFILE,
// FILE lines of at most 3840 base64 characters, ENDFILE with the size
// NEWFILE announced, which must be the number of bytes. Nothing else may
// come in between.
func flRead(t *testing.T, c *servertest.Client, addr, name string) []byte {
	t.Helper()
	head := fmt.Sprintf("NEWFILE %s %s ", addr, name)
	sizeText := strings.TrimPrefix(c.ExpectPrefix(head), head)
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		t.Fatalf("%s: NEWFILE %s %s with a bad size %q", c.Name, addr, name, sizeText)
	}
	fileHead := fmt.Sprintf("FILE %s %s ", addr, name)
	end := fmt.Sprintf("ENDFILE %s %s %d", addr, name, size)
	var data []byte
	for {
		l := c.Next()
		if l == end {
			break
		}
		chunk, ok := strings.CutPrefix(l, fileHead)
		if !ok {
			t.Fatalf("%s: in the download of %s %s (%d bytes so far of %d): got %q, want %q... or %q",
				c.Name, addr, name, len(data), size, l, fileHead, end)
		}
		if len(chunk) == 0 || len(chunk) > 3840 {
			t.Fatalf("%s: FILE chunk of %d base64 characters, want 1 to 3840", c.Name, len(chunk))
		}
		b, err := base64.StdEncoding.Strict().DecodeString(chunk)
		if err != nil {
			t.Fatalf("%s: FILE chunk is not standard padded base64: %v", c.Name, err)
		}
		data = append(data, b...)
		if int64(len(data)) > size {
			t.Fatalf("%s: download of %s has more than the %d bytes announced", c.Name, name, size)
		}
	}
	if int64(len(data)) != size {
		t.Fatalf("%s: download of %s %s: %d bytes, NEWFILE and ENDFILE said %d", c.Name, addr, name, len(data), size)
	}
	return data
}

// flGet downloads a file.
func flGet(t *testing.T, c *servertest.Client, addr, name string) []byte {
	t.Helper()
	c.Send(fmt.Sprintf("GET %s %s", addr, name))
	return flRead(t, c, addr, name)
}

// flHistory downloads save.txt with "GET addr" and parses it.
func flHistory(t *testing.T, c *servertest.Client, addr string) ([]byte, []history.Entry) {
	t.Helper()
	c.Send("GET " + addr)
	data := flRead(t, c, addr, "save.txt")
	_, entries, err := history.Parse(data)
	if err != nil {
		t.Fatalf("%s: history of %s does not parse: %v\n%s", c.Name, addr, err, data)
	}
	return data, entries
}

// flEntry is what a history entry must say.
type flEntry struct {
	author int64
	text   string
	file   string
}

func flText(u *flUser, text string) flEntry { return flEntry{author: u.tag, text: text} }
func flFile(u *flUser, name string) flEntry { return flEntry{author: u.tag, file: name} }

// flCheckHistory checks save.txt byte for byte: the header line, then for
// each entry "# 0 tag D M YY h m s" (UTC, numbers without leading zeros)
// and "> text" or "* file_name", every line ending in "\n". Each time must
// lie between from and to (a second of slack each side).
func flCheckHistory(t *testing.T, who string, data []byte, header string, want []flEntry, from, to time.Time) {
	t.Helper()
	_, got, err := history.Parse(data)
	if err != nil {
		t.Fatalf("%s: save.txt does not parse: %v\n%s", who, err, data)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: save.txt has %d entries, want %d:\n%s", who, len(got), len(want), data)
	}
	lo := from.UTC().Truncate(time.Second).Add(-time.Second)
	hi := to.UTC().Add(time.Second)
	var b strings.Builder
	b.WriteString(header + "\n")
	for i, e := range got {
		w := want[i]
		if e.Author != w.author || e.Text != w.text || e.File != w.file {
			t.Fatalf("%s: entry %d is %d %q %q, want %d %q %q", who, i, e.Author, e.Text, e.File, w.author, w.text, w.file)
		}
		if e.Time.Before(lo) || e.Time.After(hi) {
			t.Fatalf("%s: entry %d at %v (UTC), want between %v and %v", who, i, e.Time, lo, hi)
		}
		tm := e.Time.UTC()
		fmt.Fprintf(&b, "# 0 %d %d %d %d %d %d %d\n", e.Author, tm.Day(), int(tm.Month()), tm.Year()%100, tm.Hour(), tm.Minute(), tm.Second())
		if w.file != "" {
			b.WriteString("* " + w.file + "\n")
		} else {
			b.WriteString("> " + w.text + "\n")
		}
	}
	if want := b.String(); string(data) != want {
		gl, wl := strings.Split(string(data), "\n"), strings.Split(want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s: save.txt line %d is %q, want %q", who, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: save.txt is\n%q\nwant\n%q", who, data, want)
	}
}

// flReject sends cmd and checks it gets one "ERR verb <reason>" and nothing
// else.
func flReject(t *testing.T, c *servertest.Client, verb, cmd string) string {
	t.Helper()
	c.Send(cmd)
	got := c.Next()
	if !strings.HasPrefix(got, "ERR "+verb+" ") || len(got) == len("ERR "+verb+" ") {
		t.Fatalf("%s: %.80q: got %q, want ERR %s <reason>", c.Name, cmd, got, verb)
	}
	if rest := c.Sync(); len(rest) > 0 {
		t.Fatalf("%s: %.80q: after %q also got %q", c.Name, cmd, got, rest)
	}
	return got
}

func flQuiet(us ...*flUser) {
	for _, u := range us {
		u.ExpectQuiet()
	}
}

var flBlobName = regexp.MustCompile(`^[0-9a-f]{32}$`)

// flDisk walks the data folder and fails on anything but salon.db*,
// files/, files/blobs/<32 hex>, files/tmp/ and files/thumbs/ (empty: these
// tests make no thumbnails). It returns the blobs (id ->
// size) and the names in files/tmp.
func flDisk(t *testing.T, dir string) (map[string]int64, []string) {
	t.Helper()
	blobs := map[string]int64{}
	var tmp []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) { // a temp file removed under our feet
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == ".", rel == "files" && d.IsDir(), rel == "files/blobs" && d.IsDir(), rel == "files/tmp" && d.IsDir(),
			rel == "files/thumbs" && d.IsDir():
		case !strings.Contains(rel, "/") && strings.HasPrefix(rel, "salon.db") && d.Type().IsRegular():
		case strings.HasPrefix(rel, "files/tmp/"):
			tmp = append(tmp, filepath.Base(rel))
			if d.IsDir() {
				return fs.SkipDir
			}
		case strings.HasPrefix(rel, "files/blobs/") && flBlobName.MatchString(d.Name()) && d.Type().IsRegular():
			fi, err := d.Info()
			if err != nil {
				return nil // removed meanwhile
			}
			blobs[d.Name()] = fi.Size()
		default:
			t.Errorf("unexpected entry in the data folder: %s (%v)", rel, d.Type())
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	return blobs, tmp
}

// flSettled waits until files/tmp is empty and the blobs are exactly want
// (removals happen in the background), then returns them.
func flSettled(t *testing.T, dir string, want map[string]int64) map[string]int64 {
	t.Helper()
	var blobs map[string]int64
	var tmp []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		blobs, tmp = flDisk(t, dir)
		if len(tmp) == 0 && maps.Equal(blobs, want) {
			return blobs
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5s: files/tmp holds %v (want nothing), blobs are %v (want %v)", tmp, blobs, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// flNewBlob returns the one blob in after and not in before.
func flNewBlob(t *testing.T, before, after map[string]int64) string {
	t.Helper()
	var added []string
	for id := range after {
		if _, ok := before[id]; !ok {
			added = append(added, id)
		}
	}
	if len(added) != 1 || len(after) != len(before)+1 {
		t.Fatalf("want exactly one new blob, got %v (before %d, after %d)", added, len(before), len(after))
	}
	return added[0]
}

func flSame(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatalf("%s: downloaded %d bytes (sha256 %x), uploaded %d (sha256 %x)", what, len(got), sha256.Sum256(got), len(want), sha256.Sum256(want))
	}
}

// TestHistoryChannelGolden checks a channel's save.txt byte for byte, for
// both members, through "GET S C" and "GET S C save.txt".
func TestHistoryChannelGolden(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	c := w.channel(alice, s, "talk")
	w.admit(alice, bob, s, c)
	addr := flChan(s, c)
	header := "+ " + addr

	// An empty conversation is the header alone.
	alice.Send("GET " + addr)
	alice.Expect(fmt.Sprintf("NEWFILE %s save.txt %d", addr, len(header)+1),
		fmt.Sprintf("FILE %s save.txt %s", addr, base64.StdEncoding.EncodeToString([]byte(header+"\n"))),
		fmt.Sprintf("ENDFILE %s save.txt %d", addr, len(header)+1))
	alice.Send(fmt.Sprintf("GET %d 0", s))
	if got := flRead(t, alice.Client, fmt.Sprintf("%d 0", s), "save.txt"); string(got) != fmt.Sprintf("+ %d 0\n", s) {
		t.Fatalf("empty general history: %q", got)
	}

	from := time.Now()
	texts := []struct {
		u    *flUser
		text string
	}{
		{alice, "hello world"},
		{bob, "salut  à tous,\tça va ? 🎉"},
		{alice, "# 0 1 2 3 4 5 6 7"},
		{bob, "> * not a file"},
	}
	var want []flEntry
	for _, m := range texts[:2] {
		m.u.Send(fmt.Sprintf("MSG %s %s", addr, m.text))
		line := fmt.Sprintf("MSG 0 %d %s %s", m.u.tag, addr, m.text)
		alice.Expect(line)
		bob.Expect(line)
		want = append(want, flText(m.u, m.text))
	}
	notes := []byte("line one\nline two\n")
	name := flUpload(t, bob, addr, "notes.txt", notes)
	if name != "notes.txt" {
		t.Fatalf("notes.txt became %q", name)
	}
	alice.Expect(fmt.Sprintf("FILESENT 0 %d %s notes.txt", bob.tag, addr))
	want = append(want, flFile(bob, "notes.txt"))
	for _, m := range texts[2:] {
		m.u.Send(fmt.Sprintf("MSG %s %s", addr, m.text))
		line := fmt.Sprintf("MSG 0 %d %s %s", m.u.tag, addr, m.text)
		alice.Expect(line)
		bob.Expect(line)
		want = append(want, flText(m.u, m.text))
	}
	to := time.Now()

	data, _ := flHistory(t, alice.Client, addr)
	flCheckHistory(t, "alice", data, header, want, from, to)
	alice.Send(fmt.Sprintf("GET %s save.txt", addr))
	if again := flRead(t, alice.Client, addr, "save.txt"); !bytes.Equal(again, data) {
		t.Fatalf("GET %s save.txt differs from GET %s:\n%q\n%q", addr, addr, again, data)
	}
	bobData, _ := flHistory(t, bob.Client, addr)
	if !bytes.Equal(bobData, data) {
		t.Fatalf("bob's history differs from alice's:\n%q\n%q", bobData, data)
	}
	flSame(t, "notes.txt", flGet(t, alice.Client, addr, "notes.txt"), notes)
	flQuiet(alice, bob)
}

// TestHistoryDirectGolden checks a direct conversation's save.txt from both
// sides: each names the other "0 other" and comes first in the header.
func TestHistoryDirectGolden(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	w.befriend(alice, bob)

	alice.Send("GET " + flDM(bob))
	if got := flRead(t, alice.Client, flDM(bob), "save.txt"); string(got) != fmt.Sprintf("+ 0 %d 0 %d\n", alice.tag, bob.tag) {
		t.Fatalf("empty direct history: %q", got)
	}

	from := time.Now()
	alice.Send(fmt.Sprintf("MSG %s hi bob", flDM(bob)))
	line := fmt.Sprintf("MSG 0 %d 0 %d hi bob", alice.tag, bob.tag)
	alice.Expect(line)
	bob.Expect(line)
	bob.Send(fmt.Sprintf("MSG %s hi alice", flDM(alice)))
	line = fmt.Sprintf("MSG 0 %d 0 %d hi alice", bob.tag, alice.tag)
	alice.Expect(line)
	bob.Expect(line)
	pic := flRandom(t, 7000)
	if name := flUpload(t, alice, flDM(bob), "pic.png", pic); name != "pic.png" {
		t.Fatalf("pic.png became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d pic.png", alice.tag))
	to := time.Now()

	want := []flEntry{flText(alice, "hi bob"), flText(bob, "hi alice"), flFile(alice, "pic.png")}
	data, _ := flHistory(t, alice.Client, flDM(bob))
	flCheckHistory(t, "alice", data, fmt.Sprintf("+ 0 %d 0 %d", alice.tag, bob.tag), want, from, to)
	bob.Send(fmt.Sprintf("GET %s save.txt", flDM(alice)))
	data = flRead(t, bob.Client, flDM(alice), "save.txt")
	flCheckHistory(t, "bob", data, fmt.Sprintf("+ 0 %d 0 %d", bob.tag, alice.tag), want, from, to)

	flSame(t, "alice's pic.png", flGet(t, alice.Client, flDM(bob), "pic.png"), pic)
	flSame(t, "bob's pic.png", flGet(t, bob.Client, flDM(alice), "pic.png"), pic)
	flQuiet(alice, bob)
}

// TestHistoryTimesAreUTC runs salond in a time zone far from UTC (+12:45 or
// +13:45) and checks that save.txt holds UTC times.
func TestHistoryTimesAreUTC(t *testing.T) {
	t.Setenv("TZ", "Pacific/Chatham")
	dir := t.TempDir()
	p := servertest.StartProcess(t, dir)
	w := &flWorld{t: t, addr: p.Addr, dir: dir}
	alice := w.user("alice")
	bob := w.user("bob")
	w.befriend(alice, bob)
	from := time.Now()
	alice.Send(fmt.Sprintf("MSG %s what time is it", flDM(bob)))
	alice.Expect(fmt.Sprintf("MSG 0 %d 0 %d what time is it", alice.tag, bob.tag))
	to := time.Now()
	data, _ := flHistory(t, alice.Client, flDM(bob))
	flCheckHistory(t, "alice", data, fmt.Sprintf("+ 0 %d 0 %d", alice.tag, bob.tag),
		[]flEntry{flText(alice, "what time is it")}, from, to)
}

// TestHistoryAccess covers who may GET what.
func TestHistoryAccess(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	carol := w.user("carol")
	s := w.server(alice, "club")
	c := w.channel(alice, s, "secret")
	w.admit(alice, bob, s, 0) // bob is in the server, not in the channel
	flUpload(t, alice, flChan(s, c), "plan.txt", []byte("plan"))
	w.settle()

	// Before login: exactly "not logged in", and nothing is created.
	anon := servertest.Dial(t, w.addr)
	anon.Name = "anon"
	for _, cmd := range []string{
		fmt.Sprintf("GET %d %d", s, c),
		fmt.Sprintf("GET %d %d save.txt", s, c),
		fmt.Sprintf("GET %d %d plan.txt", s, c),
		fmt.Sprintf("GET 0 %d", alice.tag),
	} {
		anon.Send(cmd)
		anon.Expect("ERR GET not logged in")
	}
	anon.Send(fmt.Sprintf("NEWFILE %d %d x.txt 3", s, c))
	anon.Expect("ERR NEWFILE not logged in")
	anon.Send(fmt.Sprintf("FILE %d %d x.txt YWJj", s, c))
	anon.Expect("ERR FILE not logged in")
	anon.Send(fmt.Sprintf("ENDFILE %d %d x.txt 3", s, c))
	anon.Expect("ERR ENDFILE not logged in")
	anon.ExpectQuiet()

	addr := flChan(s, c)
	for _, u := range []*flUser{bob, carol} {
		flReject(t, u.Client, "GET", "GET "+addr)
		flReject(t, u.Client, "GET", "GET "+addr+" save.txt")
		flReject(t, u.Client, "GET", "GET "+addr+" plan.txt")
	}
	flReject(t, carol.Client, "GET", fmt.Sprintf("GET %d 0", s))
	flReject(t, carol.Client, "GET", fmt.Sprintf("GET %d 0 save.txt", s))
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d 0", s+100))
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d %d", s, c+100))
	flReject(t, alice.Client, "GET", "GET 0 999999")
	flReject(t, alice.Client, "GET", "GET 0 999999 save.txt")
	flReject(t, alice.Client, "GET", "GET "+flDM(alice))
	flReject(t, alice.Client, "GET", "GET "+flDM(alice)+" save.txt")
	flReject(t, alice.Client, "GET", "GET "+addr+" nosuch.txt")
	flReject(t, alice.Client, "GET", "GET "+addr+" ../../salon.db")
	// The file belongs to its channel only.
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d 0 plan.txt", s))
	flReject(t, alice.Client, "GET", "GET "+flDM(bob)+" plan.txt")

	// Membership given is access given.
	w.admit(alice, bob, s, c)
	flSame(t, "plan.txt", flGet(t, bob.Client, addr, "plan.txt"), []byte("plan"))
	_, entries := flHistory(t, bob.Client, addr)
	if len(entries) != 1 || entries[0].File != "plan.txt" || entries[0].Author != alice.tag {
		t.Fatalf("bob's history of the channel: %+v", entries)
	}
	flQuiet(alice, bob, carol)
	blobs, tmp := flDisk(t, w.dir)
	if len(blobs) != 1 || len(tmp) != 0 {
		t.Fatalf("data folder: blobs %v, tmp %v", blobs, tmp)
	}
}

// TestHistoryLarge stores 10,000 messages and reads them back complete and
// in order, while two other users keep talking during the download.
func TestHistoryLarge(t *testing.T) {
	const n = 10000
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	carol := w.user("carol")
	w.befriend(bob, carol)
	s := w.server(alice, "archive")
	addr := flChan(s, 0)
	pad := strings.Repeat("x", 150)
	text := func(i int) string { return fmt.Sprintf("m%05d %s", i, pad) }

	// Pipelined, at most window messages ahead of their echoes.
	from := time.Now()
	const window, batch = 400, 100
	sent := 0
	for got := 0; got < n; got++ {
		for sent < n && sent-got < window {
			var b strings.Builder
			for end := min(sent+batch, n); sent < end; sent++ {
				fmt.Fprintf(&b, "MSG %s %s\r\n", addr, text(sent))
			}
			alice.SendRaw(b.String())
		}
		alice.Expect(fmt.Sprintf("MSG 0 %d %s %s", alice.tag, addr, text(got)))
	}
	to := time.Now()

	// alice asks for the history and reads none of it yet; bob and carol
	// talk meanwhile.
	alice.Send("GET " + addr)
	for i := range 50 {
		for _, p := range [][2]*flUser{{bob, carol}, {carol, bob}} {
			msg := fmt.Sprintf("during the download %d", i)
			p[0].Send(fmt.Sprintf("MSG %s %s", flDM(p[1]), msg))
			line := fmt.Sprintf("MSG 0 %d 0 %d %s", p[0].tag, p[1].tag, msg)
			p[0].Expect(line)
			p[1].Expect(line)
		}
	}
	data := flRead(t, alice.Client, addr, "save.txt")
	want := make([]flEntry, n)
	for i := range want {
		want[i] = flText(alice, text(i))
	}
	flCheckHistory(t, "alice", data, "+ "+addr, want, from, to)
	flQuiet(alice, bob, carol)
}

// TestFilesUpload covers empty, small, chunk-boundary, multi-megabyte and
// pipelined uploads to a channel and to a user, their FILESENT lines, their
// downloads and their place in the history.
func TestFilesUpload(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	carol := w.user("carol") // a friend of nobody, in nothing
	s := w.server(alice, "club")
	c := w.channel(alice, s, "files")
	w.admit(alice, bob, s, c)
	w.befriend(alice, bob)
	addr := flChan(s, c)
	uploaded := map[string][]byte{}
	var want []flEntry
	from := time.Now()

	// Channel uploads: the sender gets ENDFILE OK then FILESENT, every
	// member FILESENT.
	for _, f := range []struct {
		u         *flUser
		tmp       string
		size      int
		pipelined bool
	}{
		{alice, "empty.txt", 0, false},
		{bob, "hello.txt", 5, false},
		{alice, "one-chunk.bin", flRaw, false},
		{bob, "two-chunks.bin", 2 * flRaw, false},
		{alice, "chunk-plus-one.bin", flRaw + 1, true},
		{bob, "big.bin", 5 << 20, true},
	} {
		data := flRandom(t, f.size)
		if f.tmp == "hello.txt" {
			data = []byte("hello")
		}
		var name string
		if f.pipelined {
			name = flUploadPipelined(t, f.u, addr, f.tmp, data)
		} else {
			name = flUpload(t, f.u, addr, f.tmp, data)
		}
		if name != f.tmp {
			t.Fatalf("%s became %q", f.tmp, name)
		}
		other := alice
		if f.u == alice {
			other = bob
		}
		other.Expect(fmt.Sprintf("FILESENT 0 %d %s %s", f.u.tag, addr, name))
		uploaded[name] = data
		want = append(want, flFile(f.u, name))
	}
	// The empty file downloads as NEWFILE and ENDFILE alone.
	bob.Send("GET " + addr + " empty.txt")
	bob.Expect("NEWFILE "+addr+" empty.txt 0", "ENDFILE "+addr+" empty.txt 0")

	// A direct upload: FILESENT 0 src name to the recipient, FILESENT 0 src
	// 0 dest name to the sender.
	dm := flRandom(t, 10000)
	if name := flUpload(t, alice, flDM(bob), "dm.bin", dm); name != "dm.bin" {
		t.Fatalf("dm.bin became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d dm.bin", alice.tag))
	dmBack := flRandom(t, 3*flRaw+17)
	if name := flUploadPipelined(t, bob, flDM(alice), "dm.bin", dmBack); name != "dm-2.bin" {
		t.Fatalf("the second dm.bin of the conversation became %q, want dm-2.bin", name)
	}
	alice.Expect(fmt.Sprintf("FILESENT 0 %d dm-2.bin", bob.tag))
	to := time.Now()
	flQuiet(alice, bob, carol)

	// Downloads are byte-identical, for every member, under each one's
	// address.
	for name, data := range uploaded {
		flSame(t, "alice: "+name, flGet(t, alice.Client, addr, name), data)
		flSame(t, "bob: "+name, flGet(t, bob.Client, addr, name), data)
	}
	flSame(t, "bob: dm.bin", flGet(t, bob.Client, flDM(alice), "dm.bin"), dm)
	flSame(t, "alice: dm.bin", flGet(t, alice.Client, flDM(bob), "dm.bin"), dm)
	flSame(t, "alice: dm-2.bin", flGet(t, alice.Client, flDM(bob), "dm-2.bin"), dmBack)
	flReject(t, carol.Client, "GET", "GET "+addr+" hello.txt")

	// Files are messages of their conversation.
	data, _ := flHistory(t, bob.Client, addr)
	flCheckHistory(t, "bob", data, "+ "+addr, want, from, to)
	data, _ = flHistory(t, bob.Client, flDM(alice))
	flCheckHistory(t, "bob", data, fmt.Sprintf("+ 0 %d 0 %d", bob.tag, alice.tag),
		[]flEntry{flFile(alice, "dm.bin"), flFile(bob, "dm-2.bin")}, from, to)

	// On disk: one blob per file, of its size, and nothing else.
	blobs, tmp := flDisk(t, w.dir)
	var gotSizes, wantSizes []int64
	for _, n := range blobs {
		gotSizes = append(gotSizes, n)
	}
	for _, d := range uploaded {
		wantSizes = append(wantSizes, int64(len(d)))
	}
	wantSizes = append(wantSizes, int64(len(dm)), int64(len(dmBack)))
	slices.Sort(gotSizes)
	slices.Sort(wantSizes)
	if !slices.Equal(gotSizes, wantSizes) || len(tmp) != 0 {
		t.Fatalf("blob sizes %v, want %v; tmp %v", gotSizes, wantSizes, tmp)
	}
	flQuiet(alice, bob, carol)
}

// TestFilesConcurrentUploads runs several uploads at once on one
// connection, interleaved and pipelined, told apart by tmp_name and
// conversation.
func TestFilesConcurrentUploads(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	w.admit(alice, bob, s, 0)
	addr := flChan(s, 0)

	a := flRandom(t, 2*flRaw+100) // three chunks
	b := flRandom(t, flRaw+1)     // two chunks
	same := flRandom(t, 10)       // "x.bin" to the channel and to bob at once
	ac, bc := flChunks(a), flChunks(b)
	lines := []string{
		fmt.Sprintf("NEWFILE %s a.bin %d", addr, len(a)),
		fmt.Sprintf("NEWFILE %s b.bin %d", addr, len(b)),
		fmt.Sprintf("FILE %s a.bin %s", addr, ac[0]),
		fmt.Sprintf("FILE %s b.bin %s", addr, bc[0]),
		fmt.Sprintf("FILE %s a.bin %s", addr, ac[1]),
		fmt.Sprintf("FILE %s b.bin %s", addr, bc[1]),
		fmt.Sprintf("ENDFILE %s b.bin %d", addr, len(b)),
		fmt.Sprintf("NEWFILE %s x.bin %d", addr, len(same)),
		fmt.Sprintf("NEWFILE %s x.bin %d", flDM(bob), len(same)),
		fmt.Sprintf("FILE %s x.bin %s", flDM(bob), flChunks(same)[0]),
		fmt.Sprintf("FILE %s a.bin %s", addr, ac[2]),
		fmt.Sprintf("FILE %s x.bin %s", addr, flChunks(same)[0]),
		fmt.Sprintf("ENDFILE %s a.bin %d", addr, len(a)),
		fmt.Sprintf("ENDFILE %s x.bin %d", addr, len(same)),
		fmt.Sprintf("ENDFILE %s x.bin %d", flDM(bob), len(same)),
	}
	alice.SendRaw(strings.Join(lines, "\r\n") + "\r\n")
	sent := func(name string) string { return fmt.Sprintf("FILESENT 0 %d %s %s", alice.tag, addr, name) }
	alice.Expect(
		"NEWFILE OK", "NEWFILE OK",
		"FILE OK", "FILE OK", "FILE OK", "FILE OK",
		"ENDFILE OK", sent("b.bin"),
		"NEWFILE OK", "NEWFILE OK",
		"FILE OK", "FILE OK", "FILE OK",
		"ENDFILE OK", sent("a.bin"),
		"ENDFILE OK", sent("x.bin"),
		"ENDFILE OK", fmt.Sprintf("FILESENT 0 %d %s x.bin", alice.tag, flDM(bob)),
	)
	bob.Expect(sent("b.bin"), sent("a.bin"), sent("x.bin"), fmt.Sprintf("FILESENT 0 %d x.bin", alice.tag))
	flQuiet(alice, bob)

	flSame(t, "a.bin", flGet(t, bob.Client, addr, "a.bin"), a)
	flSame(t, "b.bin", flGet(t, bob.Client, addr, "b.bin"), b)
	flSame(t, "channel x.bin", flGet(t, bob.Client, addr, "x.bin"), same)
	flSame(t, "direct x.bin", flGet(t, bob.Client, flDM(alice), "x.bin"), same)
	_, entries := flHistory(t, bob.Client, addr)
	var names []string
	for _, e := range entries {
		names = append(names, e.File)
	}
	if !slices.Equal(names, []string{"b.bin", "a.bin", "x.bin"}) {
		t.Fatalf("channel history files %q, want b.bin a.bin x.bin", names)
	}
	if blobs, tmp := flDisk(t, w.dir); len(blobs) != 4 || len(tmp) != 0 {
		t.Fatalf("blobs %v (want 4), tmp %v (want empty)", blobs, tmp)
	}
}

// TestFilesNames checks the final names derived from hostile tmp names
// (core/files SafeName and UniqueName), that they download under that name,
// and that nothing lands outside files/blobs.
func TestFilesNames(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	w.admit(alice, bob, s, 0)
	w.befriend(alice, bob)
	addr := flChan(s, 0)

	long := strings.Repeat("x", 296) + ".png"     // 300 bytes
	longUTF8 := strings.Repeat("é", 150) + ".png" // 304 bytes
	cases := []struct{ tmp, want string }{
		{"../../etc/passwd", "passwd"},
		{`a/b\c.png`, "c.png"},
		{`C:\Windows\System32\evil.dll`, "evil.dll"},
		{"..", "file"},
		{".", "file-2"},
		{"x/", "file-3"},
		{".hidden", "hidden"},
		{"...bashrc", "bashrc"},
		{"-rf", "rf"},
		{"--.-x.sh", "x.sh"},
		{long, strings.Repeat("x", 60) + ".png"},
		{longUTF8, strings.Repeat("é", 30) + ".png"},
		{"résumé_été.pdf", "résumé_été.pdf"},
		{"日本語のファイル.txt", "日本語のファイル.txt"},
		{"cafe\u0301.txt", "caf\u00e9.txt"}, // stored in NFC
		{"invoice\u202Efdp.exe", "invoicefdp.exe"},
		{"zero\u200Bwidth.txt", "zerowidth.txt"},
		{"😀photo🎉.jpg", "photo.jpg"},
		{"❤️love.txt", "love.txt"},
		{`a:b*c?"d<e>f|g.txt`, "abcdefg.txt"},
		{"%2e%2e%2fetc", "2e2e2fetc"},
		{"$HOME;rm&x!'`~[]{}^#.txt", "HOMErmx.txt"},
		{"keep.-_+(),=@.txt", "keep.-_+(),=@.txt"},
		{"save.txt", "save-1.txt"},
		{"SAVE.TXT", "SAVE-1-2.TXT"}, // save-1.txt is taken without regard to case
		{"save.txt", "save-1-3.txt"},
		{"photo.png", "photo.png"},
		{"photo.png", "photo-2.png"},
		{"dir/photo.png", "photo-3.png"},
		{"photo-2.png", "photo-2-2.png"},
		{"archive.tar.gz", "archive.tar.gz"},
		{"archive.tar.gz", "archive-2.tar.gz"},
		{"v1.2", "v1.2"},
		{"v1.2", "v1.2-2"},
		{"$$$", "file-4"},
	}
	var want []flEntry
	contents := map[string][]byte{}
	for i, tc := range cases {
		data := []byte(fmt.Sprintf("file %d: %q", i, tc.tmp))
		name := flUpload(t, alice, addr, tc.tmp, data)
		if name != tc.want {
			t.Errorf("tmp name %q became %q, want %q", tc.tmp, name, tc.want)
		}
		bob.Expect(fmt.Sprintf("FILESENT 0 %d %s %s", alice.tag, addr, name))
		contents[name] = data
		want = append(want, flFile(alice, name))
	}
	if t.Failed() {
		t.FailNow()
	}
	// Names are unique per conversation: another conversation starts over.
	if name := flUpload(t, alice, flDM(bob), "photo.png", []byte("dm")); name != "photo.png" {
		t.Fatalf("photo.png in a direct conversation became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d photo.png", alice.tag))
	flQuiet(alice, bob)

	for name, data := range contents {
		flSame(t, name, flGet(t, bob.Client, addr, name), data)
	}
	flSame(t, "direct photo.png", flGet(t, bob.Client, flDM(alice), "photo.png"), []byte("dm"))
	// The history is still the history, and a client name is never a path.
	bob.Send("GET " + addr + " save.txt")
	flRead(t, bob.Client, addr, "save.txt")
	flReject(t, bob.Client, "GET", "GET "+addr+" ../../etc/passwd")
	flReject(t, bob.Client, "GET", "GET "+addr+" .hidden")

	_, entries := flHistory(t, bob.Client, addr)
	if len(entries) != len(want) {
		t.Fatalf("history has %d entries, want %d", len(entries), len(want))
	}
	for i, e := range entries {
		if e.File != want[i].file || e.Author != alice.tag {
			t.Fatalf("history entry %d: %+v, want * %s", i, e, want[i].file)
		}
	}
	blobs, tmp := flDisk(t, w.dir)
	if len(blobs) != len(cases)+1 || len(tmp) != 0 {
		t.Fatalf("%d blobs (want %d), tmp %v", len(blobs), len(cases)+1, tmp)
	}
	for _, p := range []string{"etc", "passwd", "files/passwd", "files/etc", "files/blobs/passwd", "files/tmp/passwd"} {
		if _, err := os.Lstat(filepath.Join(w.dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s exists in the data folder", p)
		}
	}
}

// TestFilesErrors covers uploads that fail: each gets its ERR, leaves no
// blob, no temp file, no FILESENT and no history entry.
func TestFilesErrors(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	carol := w.user("carol") // not a member
	s := w.server(alice, "club")
	c := w.channel(alice, s, "files")
	w.admit(alice, bob, s, c)
	addr := flChan(s, c)
	ten := base64.StdEncoding.EncodeToString([]byte("0123456789"))
	six := base64.StdEncoding.EncodeToString([]byte("abcdef"))
	clean := map[string]int64{}
	nothingLeft := func(what string) {
		t.Helper()
		flSettled(t, w.dir, clean)
		flQuiet(alice, bob, carol)
		if w.t.Failed() {
			t.Fatalf("after %s", what)
		}
	}
	flSettled(t, w.dir, clean)

	// ENDFILE with a size other than NEWFILE's, even with all the bytes.
	alice.Send("NEWFILE "+addr+" a.bin 10", "FILE "+addr+" a.bin "+ten)
	alice.Expect("NEWFILE OK", "FILE OK")
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" a.bin 9")
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" a.bin 10") // dropped
	flReject(t, alice.Client, "FILE", "FILE "+addr+" a.bin "+ten)     // dropped
	nothingLeft("ENDFILE size different from NEWFILE")

	// Fewer bytes than announced.
	alice.Send("NEWFILE "+addr+" b.bin 10", "FILE "+addr+" b.bin "+six)
	alice.Expect("NEWFILE OK", "FILE OK")
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" b.bin 10")
	nothingLeft("fewer bytes than announced")

	// No bytes at all for a non-empty file.
	alice.Send("NEWFILE " + addr + " b0.bin 10")
	alice.Expect("NEWFILE OK")
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" b0.bin 10")
	nothingLeft("no bytes")

	// More bytes than announced, over two chunks and in one.
	alice.Send("NEWFILE "+addr+" c.bin 10", "FILE "+addr+" c.bin "+six)
	alice.Expect("NEWFILE OK", "FILE OK")
	flReject(t, alice.Client, "FILE", "FILE "+addr+" c.bin "+six)
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" c.bin 10")
	alice.Send("NEWFILE " + addr + " d.bin 9")
	alice.Expect("NEWFILE OK")
	flReject(t, alice.Client, "FILE", "FILE "+addr+" d.bin "+ten)
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" d.bin 9")
	alice.Send("NEWFILE " + addr + " e.bin 0")
	alice.Expect("NEWFILE OK")
	flReject(t, alice.Client, "FILE", "FILE "+addr+" e.bin "+six)
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" e.bin 0")
	nothingLeft("more bytes than announced")

	// Bad base64: not the alphabet, the URL alphabet, no padding, padding
	// in the middle. The upload is dropped at the first.
	for i, bad := range []string{"!!!!", "-_-_", "YWJjZA", "YQ==YQ==", "YW=j"} {
		tmp := fmt.Sprintf("bad%d.bin", i)
		alice.Send(fmt.Sprintf("NEWFILE %s %s 10", addr, tmp), fmt.Sprintf("FILE %s %s %s", addr, tmp, six))
		alice.Expect("NEWFILE OK", "FILE OK")
		flReject(t, alice.Client, "FILE", fmt.Sprintf("FILE %s %s %s", addr, tmp, bad))
		flReject(t, alice.Client, "FILE", fmt.Sprintf("FILE %s %s %s", addr, tmp, "YWJjZA=="))
		flReject(t, alice.Client, "ENDFILE", fmt.Sprintf("ENDFILE %s %s 10", addr, tmp))
	}
	nothingLeft("bad base64")

	// FILE and ENDFILE for an upload never started, or started under
	// another conversation.
	flReject(t, alice.Client, "FILE", "FILE "+addr+" ghost.bin "+six)
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" ghost.bin 6")
	alice.Send("NEWFILE " + addr + " here.bin 6")
	alice.Expect("NEWFILE OK")
	flReject(t, alice.Client, "FILE", fmt.Sprintf("FILE %d 0 here.bin %s", s, six))
	flReject(t, alice.Client, "ENDFILE", fmt.Sprintf("ENDFILE %d 0 here.bin 6", s))
	flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" here.bin 6") // no bytes yet
	nothingLeft("unknown uploads")

	// Uploads to where one may not write.
	for _, cmd := range []string{
		"NEWFILE " + addr + " x.bin 6",
		fmt.Sprintf("NEWFILE %d 0 x.bin 6", s),
		fmt.Sprintf("NEWFILE %d 0 x.bin 6", s+100),
		"NEWFILE 0 999999 x.bin 6",
		"NEWFILE " + flDM(carol) + " x.bin 6",
	} {
		flReject(t, carol.Client, "NEWFILE", cmd)
		addrName := strings.TrimSuffix(strings.TrimPrefix(cmd, "NEWFILE "), " 6")
		flReject(t, carol.Client, "FILE", "FILE "+addrName+" "+six)
		flReject(t, carol.Client, "ENDFILE", "ENDFILE "+addrName+" 6")
	}
	nothingLeft("uploads by a non-member")

	// A second NEWFILE with the same tmp name while the first is running is
	// refused; the first goes on.
	alice.Send("NEWFILE " + addr + " dup.bin 6")
	alice.Expect("NEWFILE OK")
	flReject(t, alice.Client, "NEWFILE", "NEWFILE "+addr+" dup.bin 10")
	if _, tmp := flDisk(t, w.dir); len(tmp) != 1 {
		t.Fatalf("files/tmp holds %v during one upload", tmp)
	}
	alice.Send("FILE "+addr+" dup.bin "+six, "ENDFILE "+addr+" dup.bin 6")
	alice.Expect("FILE OK", "ENDFILE OK", fmt.Sprintf("FILESENT 0 %d %s dup.bin", alice.tag, addr))
	bob.Expect(fmt.Sprintf("FILESENT 0 %d %s dup.bin", alice.tag, addr))
	after, _ := flDisk(t, w.dir)
	id := flNewBlob(t, clean, after)
	if after[id] != 6 {
		t.Fatalf("dup.bin's blob has %d bytes, want 6", after[id])
	}
	clean = after
	flSame(t, "dup.bin", flGet(t, bob.Client, addr, "dup.bin"), []byte("abcdef"))
	nothingLeft("a second NEWFILE with the same name")

	// A connection closed mid-upload leaves nothing.
	alice2 := w.login("alice", alice.tag)
	alice2.Send("NEWFILE "+addr+" cut.bin 100", "FILE "+addr+" cut.bin "+six)
	alice2.Expect("NEWFILE OK", "FILE OK")
	if _, tmp := flDisk(t, w.dir); len(tmp) != 1 {
		t.Fatalf("files/tmp holds %v during one upload", tmp)
	}
	alice2.Close()
	w.forget(alice2)
	nothingLeft("a connection closed mid-upload")

	// An uploader who leaves the channel before ENDFILE.
	bob.Send("NEWFILE "+addr+" left.bin 6", "FILE "+addr+" left.bin "+six)
	bob.Expect("NEWFILE OK", "FILE OK")
	bob.Send(fmt.Sprintf("BYE %d %d", s, c))
	bye := fmt.Sprintf("BYE 0 %d %d %d", bob.tag, s, c)
	bob.Expect(bye)
	alice.Expect(bye)
	flReject(t, bob.Client, "ENDFILE", "ENDFILE "+addr+" left.bin 6")
	nothingLeft("an uploader who left")

	// The history holds dup.bin alone; bob's channel is gone for him.
	_, entries := flHistory(t, alice.Client, addr)
	if len(entries) != 1 || entries[0].File != "dup.bin" {
		t.Fatalf("history after the failed uploads: %+v", entries)
	}
	for _, name := range []string{"a.bin", "b.bin", "c.bin", "cut.bin", "left.bin", "x.bin", "dup-2.bin"} {
		flReject(t, alice.Client, "GET", "GET "+addr+" "+name)
	}
	// The names of failed uploads were never taken.
	if name := flUpload(t, alice, addr, "a.bin", []byte("a")); name != "a.bin" {
		t.Fatalf("a.bin became %q after failed uploads under that name", name)
	}
}

// TestFilesSizeLimit checks the instance's limit on uploads.
func TestFilesSizeLimit(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	cfg.Files.MaxBytes = 1000
	w, _ := flStart(t, cfg)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	w.admit(alice, bob, s, 0)
	addr := flChan(s, 0)

	for _, size := range []string{"1001", "5000000", "9223372036854775807"} {
		flReject(t, alice.Client, "NEWFILE", "NEWFILE "+addr+" big.bin "+size)
		flReject(t, alice.Client, "FILE", "FILE "+addr+" big.bin YWJj")
		flReject(t, alice.Client, "ENDFILE", "ENDFILE "+addr+" big.bin "+size)
	}
	flReject(t, alice.Client, "NEWFILE", "NEWFILE "+flDM(bob)+" big.bin 1001")
	flSettled(t, w.dir, map[string]int64{})
	flQuiet(alice, bob)

	// The limit itself is allowed.
	data := flRandom(t, 1000)
	if name := flUploadPipelined(t, alice, addr, "big.bin", data); name != "big.bin" {
		t.Fatalf("big.bin became %q", name)
	}
	bob.Expect(fmt.Sprintf("FILESENT 0 %d %s big.bin", alice.tag, addr))
	flSame(t, "big.bin", flGet(t, bob.Client, addr, "big.bin"), data)
	if blobs, tmp := flDisk(t, w.dir); len(blobs) != 1 || len(tmp) != 0 {
		t.Fatalf("blobs %v, tmp %v", blobs, tmp)
	}
}

// TestFilesDirectNeedsFriendship: a file is a message of its conversation
// (section 11), and a direct message needs a friendship or a shared server
// (section 9); so does a direct upload.
func TestFilesDirectNeedsFriendship(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	zed := w.user("zed")
	flReject(t, alice.Client, "MSG", "MSG "+flDM(zed)+" hi")
	alice.Send("NEWFILE " + flDM(zed) + " spam.bin 3")
	if got := alice.Next(); !strings.HasPrefix(got, "ERR NEWFILE ") {
		alice.Send("FILE "+flDM(zed)+" spam.bin YWJj", "ENDFILE "+flDM(zed)+" spam.bin 3")
		t.Errorf("NEWFILE to a stranger: got %q, want ERR NEWFILE (and then %q): %s got %q",
			got, alice.Sync(), zed.name, zed.Sync())
		return
	}
	flQuiet(alice, zed)
	flSettled(t, w.dir, map[string]int64{})
}

// TestFilesDeleteRemovesBlobs deletes a channel then its server and checks
// that exactly their blobs leave the disk and their files can no longer be
// fetched.
func TestFilesDeleteRemovesBlobs(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	c := w.channel(alice, s, "files")
	w.admit(alice, bob, s, c)
	w.befriend(alice, bob)
	s2 := w.server(alice, "other")

	blobs := map[string]int64{}
	blobOf := map[string]string{}
	up := func(key, addr, tmp string, data []byte) {
		t.Helper()
		flUpload(t, alice, addr, tmp, data)
		w.settle()
		after, _ := flDisk(t, w.dir)
		blobOf[key] = flNewBlob(t, blobs, after)
		blobs = after
	}
	chanData, genData, otherData, dmData := flRandom(t, 5000), flRandom(t, 6000), flRandom(t, 7000), flRandom(t, 8000)
	up("chan", flChan(s, c), "f.bin", chanData)
	up("chan2", flChan(s, c), "g.bin", []byte("g"))
	up("general", flChan(s, 0), "f.bin", genData)
	up("other", flChan(s2, 0), "f.bin", otherData)
	up("dm", flDM(bob), "f.bin", dmData)

	// An upload to the channel that ends after the channel is gone is
	// refused and leaves nothing.
	alice.Send(fmt.Sprintf("NEWFILE %d %d late.bin 3", s, c), fmt.Sprintf("FILE %d %d late.bin YWJj", s, c))
	alice.Expect("NEWFILE OK", "FILE OK")

	// Delete the channel: its two blobs go, the others stay.
	alice.Send(fmt.Sprintf("DEL %d %d", s, c))
	alice.Expect(fmt.Sprintf("DEL %d %d", s, c))
	bob.Expect(fmt.Sprintf("DEL %d %d", s, c))
	flReject(t, alice.Client, "ENDFILE", fmt.Sprintf("ENDFILE %d %d late.bin 3", s, c))
	delete(blobs, blobOf["chan"])
	delete(blobs, blobOf["chan2"])
	flSettled(t, w.dir, blobs)
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d %d f.bin", s, c))
	flReject(t, bob.Client, "GET", fmt.Sprintf("GET %d %d f.bin", s, c))
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d %d", s, c))
	flSame(t, "general f.bin", flGet(t, bob.Client, flChan(s, 0), "f.bin"), genData)

	// Delete the server: its general channel's blob goes.
	w.do(alice, fmt.Sprintf("DEL %d 0", s))
	delete(blobs, blobOf["general"])
	flSettled(t, w.dir, blobs)
	flReject(t, alice.Client, "GET", fmt.Sprintf("GET %d 0 f.bin", s))
	flReject(t, bob.Client, "GET", fmt.Sprintf("GET %d 0 f.bin", s))

	// What belongs elsewhere is untouched.
	flSame(t, "other server's f.bin", flGet(t, alice.Client, flChan(s2, 0), "f.bin"), otherData)
	flSame(t, "direct f.bin", flGet(t, bob.Client, flDM(alice), "f.bin"), dmData)
	flQuiet(alice, bob)
}

// TestFilesRestartMidUpload stops the server (SIGKILL of salond, or an
// orderly in-process stop) while an upload is half done: after the
// restart, files/tmp is empty, the finished files download byte-identical,
// and nothing of the unfinished one exists.
func TestFilesRestartMidUpload(t *testing.T) {
	for _, mode := range []string{"kill", "stop"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			cfg := servertest.Config(dir)
			w := &flWorld{t: t, dir: dir}
			var p *servertest.Process
			var in *servertest.Instance
			if mode == "kill" {
				p = servertest.StartProcess(t, dir)
				w.addr = p.Addr
			} else {
				in = servertest.Start(t, cfg)
				w.addr = in.Addr
			}
			alice := w.user("alice")
			bob := w.user("bob")
			s := w.server(alice, "club")
			w.admit(alice, bob, s, 0)
			w.befriend(alice, bob)
			addr := flChan(s, 0)
			done := flRandom(t, 100000)
			dm := flRandom(t, 3000)
			if name := flUploadPipelined(t, alice, addr, "done.bin", done); name != "done.bin" {
				t.Fatalf("done.bin became %q", name)
			}
			if name := flUpload(t, alice, flDM(bob), "dm.bin", dm); name != "dm.bin" {
				t.Fatalf("dm.bin became %q", name)
			}
			w.settle()
			partial := flRandom(t, 10*flRaw)
			chunks := flChunks(partial)
			alice.Send(fmt.Sprintf("NEWFILE %s partial.bin %d", addr, len(partial)))
			alice.Expect("NEWFILE OK")
			for _, c := range chunks[:4] {
				alice.Send(fmt.Sprintf("FILE %s partial.bin %s", addr, c))
				alice.Expect("FILE OK")
			}
			blobs, tmp := flDisk(t, dir)
			if len(blobs) != 2 || len(tmp) != 1 {
				t.Fatalf("before the stop: blobs %v, tmp %v (want 2 blobs, 1 upload)", blobs, tmp)
			}

			if mode == "kill" {
				if err := p.Cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				p.Cmd.Wait()
				if _, tmp := flDisk(t, dir); len(tmp) != 1 {
					t.Fatalf("after SIGKILL files/tmp holds %v, want the cut upload", tmp)
				}
			} else {
				in.Stop()
				flSettled(t, dir, blobs)
			}
			alice.ExpectClosed()
			bob.ExpectClosed()

			in2 := servertest.Start(t, cfg)
			w = &flWorld{t: t, addr: in2.Addr, dir: dir}
			if after, tmp := flDisk(t, dir); len(tmp) != 0 || !maps.Equal(after, blobs) {
				t.Fatalf("after the restart: blobs %v (want %v), tmp %v (want empty)", after, blobs, tmp)
			}
			alice = w.login("alice", alice.tag)
			bob = w.login("bob", bob.tag)
			w.settle()
			flSame(t, "done.bin", flGet(t, bob.Client, addr, "done.bin"), done)
			flSame(t, "dm.bin", flGet(t, bob.Client, flDM(alice), "dm.bin"), dm)
			flReject(t, alice.Client, "GET", "GET "+addr+" partial.bin")
			_, entries := flHistory(t, alice.Client, addr)
			if len(entries) != 1 || entries[0].File != "done.bin" {
				t.Fatalf("history after the restart: %+v", entries)
			}
			// The unfinished upload's name is free, and its upload slot gone.
			flReject(t, alice.Client, "FILE", fmt.Sprintf("FILE %s partial.bin %s", addr, chunks[4]))
			if name := flUploadPipelined(t, alice, addr, "partial.bin", partial); name != "partial.bin" {
				t.Fatalf("partial.bin became %q after the restart", name)
			}
			bob.Expect(fmt.Sprintf("FILESENT 0 %d %s partial.bin", alice.tag, addr))
			flSame(t, "partial.bin", flGet(t, bob.Client, addr, "partial.bin"), partial)
		})
	}
}
