package filehttp_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// samples of each kind of file, made by the test.

func pngOf(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x + y), 200})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func jpegOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

// animatedGIF has two frames of w x h.
func animatedGIF(w, h int) []byte {
	var g gif.GIF
	for i := range 2 {
		f := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for y := range h {
			for x := range w {
				f.SetColorIndex(x, y, uint8((x+y+i*50)%256))
			}
		}
		g.Image = append(g.Image, f)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	gif.EncodeAll(&b, &g)
	return b.Bytes()
}

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngBomb is a few hundred bytes of PNG that declare w x h pixels: decoded,
// it would take w*h*4 bytes of memory (40 GB for 100000 x 100000).
func pngBomb(w, h uint32) []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, w)
	binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{8, 6, 0, 0, 0}) // 8-bit RGBA
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	b.Write(pngChunk("IHDR", ihdr.Bytes()))
	b.Write(pngChunk("IDAT", []byte{0x78, 0x9c, 0x63, 0, 0, 0, 1, 0, 1})) // a scrap of zlib
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// gifBomb declares a 65535 x 65535 screen and one frame as large.
func gifBomb() []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, [2]uint16{65535, 65535})
	b.Write([]byte{0x80, 0, 0, 0, 0, 0, 255, 255, 255}) // a 2-colour global table
	b.WriteByte(0x2c)
	binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, 65535, 65535})
	b.Write([]byte{0, 2, 2, 0x4c, 0x01, 0, 0x3b})
	return b.Bytes()
}

// oggOpus is the start of an Ogg Opus stream: a first page with an
// OpusHead packet.
func oggOpus() []byte {
	page := []byte("OggS\x00\x02")
	page = append(page, make([]byte, 8+4+4+4)...) // granule, serial, sequence, CRC
	page = append(page, 1, 19)                    // one segment of 19 bytes
	page = append(page, "OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"...)
	return append(page, bytes.Repeat([]byte{0x55}, 200)...)
}

var (
	csp = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
)

// TestHostileUploads: what the bytes are decides, never the name, and
// nothing that a browser would render or run comes back as anything but
// an attachment.
func TestHostileUploads(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	b := w.browser()
	b.signIn(alice)

	html := []byte("<!DOCTYPE html><html><body><script>fetch('/files/1/0/x').then(r=>r.text()).then(alert)</script></body></html>")
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script><circle r="5"/></svg>`)
	polyglot := append([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), []byte("<html><script>alert(1)</script></html>")...)
	polyglotJS := append([]byte("GIF89a/*\x00\x00\x00\x00\x00"), []byte("*/=1;alert(document.domain);//<script>x</script>")...)
	attachments := []struct {
		tmp  string
		data []byte
	}{
		{"page.html", html},
		{"pic.svg", svg},
		{"poly.gif", polyglot},
		{"polyjs.gif", polyglotJS},
		{"x.png", html},
		{"feed.xml", []byte(`<?xml version="1.0"?><rss><channel/></rss>`)},
		{"doc.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF")},
		{"notes.txt", []byte("just some text, with <b>tags</b>")},
		{"blob.bin", randomBytes(3000)},
		{"empty.png", pngBomb(100000, 100000)}, // past the limits: not shown inline either
		{"été.png", []byte("<html>é</html>")},
	}
	for _, a := range attachments {
		name, _ := alice.upload(t, conv, a.tmp, a.data)
		path := filePath(conv, name)
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, a.data) {
			t.Errorf("%s: %s, %d bytes", a.tmp, resp.Status, len(body))
			continue
		}
		checkHardened(t, a.tmp, resp)
		if got := resp.Header.Get("Content-Type"); got != "application/octet-stream" {
			t.Errorf("%s: Content-Type %q, want application/octet-stream", a.tmp, got)
		}
		want := "attachment; filename*=UTF-8''" + strings.ReplaceAll(urlPathEscape(name), "%20", " ")
		if got := resp.Header.Get("Content-Disposition"); got != want {
			t.Errorf("%s: Content-Disposition %q, want %q", a.tmp, got, want)
		}
		// Not an image the server decodes: no preview.
		if resp, _ := b.get(path + "?thumb=1"); resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("%s?thumb=1: %s, want 415", a.tmp, resp.Status)
		}
	}

	// And what is shown inline, by its sniffed type whatever its name.
	inline := []struct {
		tmp, typ string
		data     []byte
	}{
		{"photo.png", "image/png", pngOf(20, 10)},
		{"photo.txt", "image/jpeg", jpegOf(20, 10)},
		{"anim.gif", "image/gif", animatedGIF(16, 16)},
		{"voice.ogg", "audio/ogg", oggOpus()},
		{"voice.webm", "video/webm", append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm"), randomBytes(200)...)},
		{"sound.mp3", "audio/mpeg", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), randomBytes(200)...)},
		{"sound.wav", "audio/wave", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), randomBytes(200)...)},
	}
	for _, in := range inline {
		name, _ := alice.upload(t, conv, in.tmp, in.data)
		resp, body := b.get(filePath(conv, name))
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, in.data) {
			t.Errorf("%s: %s, %d bytes", in.tmp, resp.Status, len(body))
			continue
		}
		checkHardened(t, in.tmp, resp)
		if got := resp.Header.Get("Content-Type"); got != in.typ {
			t.Errorf("%s: Content-Type %q, want %q", in.tmp, got, in.typ)
		}
		if got := resp.Header.Get("Content-Disposition"); got != "inline; filename*=UTF-8''"+name {
			t.Errorf("%s: Content-Disposition %q", in.tmp, got)
		}
	}
}

// urlPathEscape encodes as RFC 8187 does the names of these tests.
func urlPathEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestDecompressionBomb: an image that declares more pixels than the
// limits is refused from its header: it is never decoded, which the
// memory the process allocated meanwhile shows (decoding 100000 x 100000
// would take 40 GB).
func TestDecompressionBomb(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	b := w.browser()
	b.signIn(alice)
	for _, bomb := range []struct {
		tmp  string
		data []byte
	}{
		{"bomb.png", pngBomb(100000, 100000)},
		{"wide.png", pngBomb(16385, 1)},     // one side past 16384
		{"square.png", pngBomb(7000, 7000)}, // 49 megapixels, past 40
		{"bomb.gif", gifBomb()},
	} {
		name, _ := alice.upload(t, conv, bomb.tmp, bomb.data)
		path := filePath(conv, name)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		b.status(path+"?thumb=1", http.StatusUnsupportedMediaType)
		resp, _ := b.get(path)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if got := resp.Header.Get("Content-Type"); got != "application/octet-stream" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("%s: served as %q, %q; want an attachment", bomb.tmp, got, resp.Header.Get("Content-Disposition"))
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
			t.Errorf("%s: %d MB allocated while refusing it: it was decoded", bomb.tmp, grew>>20)
		}
		if took > 5*time.Second {
			t.Errorf("%s: refusing took %v", bomb.tmp, took)
		}
	}
	if got, _ := filepath.Glob(filepath.Join(w.in.DataDir, "files", "thumbs", "*")); len(got) != 0 {
		t.Errorf("thumbnails of bombs were stored: %q", got)
	}
}

// TestThumbnails: a real PNG, JPEG and GIF each get a preview within
// 320 x 320 of the shape of the original, made once and kept.
func TestThumbnails(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	b := w.browser()
	b.signIn(alice)
	for _, tt := range []struct {
		tmp, typ string
		data     []byte
		w, h     int
	}{
		{"wide.png", "image/png", pngOf(1000, 500), 320, 160},
		{"tall.jpg", "image/jpeg", jpegOf(400, 1200), 106, 320},
		{"anim.gif", "image/png", animatedGIF(640, 640), 320, 320},
		{"small.png", "image/png", pngOf(100, 80), 100, 80},
	} {
		name, _ := alice.upload(t, conv, tt.tmp, tt.data)
		path := filePath(conv, name) + "?thumb=1"
		resp, body := b.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s (%q)", path, resp.Status, body)
		}
		checkHardened(t, path, resp)
		if got := resp.Header.Get("Content-Type"); got != tt.typ {
			t.Errorf("%s: Content-Type %q, want %q", path, got, tt.typ)
		}
		if got := resp.Header.Get("Content-Disposition"); got != "inline" {
			t.Errorf("%s: Content-Disposition %q", path, got)
		}
		img, format, err := image.Decode(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if "image/"+format != tt.typ {
			t.Errorf("%s: a %s, want %s", path, format, tt.typ)
		}
		if got := img.Bounds().Size(); got.X != tt.w || got.Y != tt.h {
			t.Errorf("%s: %dx%d, want %dx%d", path, got.X, got.Y, tt.w, tt.h)
		}
		// Kept: asked again, the same bytes, and a 304 for the browser's
		// copy.
		resp2, again := b.get(path)
		if !bytes.Equal(again, body) {
			t.Errorf("%s: a second preview differs from the first", path)
		}
		if resp, _ := b.get(path, "If-None-Match: "+resp2.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s: revalidated: %s", path, resp.Status)
		}
		if resp2.Header.Get("ETag") == "" {
			t.Errorf("%s: no ETag", path)
		}
	}
	thumbs, _ := filepath.Glob(filepath.Join(w.in.DataDir, "files", "thumbs", "*"))
	if len(thumbs) != 4 {
		t.Errorf("%d thumbnails kept, want 4: %q", len(thumbs), thumbs)
	}
	// The original of an animated GIF is served whole, inline: the page
	// plays it.
	name, _ := alice.upload(t, conv, "play.gif", animatedGIF(32, 32))
	resp, body := b.get(filePath(conv, name))
	if g, err := gif.DecodeAll(bytes.NewReader(body)); err != nil || len(g.Image) != 2 || resp.Header.Get("Content-Type") != "image/gif" {
		t.Errorf("animated GIF: %v, %q", err, resp.Header.Get("Content-Type"))
	}
}

// TestDeletionRemovesFileAndThumbnail: DELETE of the file's message, and
// DEL of its channel, make the file and its preview 404 and take both off
// the disk.
func TestDeletionRemovesFileAndThumbnail(t *testing.T) {
	w := start(t)
	alice := w.user("alice", true)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	b := w.browser()
	b.signIn(alice)
	thumbs := filepath.Join(w.in.DataDir, "files", "thumbs")

	name, id := alice.upload(t, conv, "photo.png", pngOf(400, 400))
	path := filePath(conv, name)
	b.status(path, http.StatusOK)
	b.status(path+"?thumb=1", http.StatusOK)
	if got, _ := os.ReadDir(thumbs); len(got) != 1 {
		t.Fatalf("%d thumbnails, want 1", len(got))
	}
	alice.do(t, fmt.Sprintf("DELETE %d", id))
	b.status(path, http.StatusNotFound)
	b.status(path+"?thumb=1", http.StatusNotFound)
	waitEmpty(t, thumbs)

	// A channel's files go with it.
	alice.Send(fmt.Sprintf("NEW CHAN %d pics", s))
	var c int64
	if _, err := fmt.Sscanf(alice.ExpectPrefix(fmt.Sprintf("TAG %d ", s)), fmt.Sprintf("TAG %d %%d", s), &c); err != nil {
		t.Fatal(err)
	}
	alice.Sync()
	chConv := fmt.Sprintf("%d %d", s, c)
	name, _ = alice.upload(t, chConv, "photo.png", jpegOf(300, 300))
	path = filePath(chConv, name)
	b.status(path+"?thumb=1", http.StatusOK)
	if got, _ := os.ReadDir(thumbs); len(got) != 1 {
		t.Fatalf("%d thumbnails, want 1", len(got))
	}
	alice.do(t, fmt.Sprintf("DEL %d %d", s, c))
	b.status(path, http.StatusNotFound)
	b.status(path+"?thumb=1", http.StatusNotFound)
	waitEmpty(t, thumbs)
	if got, _ := os.ReadDir(filepath.Join(w.in.DataDir, "files", "blobs")); len(got) != 0 {
		t.Errorf("blobs left: %d", len(got))
	}
}

// waitEmpty waits for the background removal of blobs to empty dir.
func waitEmpty(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, err := os.ReadDir(dir)
		if err == nil && len(got) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds %d entries (%v)", dir, len(got), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestThumbnailsAtOnce: many requests for previews at once, several for
// the same image, all get theirs, alike for one image, kept as one file
// each.
func TestThumbnailsAtOnce(t *testing.T) {
	w := start(t)
	alice := w.user("alice", false)
	s := alice.newServer(t, "club")
	conv := fmt.Sprintf("%d 0", s)
	b := w.browser()
	b.signIn(alice)
	var paths []string
	for i := range 3 {
		name, _ := alice.upload(t, conv, fmt.Sprintf("p%d.png", i), pngOf(600+i, 400))
		paths = append(paths, filePath(conv, name)+"?thumb=1")
	}
	type answer struct {
		path   string
		status int
		body   []byte
		err    error
	}
	answers := make(chan answer)
	for i := range 12 {
		path := paths[i%len(paths)]
		go func() {
			resp, err := b.http.Get(w.web.URL + path)
			if err != nil {
				answers <- answer{path: path, err: err}
				return
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			_, err = body.ReadFrom(resp.Body)
			answers <- answer{path, resp.StatusCode, body.Bytes(), err}
		}()
	}
	first := map[string][]byte{}
	for range 12 {
		a := <-answers
		if a.err != nil || a.status != http.StatusOK {
			t.Fatalf("%s: %d %v", a.path, a.status, a.err)
		}
		if prev, ok := first[a.path]; ok && !bytes.Equal(prev, a.body) {
			t.Errorf("%s: two different previews", a.path)
		}
		first[a.path] = a.body
	}
	if got, _ := filepath.Glob(filepath.Join(w.in.DataDir, "files", "thumbs", "*")); len(got) != 3 {
		t.Errorf("%d thumbnails, want 3", len(got))
	}
	if got, _ := os.ReadDir(filepath.Join(w.in.DataDir, "files", "tmp")); len(got) != 0 {
		t.Errorf("files/tmp holds %d entries", len(got))
	}
}
