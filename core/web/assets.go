package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

// assets serves the built page from memory. Everything is read once, at
// start: the files are in the binary already, and knowing each one's type,
// tag and compressed form up front makes every request a map lookup.
type assets map[string]*asset

type asset struct {
	name  string
	body  []byte
	gz    []byte // gzip of body, when that is smaller; nil otherwise
	ctype string
	etag  string
	cache string // Cache-Control
}

// hashed matches the names a bundler gives files whose name changes with
// their content ("app-3f2a9c1d.js", esbuild's "app-TZ4MOIAV.css"): such a
// name always means the same bytes, so browsers may keep them for good.
var hashed = regexp.MustCompile(`-([0-9a-f]{8,}|[0-9A-Z]{8,})\.[A-Za-z0-9]+$`)

// Types by extension, stated here rather than taken from the system's
// table, which differs between machines (and serves .js as
// application/javascript on some, text/plain on broken ones).
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/vnd.microsoft.icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".txt":         "text/plain; charset=utf-8",
	".wasm":        "application/wasm",
	".webmanifest": "application/manifest+json",
}

// compressible types are worth gzipping.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") ||
		strings.HasPrefix(ctype, "image/svg") || ctype == "application/wasm"
}

func loadAssets(fsys fs.FS) (assets, error) {
	if fsys == nil {
		return nil, errors.New("no assets")
	}
	a := assets{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		ext := path.Ext(name)
		ctype, ok := types[ext]
		if !ok {
			if ctype = mime.TypeByExtension(ext); ctype == "" {
				ctype = "application/octet-stream"
			}
		}
		sum := sha256.Sum256(body)
		f := &asset{
			name:  name,
			body:  body,
			ctype: ctype,
			etag:  `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
			cache: "no-cache", // revalidated each time: a new build shows at once
		}
		if hashed.MatchString(path.Base(name)) {
			f.cache = "public, max-age=31536000, immutable"
		}
		if compressible(ctype) {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			if b.Len() < len(body) {
				f.gz = b.Bytes()
			}
		}
		a["/"+name] = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	if a["/index.html"] == nil {
		return nil, errors.New("the assets have no index.html")
	}
	a["/"] = a["/index.html"]
	return a, nil
}

// ServeHTTP serves GET and HEAD of the assets; anything else under / is
// not found.
func (a assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := a[r.URL.Path]
	if f == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", f.cache)
	body, etag := f.body, f.etag
	if f.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body, etag = f.gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
		}
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match with 304 and ranges with 206.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads Accept-Encoding for gzip not refused with q=0.
func acceptsGzip(r *http.Request) bool {
	for _, line := range r.Header.Values("Accept-Encoding") {
		for _, item := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
