package files

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"testing"
)

func readThumb(t *testing.T, s *Store, id string) []byte {
	t.Helper()
	f, size, err := s.OpenThumb(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || int64(len(b)) != size {
		t.Fatalf("thumbnail of %s: %d bytes, size %d, %v", id, len(b), size, err)
	}
	return b
}

func TestThumbLifecycle(t *testing.T) {
	s, dir := open(t)
	id := upload(t, s, []byte("an image"))
	if _, _, err := s.OpenThumb(id); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("OpenThumb before SaveThumb: %v, want ErrNotExist", err)
	}
	if err := s.SaveThumb(id, []byte("small")); err != nil {
		t.Fatal(err)
	}
	if got := readThumb(t, s, id); !bytes.Equal(got, []byte("small")) {
		t.Fatalf("thumbnail %q", got)
	}
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 0 {
		t.Errorf("tmp/ holds %q after SaveThumb", got)
	}
	// Made again (two requests raced): the newer replaces it whole.
	if err := s.SaveThumb(id, []byte("again")); err != nil {
		t.Fatal(err)
	}
	if got := readThumb(t, s, id); !bytes.Equal(got, []byte("again")) {
		t.Fatalf("thumbnail %q", got)
	}
	if err := s.Remove(id); err != nil {
		t.Fatal(err)
	}
	if exists(filepath.Join(dir, thumbsDir, id)) || exists(filepath.Join(dir, blobsDir, id)) {
		t.Fatal("Remove left the blob or its thumbnail")
	}
	// A thumbnail finished after its blob was removed does not stay.
	if err := s.SaveThumb(id, []byte("late")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("SaveThumb of a removed blob: %v, want ErrNotExist", err)
	}
	if got := names(t, filepath.Join(dir, thumbsDir)); len(got) != 0 {
		t.Errorf("thumbs/ holds %q", got)
	}
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 0 {
		t.Errorf("tmp/ holds %q", got)
	}
	for _, bad := range []string{"", "../blobs/" + id, "ABCDEF0123456789ABCDEF0123456789"} {
		if err := s.SaveThumb(bad, []byte("x")); !errors.Is(err, errBadID) {
			t.Errorf("SaveThumb(%q) = %v, want errBadID", bad, err)
		}
		if _, _, err := s.OpenThumb(bad); !errors.Is(err, errBadID) {
			t.Errorf("OpenThumb(%q) = %v, want errBadID", bad, err)
		}
	}
}

func TestSweepThumbs(t *testing.T) {
	s, dir := open(t)
	keep := upload(t, s, []byte("kept"))
	drop := upload(t, s, []byte("dropped"))
	for _, id := range []string{keep, drop} {
		if err := s.SaveThumb(id, []byte("t")); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Sweep(func(id string) bool { return id == keep })
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 (a blob and its thumbnail)", n, err)
	}
	if got := names(t, filepath.Join(dir, thumbsDir)); len(got) != 1 || got[0] != keep {
		t.Fatalf("thumbs/ holds %q, want only %s", got, keep)
	}
}
