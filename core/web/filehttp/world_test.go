package filehttp_test

// The test world: a real salond in-process (servertest), the file handler
// served beside it on a loopback port by httptest, users that speak the
// protocol over real TCP sessions, and "browsers": HTTP clients with a
// cookie jar, as a page's requests carry the cookie.

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/web/filehttp"
	"github.com/salon-chat/salon/core/wire"
)

type world struct {
	t   *testing.T
	in  *servertest.Instance
	web *httptest.Server
}

func start(t *testing.T) *world {
	t.Helper()
	in := servertest.Start(t, nil)
	web := httptest.NewServer(filehttp.New(in.Server.Hub(), in.Server.Files(), filehttp.Options{}))
	t.Cleanup(web.Close) // before the server stops: cleanups run last first
	return &world{t: t, in: in, web: web}
}

// user is a logged-in session.
type user struct {
	*servertest.Client
	tag  int64
	name string
}

// user registers name; with tags, on a connection that asked for CAP tags
// first (FILESENT then carries the message's id).
func (w *world) user(name string, tags bool) *user {
	w.t.Helper()
	c := servertest.Dial(w.t, w.in.Addr)
	c.Name = name
	if tags {
		c.Send("CAP REQ tags")
		c.Expect("CAP ACK tags")
	}
	c.Send("NEW USR " + name + " password-" + name)
	var tag int64
	if _, err := fmt.Sscanf(c.ExpectPrefix("TAG 0 "), "TAG 0 %d", &tag); err != nil {
		w.t.Fatalf("%s: bad TAG line: %v", name, err)
	}
	c.Sync()
	return &user{Client: c, tag: tag, name: name}
}

// login opens another session of name.
func (w *world) login(name string, tag int64) *user {
	w.t.Helper()
	c, _ := servertest.Login(w.t, w.in.Addr, name)
	return &user{Client: c, tag: tag, name: name}
}

// do sends commands none of which may fail, and drains u.
func (u *user) do(t *testing.T, cmds ...string) []string {
	t.Helper()
	u.Send(cmds...)
	got := u.Sync()
	for _, l := range got {
		if strings.HasPrefix(l, "ERR ") {
			t.Fatalf("%s: %q got %q", u.name, cmds, l)
		}
	}
	return got
}

// webToken asks for a token over the protocol.
func (u *user) webToken(t *testing.T) string {
	t.Helper()
	u.Send("WEBTOKEN")
	token := strings.TrimPrefix(u.ExpectPrefix("WEBTOKEN "), "WEBTOKEN ")
	if len(token) != 43 {
		t.Fatalf("%s: token %q is not 43 characters", u.name, token)
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil || len(b) != 32 {
		t.Fatalf("%s: token %q is not base64url of 32 bytes (%v)", u.name, token, err)
	}
	return token
}

// newServer makes a server owned by u and returns its tag.
func (u *user) newServer(t *testing.T, name string) int64 {
	t.Helper()
	u.Send("NEW SERV " + name)
	var s int64
	if _, err := fmt.Sscanf(u.ExpectPrefix("TAG "), "TAG %d 0", &s); err != nil {
		t.Fatal(err)
	}
	u.Sync()
	return s
}

// admit has by invite who to S C, and who accept.
func admit(t *testing.T, by, who *user, s, c int64) {
	t.Helper()
	by.do(t, fmt.Sprintf("INV 0 %d %d %d", who.tag, s, c))
	who.do(t, fmt.Sprintf("JOIN %d %d", s, c))
	by.Sync()
}

func befriend(t *testing.T, x, y *user) {
	t.Helper()
	x.do(t, fmt.Sprintf("INV 0 %d", y.tag))
	y.do(t, fmt.Sprintf("JOIN 0 %d", x.tag))
	x.Sync()
}

// upload sends data to addr as tmp and returns the final name, and the
// message's id when u asked for tags (0 otherwise).
func (u *user) upload(t *testing.T, addr, tmp string, data []byte) (string, int64) {
	t.Helper()
	u.Send(fmt.Sprintf("NEWFILE %s %s %d", addr, tmp, len(data)))
	u.Expect("NEWFILE OK")
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 2880)
		u.Send(fmt.Sprintf("FILE %s %s %s", addr, tmp, base64.StdEncoding.EncodeToString(rest[:n])))
		u.Expect("FILE OK")
		rest = rest[n:]
	}
	u.Send(fmt.Sprintf("ENDFILE %s %s %d", addr, tmp, len(data)))
	u.Expect("ENDFILE OK")
	line := u.Next()
	var id int64
	if strings.HasPrefix(line, "@") {
		m, rest, err := wire.SplitTags(line)
		if err != nil {
			t.Fatal(err)
		}
		tags, err := wire.ParseTags(m)
		if err != nil {
			t.Fatal(err)
		}
		id, line = tags.ID, rest
	}
	prefix := fmt.Sprintf("FILESENT 0 %d %s ", u.tag, addr)
	name, ok := strings.CutPrefix(line, prefix)
	if !ok || name == "" {
		t.Fatalf("%s: got %q, want %q...", u.name, line, prefix)
	}
	u.Sync()
	return name, id
}

// browser is an HTTP client with a cookie jar, as a page is.
type browser struct {
	t    *testing.T
	w    *world
	http *http.Client
}

func (w *world) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return &browser{t: w.t, w: w, http: &http.Client{Jar: jar}}
}

// auth posts the token to /auth and returns the status.
func (b *browser) auth(token string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.w.web.URL+"/auth", nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Salon "+token)
	return b.do(req)
}

// signIn gets a token for u and posts it; the answer must be 204 with the
// cookie.
func (b *browser) signIn(u *user) string {
	b.t.Helper()
	token := u.webToken(b.t)
	resp := b.auth(token)
	if resp.StatusCode != http.StatusNoContent {
		b.t.Fatalf("POST /auth for %s: %s, want 204", u.name, resp.Status)
	}
	return token
}

// get fetches path with extra headers ("Name: value").
func (b *browser) get(path string, headers ...string) (*http.Response, []byte) {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.w.web.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp := b.do(req)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, body
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// status fetches path and checks its status, and the headers every
// response carries.
func (b *browser) status(path string, want int, headers ...string) []byte {
	b.t.Helper()
	resp, body := b.get(path, headers...)
	if resp.StatusCode != want {
		b.t.Fatalf("GET %s: %s (%q), want %d", path, resp.Status, body, want)
	}
	checkHardened(b.t, path, resp)
	return body
}

// checkHardened checks the headers of every response.
func checkHardened(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); got != "sandbox; default-src 'none'; img-src 'self'; media-src 'self'" {
		t.Errorf("%s: Content-Security-Policy %q", what, got)
	}
}

func filePath(addr, name string) string {
	return "/files/" + strings.ReplaceAll(addr, " ", "/") + "/" + url.PathEscape(name)
}
