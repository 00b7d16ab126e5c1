package filehttp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/web/filehttp"
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestWebTokenCommand: WEBTOKEN over the protocol, and POST /auth turning
// a token into the cookie.
func TestWebTokenCommand(t *testing.T) {
	w := start(t)
	anon := w.browser()

	c := servertest.Dial(t, w.in.Addr)
	c.Send("WEBTOKEN")
	c.Expect("ERR WEBTOKEN not logged in")

	alice := w.user("alice", false)
	alice.Send("WEBTOKEN x", "WEBTOKEN ")
	alice.Expect("ERR WEBTOKEN wrong number of fields", "ERR WEBTOKEN wrong number of fields")

	first := alice.webToken(t)
	resp := anon.auth(first)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /auth: %s", resp.Status)
	}
	checkHardened(t, "POST /auth", resp)
	want := "salon_files=" + first + "; Path=/files; HttpOnly; SameSite=Strict"
	if got := resp.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != want {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("POST /auth: Cache-Control %q", got)
	}

	// Asking again ends the first token.
	second := alice.webToken(t)
	if second == first {
		t.Fatal("a second WEBTOKEN gave the same token")
	}
	if resp := anon.auth(first); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST /auth with the replaced token: %s, want 401", resp.Status)
	}
	if resp := anon.auth(second); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /auth with the new token: %s", resp.Status)
	}
	// Each session has its own.
	other := w.login("alice", alice.tag)
	third := other.webToken(t)
	for _, tok := range []string{second, third} {
		if resp := anon.auth(tok); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("POST /auth with one of two sessions' tokens: %s", resp.Status)
		}
	}

	// Every malformed header is refused alike, and so is a well-formed
	// token nobody was given.
	stranger := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	for _, h := range []string{"", "Salon", "Salon ", "Bearer " + second, "Salon  " + second,
		"Salon " + second + "x", "Salon " + second[:42], "Salon " + strings.ReplaceAll(second, second[:1], "+"),
		"Salon " + stranger} {
		req, _ := http.NewRequest(http.MethodPost, w.web.URL+"/auth", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp := anon.do(req)
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("POST /auth with %q: %s, cookie %q; want 401 and none", h, resp.Status, resp.Header.Get("Set-Cookie"))
		}
		checkHardened(t, "POST /auth", resp)
	}
	// The scheme is a case-insensitive word, as in HTTP.
	req, _ := http.NewRequest(http.MethodPost, w.web.URL+"/auth", nil)
	req.Header.Set("Authorization", "salon "+second)
	if resp := anon.do(req); resp.StatusCode != http.StatusNoContent {
		t.Errorf("POST /auth with \"salon\": %s", resp.Status)
	}
	// Two headers: which would count? Neither.
	req, _ = http.NewRequest(http.MethodPost, w.web.URL+"/auth", nil)
	req.Header.Add("Authorization", "Salon "+second)
	req.Header.Add("Authorization", "Salon "+third)
	if resp := anon.do(req); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /auth with two Authorization headers: %s", resp.Status)
	}
	if resp, _ := anon.get("/auth"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth: %s", resp.Status)
	}
	if resp, _ := anon.get("/elsewhere"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /elsewhere: %s", resp.Status)
	}
}

// TestFileAuthorization: a file is served exactly to those GET serves it
// to, for as long as their session lasts.
func TestFileAuthorization(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	members := map[string]*user{}
	for _, name := range []string{"bob", "dave", "erin", "frank", "gina"} {
		u := w.user(name, false)
		admit(t, alice, u, s, 0)
		members[name] = u
	}
	carol := w.user("carol", false) // no member
	alice.Sync()
	for _, u := range members {
		u.Sync() // the others' arrivals
	}

	data := randomBytes(5000)
	conv := fmt.Sprintf("%d 0", s)
	name, _ := alice.upload(t, conv, "notes.bin", data)
	path := filePath(conv, name)
	for _, u := range members {
		u.Sync() // its FILESENT
	}

	browsers := map[string]*browser{}
	for n, u := range members {
		b := w.browser()
		b.signIn(u)
		browsers[n] = b
		if got := b.status(path, http.StatusOK); !bytes.Equal(got, data) {
			t.Fatalf("%s got %d bytes, not the file", n, len(got))
		}
	}
	ab := w.browser()
	ab.signIn(alice)
	if got := ab.status(path, http.StatusOK); !bytes.Equal(got, data) {
		t.Fatal("the uploader did not get the file")
	}

	// A non-member gets what a missing file gets, to the byte.
	cb := w.browser()
	cb.signIn(carol)
	forbidden := cb.status(path, http.StatusNotFound)
	missing := browsers["bob"].status(filePath(conv, "nothing.bin"), http.StatusNotFound)
	if !bytes.Equal(forbidden, missing) {
		t.Errorf("a forbidden file's 404 %q differs from a missing one's %q", forbidden, missing)
	}
	browsers["bob"].status(filePath(conv, "save.txt"), http.StatusNotFound) // the history is not a file here

	// A leaked URL without the cookie, a bad cookie, a token nobody has.
	leaked := w.browser()
	leaked.status(path, http.StatusUnauthorized)
	leaked.status(path+"?thumb=1", http.StatusUnauthorized)
	stranger := base64.RawURLEncoding.EncodeToString(randomBytes(32))
	for _, cookie := range []string{"salon_files=garbage", "salon_files=" + stranger, "salon_files=", "other=1"} {
		leaked.status(path, http.StatusUnauthorized, "Cookie: "+cookie)
	}
	// A wrong path is a 404 for a signed-in user, a 401 for anyone else.
	for _, p := range []string{fmt.Sprintf("/files/%d/0", s), "/files/x/0/" + name, fmt.Sprintf("/files/%d/0/..%%2F%s", s, name),
		fmt.Sprintf("/files/%d/0/%s/x", s, name), fmt.Sprintf("/files/0/0/%s", name), path + "?thumb=2", path + "?x=1"} {
		browsers["bob"].status(p, http.StatusNotFound)
		leaked.status(p, http.StatusUnauthorized)
	}

	// A direct conversation's file: its two parties, by each one's name
	// for it; nobody else.
	befriend(t, alice, carol)
	dm, _ := alice.upload(t, fmt.Sprintf("0 %d", carol.tag), "dm.bin", data[:100])
	if got := cb.status(filePath(fmt.Sprintf("0 %d", alice.tag), dm), http.StatusOK); !bytes.Equal(got, data[:100]) {
		t.Fatal("the recipient did not get the direct file")
	}
	ab.status(filePath(fmt.Sprintf("0 %d", carol.tag), dm), http.StatusOK)
	browsers["bob"].status(filePath(fmt.Sprintf("0 %d", alice.tag), dm), http.StatusNotFound)
	browsers["bob"].status(filePath(fmt.Sprintf("0 %d", carol.tag), dm), http.StatusNotFound)

	// Logged out with BYE: the token died with the session.
	bob := members["bob"]
	bob.Send("BYE")
	bob.ExpectClosed()
	browsers["bob"].status(path, http.StatusUnauthorized)
	// The same account's new session needs a new token; the old cookie
	// stays dead.
	bob2 := w.login("bob", bob.tag)
	browsers["bob"].status(path, http.StatusUnauthorized)
	browsers["bob"].signIn(bob2)
	browsers["bob"].status(path, http.StatusOK)

	// Disconnected: alice sees dave go offline once the hub has ended the
	// session, and its token with it.
	dave := members["dave"]
	dave.Close()
	alice.WaitFor(fmt.Sprintf("BYE 0 %d", dave.tag))
	browsers["dave"].status(path, http.StatusUnauthorized)

	// Kicked, banned, gone: still logged in, no longer a member.
	alice.do(t, fmt.Sprintf("KICK %d 0 0 %d out", s, bob2.tag))
	browsers["bob"].status(path, http.StatusNotFound)
	alice.do(t, fmt.Sprintf("BAN %d 0 0 %d out", s, members["erin"].tag))
	browsers["erin"].status(path, http.StatusNotFound)
	members["frank"].do(t, fmt.Sprintf("BYE %d 0", s))
	browsers["frank"].status(path, http.StatusNotFound)

	// A password change closes the account's other sessions: their
	// tokens end with them.
	gina := members["gina"]
	other := w.login("gina", gina.tag)
	ob := w.browser()
	ob.signIn(other)
	ob.status(path, http.StatusOK)
	gina.Send("PSW password-gina password-gina-2")
	gina.WaitFor("PSW password-gina-2")
	other.WaitFor("BYE")
	ob.status(path, http.StatusUnauthorized)
	browsers["gina"].status(path, http.StatusOK)
}

// TestRangeAndCaching: Range for audio, ETag revalidation, a private
// cache only.
func TestRangeAndCaching(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	data := randomBytes(5000)
	conv := fmt.Sprintf("%d 0", s)
	name, _ := alice.upload(t, conv, "song.bin", data)
	path := filePath(conv, name)
	b := w.browser()
	b.signIn(alice)

	resp, body := b.get(path, "Range: bytes=100-199")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[100:200]) {
		t.Fatalf("Range 100-199: %s, %d bytes", resp.Status, len(body))
	}
	if got := resp.Header.Get("Content-Range"); got != "bytes 100-199/5000" {
		t.Errorf("Content-Range %q", got)
	}
	checkHardened(t, "a range", resp)
	resp, body = b.get(path, "Range: bytes=4990-")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[4990:]) {
		t.Fatalf("Range 4990-: %s, %d bytes", resp.Status, len(body))
	}
	if resp, _ := b.get(path, "Range: bytes=6000-"); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("a range past the end: %s", resp.Status)
	}
	head, _ := http.NewRequest(http.MethodHead, w.web.URL+path, nil)
	if resp := b.do(head); resp.StatusCode != http.StatusOK || resp.ContentLength != 5000 {
		t.Errorf("HEAD: %s, length %d", resp.Status, resp.ContentLength)
	}
	post, _ := http.NewRequest(http.MethodPost, w.web.URL+path, nil)
	if resp := b.do(post); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST of a file: %s", resp.Status)
	}

	resp, _ = b.get(path)
	etag := resp.Header.Get("ETag")
	if len(etag) < 3 || etag[0] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	if got := resp.Header.Get("Cache-Control"); got != "private, no-cache" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := resp.Header.Get("Accept-Ranges"); got != "bytes" {
		t.Errorf("Accept-Ranges %q", got)
	}
	if resp, body := b.get(path, "If-None-Match: "+etag); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("If-None-Match: %s with %d bytes, want 304", resp.Status, len(body))
	}
	// Revalidating is authorized like a download: no cookie, no 304.
	if resp, _ := w.browser().get(path, "If-None-Match: "+etag); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("If-None-Match without the cookie: %s", resp.Status)
	}
}

// TestTokenDiesWithRestart: tokens live in the hub's memory only, so a
// restart ends them all, as it ends their sessions.
func TestTokenDiesWithRestart(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	in := servertest.Start(t, cfg)
	web := httptest.NewServer(filehttp.New(in.Server.Hub(), in.Server.Files(), filehttp.Options{}))
	w := &world{t: t, in: in, web: web}
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	name, _ := alice.upload(t, conv, "a.bin", []byte("kept across restarts"))
	token := w.browser().signIn(alice)
	cookie := "Cookie: " + filehttp.CookieName + "=" + token
	w.browser().status(filePath(conv, name), http.StatusOK, cookie)
	web.Close()
	in.Stop()

	in2 := servertest.Start(t, cfg)
	w2 := start2(t, in2)
	w2.browser().status(filePath(conv, name), http.StatusUnauthorized, cookie)
	alice2 := w2.login("alice", alice.tag)
	b := w2.browser()
	b.signIn(alice2)
	if got := b.status(filePath(conv, name), http.StatusOK); string(got) != "kept across restarts" {
		t.Fatalf("after the restart: %q", got)
	}
}

// start2 serves the handler of a running instance.
func start2(t *testing.T, in *servertest.Instance) *world {
	web := httptest.NewServer(filehttp.New(in.Server.Hub(), in.Server.Files(), filehttp.Options{}))
	t.Cleanup(web.Close)
	return &world{t: t, in: in, web: web}
}
