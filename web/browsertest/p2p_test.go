package browsertest_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A file sent from alice's browser to bob's peer to peer (issue 17): bob
// accepts, his page's SHA-256 of what arrived is the file's, and nothing
// of it reached salond's data folder (no blob, no file holding its bytes);
// then an image, which bob's card previews, and a file that bob
// declines. Bob's view of the two cards is
// photographed (web-p2p.png, in -screenshots or a temporary folder).
func TestBrowserP2PFile(t *testing.T) {
	s := startSalond(t)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if dir, _ = filepath.Abs(dir); dir == "" {
		t.Fatal("bad -screenshots folder")
	}
	src := t.TempDir()
	data := make([]byte, 384*1024+123)
	rand.Read(data)
	file := filepath.Join(src, "random.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	file2 := filepath.Join(src, "notes.txt")
	if err := os.WriteFile(file2, []byte("not wanted\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pic := filepath.Join(src, "sunset.png")
	writePNG(t, pic, 320, 200)
	sum := sha256.Sum256(data)
	sc := runScript(t, "p2p", map[string]string{
		"SALON_URL": s.URL(), "SALON_SCREENSHOTS": dir,
		"SALON_FILE": file, "SALON_FILE2": file2, "SALON_IMAGE": pic, "SALON_SHA256": hex.EncodeToString(sum[:]),
	})
	for _, step := range []string{"registered", "received", "preview", "screenshot", "declined"} {
		sc.expect(step)
	}
	sc.finish()
	checkScreenshot(t, filepath.Join(dir, "web-p2p.png"), 1280, 800)

	// Nothing of the file on salond's side: no blob at all (nobody uploaded
	// anything), and no file anywhere in the data folder (the database and
	// its journal included) holding a piece of its bytes.
	pieces := [][]byte{data[:4096], data[len(data)/2 : len(data)/2+4096], data[len(data)-4096:]}
	err := filepath.WalkDir(s.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(s.dataDir, path)
		if d.IsDir() {
			return nil
		}
		if filepath.Dir(rel) == filepath.Join("files", "blobs") || filepath.Dir(rel) == filepath.Join("files", "tmp") {
			t.Errorf("salond's data folder has a blob after a peer-to-peer transfer: %s", rel)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, p := range pieces {
			if bytes.Contains(b, p) {
				t.Errorf("%s holds bytes of the file sent peer to peer", rel)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A peer-to-peer transfer that cannot connect (both pages drop the ICE
// candidates they are given): alice's card offers the ordinary upload 15 s
// after bob accepts, and taking it sends the file as an attachment.
func TestBrowserP2PFallback(t *testing.T) {
	s := startSalond(t)
	file := filepath.Join(t.TempDir(), "fallback.bin")
	data := make([]byte, 20000)
	rand.Read(data)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sc := runScript(t, "p2p_fallback", map[string]string{"SALON_URL": s.URL(), "SALON_FILE": file})
	for _, step := range []string{"registered", "unreachable", "uploaded"} {
		sc.expect(step)
	}
	sc.finish()
}
