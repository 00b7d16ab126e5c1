package web_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// The page's file routes are mounted on the web listener itself: a session
// over /ws uploads a file, asks for a token, turns it into the cookie at
// POST /auth and reads the file back at /files/ with that cookie only.
func TestWebFilesMounted(t *testing.T) {
	in := start(t, nil)
	c := servertest.DialWeb(t, in.WebAddr, servertest.WebOptions{})
	register(t, c, "alice")
	c.Send("NEW SERV club")
	c.ExpectPrefix("TAG ")
	c.Sync()

	body := "hello from the page\n"
	c.Send("NEWFILE 1 0 note.txt 20")
	c.Expect("NEWFILE OK")
	c.Send("FILE 1 0 note.txt " + base64.StdEncoding.EncodeToString([]byte(body)))
	c.Expect("FILE OK")
	c.Send("ENDFILE 1 0 note.txt 20")
	c.WaitFor("FILESENT 0 1 1 0 note.txt")
	c.Send("WEBTOKEN")
	token := strings.TrimPrefix(c.ExpectPrefix("WEBTOKEN "), "WEBTOKEN ")

	base := "http://" + in.WebAddr
	get := func(cookie string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/files/1/0/note.txt", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	if resp := get(""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the cookie: %s, want 401", resp.Status)
	}

	req, _ := http.NewRequest("POST", base+"/auth", nil)
	req.Header.Set("Authorization", "Salon "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusNoContent || len(cookies) != 1 || cookies[0].Name != "salon_files" {
		t.Fatalf("POST /auth: %s, cookies %v", resp.Status, cookies)
	}

	resp = get(cookies[0].Name + "=" + cookies[0].Value)
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(got) != body {
		t.Fatalf("with the cookie: %s %q, want 200 %q", resp.Status, got, body)
	}
	// Text is never rendered in the page's origin, and the file routes'
	// sandbox policy replaces the page's.
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("Content-Disposition %q, want an attachment", cd)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("Content-Security-Policy %q, want the sandbox policy", csp)
	}
}

// Behind a proxy that ends TLS, requests arrive in plain HTTP: an https
// origin among allowed_origins is what marks the cookie Secure.
func TestWebFilesCookieSecureBehindProxy(t *testing.T) {
	for _, origins := range [][]string{nil, {"https://chat.example.org"}} {
		in := start(t, func(c *config.Config) { c.Web.AllowedOrigins = origins })
		c := servertest.DialWeb(t, in.WebAddr, servertest.WebOptions{})
		register(t, c, "alice")
		c.Send("WEBTOKEN")
		token := strings.TrimPrefix(c.ExpectPrefix("WEBTOKEN "), "WEBTOKEN ")
		req, _ := http.NewRequest("POST", "http://"+in.WebAddr+"/auth", nil)
		req.Header.Set("Authorization", "Salon "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Secure != (origins != nil) {
			t.Errorf("allowed_origins %q: cookies %v, want Secure %v", origins, cookies, origins != nil)
		}
	}
}
