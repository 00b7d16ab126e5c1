package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssets(t *testing.T) {
	js := strings.Repeat("console.log('salon');\n", 200)
	a, err := loadAssets(fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html><script src=/app-3f2a9c1d.js></script>")},
		"app-3f2a9c1d.js":        {Data: []byte(js)},
		"app-TZ4MOIAV.css":       {Data: []byte("body{}")},
		"chunks/x-0badc0ffee.js": {Data: []byte("1")},
		"settings.js":            {Data: []byte("2")},
		"favicon.ico":            {Data: []byte{0, 0, 1, 0}},
		"data.bin":               {Data: []byte{1, 2, 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(secure(a))
	defer srv.Close()
	do := func(method, path string, h map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	for _, tt := range []struct{ path, ctype, cache string }{
		{"/", "text/html; charset=utf-8", "no-cache"},
		{"/app-3f2a9c1d.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/app-TZ4MOIAV.css", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/chunks/x-0badc0ffee.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/settings.js", "text/javascript; charset=utf-8", "no-cache"}, // a word, not a hash
		{"/favicon.ico", "image/vnd.microsoft.icon", "no-cache"},
		{"/data.bin", "application/octet-stream", "no-cache"},
	} {
		resp, _ := do("GET", tt.path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype || resp.Header.Get("Cache-Control") != tt.cache ||
			resp.Header.Get("Content-Security-Policy") != PagePolicy || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %s %v", tt.path, resp.Status, resp.Header)
		}
	}

	// gzip for those who take it, the same bytes once inflated.
	resp, body := do("GET", "/app-3f2a9c1d.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Vary") != "Accept-Encoding" || len(body) >= len(js) {
		t.Fatalf("gzip: %v, %d bytes", resp.Header, len(body))
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); string(plain) != js {
		t.Fatal("gzip body differs")
	}
	gzTag := resp.Header.Get("ETag")
	resp, body = do("GET", "/app-3f2a9c1d.js", map[string]string{"Accept-Encoding": "gzip;q=0"})
	if resp.Header.Get("Content-Encoding") != "" || string(body) != js || resp.Header.Get("ETag") == gzTag {
		t.Fatalf("gzip refused: %v", resp.Header)
	}

	// Revalidation, HEAD, ranges, what is not there.
	resp, _ = do("GET", "/", nil)
	if resp, _ := do("GET", "/", map[string]string{"If-None-Match": resp.Header.Get("ETag")}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %s", resp.Status)
	}
	if resp, body := do("HEAD", "/settings.js", nil); resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != 1 {
		t.Errorf("HEAD: %s %d", resp.Status, resp.ContentLength)
	}
	if resp, body := do("GET", "/app-3f2a9c1d.js", map[string]string{"Range": "bytes=0-6"}); resp.StatusCode != http.StatusPartialContent || string(body) != "console" {
		t.Errorf("range: %s %q", resp.Status, body)
	}
	for _, p := range []string{"/nope", "/chunks", "/chunks/", "/index.htm"} {
		if resp, _ := do("GET", p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %s", p, resp.Status)
		}
	}

	if _, err := loadAssets(fstest.MapFS{"app.js": {Data: []byte("x")}}); err == nil {
		t.Error("assets without index.html accepted")
	}
}
