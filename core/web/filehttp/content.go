package filehttp

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	"golang.org/x/image/webp"
)

// What a file is served as. The name a client gave it says nothing (x.png
// may be HTML): the bytes decide, through http.DetectContentType on the
// blob's head, and only a short list of types is ever shown inline, the
// ones a browser can only display or play: raster images and audio (with
// WebM, which is what Chromium's MediaRecorder makes of a voice message).
// Everything else (HTML, SVG, XML, PDF, text, scripts, unknown) goes out
// as application/octet-stream with Content-Disposition: attachment, so
// the browser saves it and never renders it in the page's origin. The
// headers of every response (nosniff and a sandboxing CSP, filehttp.go)
// are what keeps even a mistaken verdict harmless; this choice is the
// first line.

// headBytes is how much of a blob is read to decide: DetectContentType
// looks at 512 bytes, the markup check at all of it.
const headBytes = 8 << 10

// Limits on the images the server decodes for a thumbnail, checked from
// the dimensions the image declares (image.DecodeConfig reads only its
// header) before anything is decoded: a decompression bomb, a few bytes
// that declare 100000x100000 pixels, is refused, never decoded. An image
// past them is not shown inline either: the page would ask the browser to
// decode what the server would not.
const (
	MaxImageSide   = 16384
	MaxImagePixels = 40_000_000
)

// verdict is how a blob is served.
type verdict struct {
	typ    string // Content-Type
	inline bool
	// format is the image format ("png", "jpeg", "gif", "webp") of an
	// image that may have a thumbnail; "" otherwise.
	format        string
	width, height int
}

var attachment = verdict{typ: "application/octet-stream"}

// imageFormats are the raster images shown inline, by sniffed type, with
// the header reader of each.
var imageFormats = map[string]struct {
	name   string
	config func(io.Reader) (image.Config, error)
}{
	"image/png":  {"png", png.DecodeConfig},
	"image/jpeg": {"jpeg", jpeg.DecodeConfig},
	"image/gif":  {"gif", gif.DecodeConfig},
	"image/webp": {"webp", webp.DecodeConfig},
}

// inlineMedia are the sniffed types of audio (and WebM) played inline, as
// they are sniffed. Ogg is sniffed as application/ogg and handled apart.
var inlineMedia = map[string]bool{
	"audio/mpeg": true,
	"audio/wave": true,
	// Chromium's and Firefox's MediaRecorder record voice into WebM,
	// which DetectContentType calls video/webm whatever it holds; a media
	// element plays it either way and a browser never renders it as a
	// document, so it is served inline as sniffed.
	"video/webm": true,
}

// classify decides how the blob whose head is given (its first headBytes,
// or all of it) is served; r reads the whole blob, for an image's header.
func classify(head []byte, r io.ReaderAt, size int64) verdict {
	if hasMarkup(head) {
		// A polyglot (a GIF header, then HTML) is what it might be taken
		// for at its worst.
		return attachment
	}
	typ := http.DetectContentType(head)
	if f, ok := imageFormats[typ]; ok {
		cfg, err := f.config(io.NewSectionReader(r, 0, size))
		if err != nil || !withinLimits(cfg.Width, cfg.Height) {
			return attachment
		}
		return verdict{typ: typ, inline: true, format: f.name, width: cfg.Width, height: cfg.Height}
	}
	if typ == "application/ogg" && oggAudio(head) {
		return verdict{typ: "audio/ogg", inline: true}
	}
	if inlineMedia[typ] {
		return verdict{typ: typ, inline: true}
	}
	return attachment
}

// withinLimits reports whether an image of w x h pixels may be decoded.
func withinLimits(w, h int) bool {
	return w > 0 && h > 0 && w <= MaxImageSide && h <= MaxImageSide && int64(w)*int64(h) <= MaxImagePixels
}

// oggAudio reports whether an Ogg stream's first page opens an Opus or a
// Vorbis stream (its packet starts at byte 28 of a page with one segment
// table entry, as a first page has): audio, not a video.
func oggAudio(head []byte) bool {
	if len(head) < 36 {
		return false
	}
	p := head[28:]
	return bytes.HasPrefix(p, []byte("OpusHead")) || bytes.HasPrefix(p, []byte("\x01vorbis"))
}

// markupTags are the openings of HTML (and SVG) that no image or audio
// file needs in its first kilobytes. XML alone is not among them: images
// carry XMP metadata, which is XML.
var markupTags = []string{"<!doctype", "<html", "<head", "<body", "<script", "<iframe", "<svg", "<object", "<embed"}

// hasMarkup reports whether head holds one of markupTags, in any case.
func hasMarkup(head []byte) bool {
	lower := strings.ToLower(string(head))
	for _, t := range markupTags {
		if strings.Contains(lower, t) {
			return true
		}
	}
	return false
}

// contentDisposition is the Content-Disposition of a file named name:
// inline or attachment, with the name in RFC 8187's encoding, which every
// browser reads and which needs no quoting rules.
func contentDisposition(inline bool, name string) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	return kind + "; filename*=UTF-8''" + encodeExtValue(name)
}

// encodeExtValue percent-encodes every byte of s but RFC 8187's attr-char.
func encodeExtValue(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if attrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func attrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
