package client

import (
	"os"
	"path/filepath"
	"testing"
)

// A name sent by a hostile server never leads a download outside the
// folder it is saved in, nor makes a hidden file.
func TestFileSinkHostileNames(t *testing.T) {
	for name, want := range map[string]string{
		"../../etc/passwd": "passwd",
		"..":               "file",
		".bashrc":          "bashrc",
		"a/b\\c.png":       "c.png",
	} {
		dir := t.TempDir()
		fs, err := newFileSink(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		fs.Write([]byte("x"))
		ev, err := fs.finish(&request{})
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		got := ev.(DownloadDone).Path
		if got != filepath.Join(dir, want) {
			t.Errorf("%q saved as %q, want %q", name, got, filepath.Join(dir, want))
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%q: folder holds %d entries", name, len(entries))
		}
	}
}
