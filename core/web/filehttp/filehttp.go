// Package filehttp serves uploaded files to the web page over plain HTTP,
// so that the browser loads images and voice messages with ordinary
// requests: it streams them, caches them, and seeks in audio with Range.
//
// Two routes, which the web listener mounts as they are ("/auth" and
// "/files/"):
//
//	POST /auth                  Authorization: Salon <token>  -> 204 and the cookie
//	GET  /files/{S}/{C}/{name}  the file, by the cookie; ?thumb=1: its preview
//
// The token is one a logged-in session got with WEBTOKEN
// (core/chat/webtoken.go); POST /auth turns it into an HttpOnly,
// SameSite=Strict cookie scoped to /files, which the browser then sends
// with the page's own image and audio requests and no one else's. A file
// is served exactly when GET S C name over the protocol would be, asked
// of the hub at each request: 401 without a cookie that stands for a
// logged-in session, 404 for everything else that is refused, so that a
// file one may not read looks like one that does not exist.
//
// Nothing uploaded is ever served as something the browser runs or
// renders in the page's origin: content.go decides from the bytes what is
// shown inline (raster images, audio) and sends the rest as attachments,
// and every response carries X-Content-Type-Options: nosniff and a
// sandboxing Content-Security-Policy.
package filehttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/core/chat"
	"github.com/salon-chat/salon/core/files"
)

// CookieName is the cookie that carries the token, on /files only.
const CookieName = "salon_files"

// CSP is the Content-Security-Policy of every response: a document loaded
// from here (an attachment opened by mistake, a file a browser rendered
// anyway) is sandboxed into an origin of its own, runs no script and loads
// nothing but images and media from here.
const CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"

// Options configure a Handler.
type Options struct {
	Log hclog.Logger
	// SecureCookie sets Secure on the cookie even when the request came
	// over plain HTTP: behind a proxy that terminates TLS. Requests that
	// came over TLS get it anyway.
	SecureCookie bool
	// Thumbnailing bounds the thumbnails being made at once (2 when 0).
	Thumbnailing int
	// Timeout bounds how long a request waits for the hub's answer
	// (10 s when 0).
	Timeout time.Duration
}

// Handler serves POST /auth and GET /files/.
type Handler struct {
	hub    *chat.Hub
	store  *files.Store
	opts   Options
	thumbs *thumbnailer
}

// New returns the handler of hub's files, whose blobs are in store.
func New(hub *chat.Hub, store *files.Store, opts Options) *Handler {
	if opts.Log == nil {
		opts.Log = hclog.NewNullLogger()
	}
	if opts.Thumbnailing <= 0 {
		opts.Thumbnailing = 2
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	return &Handler{hub: hub, store: store, opts: opts, thumbs: newThumbnailer(store, opts.Thumbnailing)}
}

// ServeHTTP routes the two paths.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", CSP)
	// Another site may not embed these, even where a browser would send
	// the cookie; and a link out of an opened file says nothing of it.
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Referrer-Policy", "no-referrer")
	switch {
	case r.URL.Path == "/auth":
		if r.Method != http.MethodPost {
			hd.Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.auth(w, r)
	case len(r.URL.Path) > len("/files/") && r.URL.Path[:len("/files/")] == "/files/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			hd.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h.file(w, r)
	default:
		http.NotFound(w, r)
	}
}

// auth answers POST /auth: a token that stands for a logged-in session
// becomes the cookie.
func (h *Handler) auth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	values := r.Header.Values("Authorization")
	token, ok := "", len(values) == 1
	if ok {
		token, ok = parseAuthorization(values[0])
	}
	if !ok {
		unauthorized(w)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	if err := h.hub.CheckWebToken(ctx, token); err != nil {
		h.hubFailed(w, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName,
		Value:    token,
		Path:     "/files",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
		Secure:   r.TLS != nil || h.opts.SecureCookie,
	})
	w.WriteHeader(http.StatusNoContent)
}

// file answers GET /files/{S}/{C}/{name}[?thumb=1].
func (h *Handler) file(w http.ResponseWriter, r *http.Request) {
	token := ""
	if c, err := r.Cookie(CookieName); err == nil && validToken(c.Value) {
		token = c.Value
	}
	if token == "" {
		unauthorized(w)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.Timeout)
	defer cancel()
	a, name, pathOK := parseFilePath(r.URL.EscapedPath())
	thumb, queryOK := wantsThumb(r)
	if !pathOK || !queryOK {
		// 401 still comes first: only a logged-in user learns that a path
		// is wrong.
		if err := h.hub.CheckWebToken(ctx, token); err != nil {
			h.hubFailed(w, err)
			return
		}
		http.NotFound(w, r)
		return
	}
	f, err := h.hub.WebFile(ctx, token, a, name)
	if err != nil {
		h.hubFailed(w, err)
		return
	}
	blob, size, err := h.store.OpenBlob(f.Blob)
	if err != nil {
		// Deleted since the hub answered.
		http.NotFound(w, r)
		return
	}
	defer blob.Close()
	head := make([]byte, min(size, headBytes))
	if _, err := io.ReadFull(blob, head); err != nil {
		h.opts.Log.Error("reading a file's head", "blob", f.Blob, "error", err)
		http.Error(w, "file unavailable", http.StatusInternalServerError)
		return
	}
	v := classify(head, blob, size)
	hd := w.Header()
	hd.Set("Cache-Control", "private, no-cache")
	if !thumb {
		hd.Set("Content-Type", v.typ)
		hd.Set("Content-Disposition", contentDisposition(v.inline, name))
		hd.Set("ETag", `"`+f.Blob+`"`)
		http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(blob, 0, size))
		return
	}
	t, tsize, err := h.thumbs.open(ctx, f.Blob, blob, size, v)
	switch {
	case errors.Is(err, errNoThumb):
		http.Error(w, "no preview of this file", http.StatusUnsupportedMediaType)
		return
	case errors.Is(err, os.ErrNotExist):
		http.NotFound(w, r)
		return
	case err != nil:
		h.opts.Log.Error("making a thumbnail", "blob", f.Blob, "error", err)
		http.Error(w, "preview unavailable", http.StatusServiceUnavailable)
		return
	}
	defer t.Close()
	typ := "image/png"
	if v.format == "jpeg" {
		typ = "image/jpeg"
	}
	hd.Set("Content-Type", typ)
	// No file name: a GIF's preview is a PNG, and saving it under the
	// GIF's name would lie.
	hd.Set("Content-Disposition", "inline")
	hd.Set("ETag", `"`+f.Blob+`-thumb"`)
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(t, 0, tsize))
}

// wantsThumb reads the query: nothing, or thumb=1. Anything else is
// refused rather than ignored, so that a URL means one thing.
func wantsThumb(r *http.Request) (thumb, ok bool) {
	switch r.URL.RawQuery {
	case "":
		return false, true
	case "thumb=1":
		return true, true
	}
	return false, false
}

// hubFailed answers a refusal of the hub: 401 for a token that stands for
// no session, 404 for a file refused, 503 when the hub could not answer.
func (h *Handler) hubFailed(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, chat.ErrWebToken):
		unauthorized(w)
	case errors.Is(err, chat.ErrNoWebFile):
		http.Error(w, "404 page not found", http.StatusNotFound)
	default:
		h.opts.Log.Warn("the hub did not answer a file request", "error", err)
		http.Error(w, "server unavailable", http.StatusServiceUnavailable)
	}
}

func unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", authScheme)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}
