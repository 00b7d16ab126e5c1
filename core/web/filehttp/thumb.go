package filehttp

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/salon-chat/salon/core/files"
)

// Thumbnails: a preview of an image, at most ThumbSide pixels on each side,
// made the first time the page asks for it (not at upload: most images
// are seen by someone, but the uploader's reader should not pay for
// decoding, and an image nobody opens costs nothing), then kept by
// core/files beside the blob and removed with it. Only an image that
// classify let through is decoded, so its declared size is within
// MaxImageSide and MaxImagePixels before a byte of its pixels is read;
// at most a few are decoded at once across the server, and requests for
// the same one wait for the one making it. A JPEG's preview is a JPEG;
// every other's is a PNG, which keeps transparency. An animated GIF's
// preview is its first frame; the page plays the original.

// ThumbSide bounds a thumbnail's width and height.
const ThumbSide = 320

// thumbQuality is the JPEG quality of a JPEG's preview.
const thumbQuality = 80

// errNoThumb: the file is not an image the server makes a preview of (not
// an image, past the limits, or one that does not decode).
var errNoThumb = errors.New("no thumbnail for this file")

// thumbnailer makes and keeps thumbnails.
type thumbnailer struct {
	store  *files.Store
	slots  *semaphore.Weighted // decodes at once
	memory *semaphore.Weighted // bytes their pixels may take at once (decodeBudget)
	flight singleflight.Group  // one decode per blob at a time

	mu     sync.Mutex
	broken map[string]bool // blobs that did not decode: not tried again
}

// maxBroken bounds the memory of blobs that did not decode; past it the
// set starts again (a broken image is then decoded once more).
const maxBroken = 4096

func newThumbnailer(store *files.Store, atOnce int) *thumbnailer {
	return &thumbnailer{store: store, slots: semaphore.NewWeighted(int64(atOnce)),
		memory: semaphore.NewWeighted(decodeBudget), broken: map[string]bool{}}
}

// decodeBudget bounds the memory of the images being decoded at once. An
// image's limit is in pixels, but what a pixel takes decoded depends on
// its format: up to 8 bytes (16-bit RGBA), so that a 40-megapixel PNG of a
// few hundred kilobytes decodes to 320 MB. Each decode is counted at that
// worst case: the largest image decodes alone, and two may not add up.
const decodeBudget = MaxImagePixels * decodedBytesPerPixel

const decodedBytesPerPixel = 8

// decodeCost is what decoding an image of w x h pixels is counted for.
func decodeCost(w, h int) int64 {
	return min(int64(w)*int64(h)*decodedBytesPerPixel, decodeBudget)
}

// open returns blob id's thumbnail, making it first if need be from blob
// (v is its verdict).
func (t *thumbnailer) open(ctx context.Context, id string, blob io.ReaderAt, size int64, v verdict) (*os.File, int64, error) {
	if v.format == "" {
		return nil, 0, errNoThumb
	}
	if f, n, err := t.store.OpenThumb(id); !errors.Is(err, fs.ErrNotExist) {
		return f, n, err
	}
	if t.isBroken(id) {
		return nil, 0, errNoThumb
	}
	_, err, _ := t.flight.Do(id, func() (any, error) {
		// Another request may have made it since this one looked.
		if f, _, err := t.store.OpenThumb(id); err == nil {
			f.Close()
			return nil, nil
		}
		if err := t.slots.Acquire(ctx, 1); err != nil {
			return nil, err
		}
		cost := decodeCost(v.width, v.height)
		if err := t.memory.Acquire(ctx, cost); err != nil {
			t.slots.Release(1)
			return nil, err
		}
		data, err := makeThumb(io.NewSectionReader(blob, 0, size), v)
		t.memory.Release(cost)
		t.slots.Release(1)
		if err != nil {
			t.markBroken(id)
			return nil, errNoThumb
		}
		return nil, t.store.SaveThumb(id, data)
	})
	if err != nil {
		return nil, 0, err
	}
	return t.store.OpenThumb(id)
}

func (t *thumbnailer) isBroken(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.broken[id]
}

func (t *thumbnailer) markBroken(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.broken) >= maxBroken {
		clear(t.broken)
	}
	t.broken[id] = true
}

// makeThumb decodes the image r holds (its format and size already checked
// by classify) and returns its preview, encoded.
func makeThumb(r io.Reader, v verdict) ([]byte, error) {
	if !withinLimits(v.width, v.height) {
		return nil, errNoThumb // classify never lets one through; this keeps it so
	}
	var src image.Image
	var err error
	switch v.format {
	case "png":
		src, err = png.Decode(r)
	case "jpeg":
		src, err = jpeg.Decode(r)
	case "gif":
		src, err = gif.Decode(r) // the first frame
	case "webp":
		src, err = webp.Decode(r)
	default:
		return nil, errNoThumb
	}
	if err != nil {
		return nil, err
	}
	w, h := fit(src.Bounds().Dx(), src.Bounds().Dy(), ThumbSide)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var out bytes.Buffer
	if v.format == "jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: thumbQuality})
	} else {
		err = png.Encode(&out, dst)
	}
	return out.Bytes(), err
}

// fit returns the size of a w x h image scaled down, keeping its shape, to
// fit in side x side; a smaller image keeps its size. Neither side is ever
// 0.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return max(w, 1), max(h, 1)
	}
	if w >= h {
		return side, max(1, int(int64(h)*int64(side)/int64(w)))
	}
	return max(1, int(int64(w)*int64(side)/int64(h))), side
}
