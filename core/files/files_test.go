package files

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// open opens a store in a fresh data folder and returns it with the path of
// its files folder, for tests that look at or plant files behind its back.
func open(t *testing.T) (*Store, string) {
	t.Helper()
	data := t.TempDir()
	s, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, filepath.Join(data, dirName)
}

// upload stores data as a blob and returns its id.
func upload(t *testing.T, s *Store, data []byte) string {
	t.Helper()
	u, err := s.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	id, err := u.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestOpenCreatesFolders(t *testing.T) {
	data := filepath.Join(t.TempDir(), "new", "data")
	s, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, d := range []string{blobsDir, tmpDir} {
		if fi, err := os.Stat(filepath.Join(data, dirName, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}
	// Reopening an existing layout works.
	s, err = Open(data)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestRoundTrip(t *testing.T) {
	s, dir := open(t)
	data := make([]byte, 5<<20+123)
	rand.Read(data)

	u, err := s.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	// Chunks of a FILE line's raw size, as the hub will write them.
	for rest := data; len(rest) > 0; {
		n := min(2880, len(rest))
		if w, err := u.Write(rest[:n]); w != n || err != nil {
			t.Fatalf("Write = %d, %v", w, err)
		}
		rest = rest[n:]
	}
	if u.Size() != int64(len(data)) {
		t.Fatalf("Size = %d, want %d", u.Size(), len(data))
	}
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 1 || !idPattern.MatchString(got[0]) {
		t.Fatalf("tmp/ holds %q during the upload, want one random name", got)
	}
	id, err := u.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if !idPattern.MatchString(id) {
		t.Fatalf("id %q is not 32 lowercase hex characters", id)
	}
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 0 {
		t.Errorf("tmp/ holds %q after Finish", got)
	}

	f, size, err := s.OpenBlob(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if size != int64(len(data)) {
		t.Errorf("OpenBlob size = %d, want %d", size, len(data))
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Error("blob content differs from what was written")
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("blob opened for writing")
	}

	// An empty upload is a valid, empty blob.
	id = upload(t, s, nil)
	if f, size, err := s.OpenBlob(id); err != nil || size != 0 {
		t.Errorf("empty blob: size %d, %v", size, err)
	} else {
		f.Close()
	}
}

func TestAbort(t *testing.T) {
	s, dir := open(t)
	u, err := s.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("half a file"))
	u.Abort()
	u.Abort() // twice is fine
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 0 {
		t.Errorf("tmp/ holds %q after Abort", got)
	}
	if got := names(t, filepath.Join(dir, blobsDir)); len(got) != 0 {
		t.Errorf("blobs/ holds %q after Abort", got)
	}
	if _, err := u.Write([]byte("more")); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if _, err := u.Finish(); err == nil {
		t.Error("Finish after Abort succeeded")
	}

	// Abort after Finish leaves the blob alone: callers may defer it.
	u, err = s.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("kept"))
	id, err := u.Finish()
	if err != nil {
		t.Fatal(err)
	}
	u.Abort()
	if _, err := u.Finish(); err == nil {
		t.Error("second Finish succeeded")
	}
	f, size, err := s.OpenBlob(id)
	if err != nil || size != 4 {
		t.Fatalf("blob after Abort: size %d, %v", size, err)
	}
	f.Close()
}

func TestDistinctIDs(t *testing.T) {
	s, _ := open(t)
	seen := map[string]bool{}
	for range 50 {
		id := upload(t, s, []byte("same bytes"))
		if seen[id] {
			t.Fatalf("id %s given twice", id)
		}
		seen[id] = true
	}
}

var badIDs = []string{
	"", "../x", "a/b", ".", "..", "x",
	"../../../../../../../../etc/passwd",
	strings.Repeat("a", 31), strings.Repeat("a", 33),
	strings.Repeat("A", 32), "0123456789ABCDEF0123456789abcdef",
	"0123456789abcdef0123456789abcdeg", "/123456789abcdef0123456789abcdef",
	"..3456789abcdef0123456789abcdef0", "../23456789abcdef0123456789abcde",
	"0123456789abcdef0123456789abcde\x00", " 123456789abcdef0123456789abcdef",
	"０123456789abcdef0123456789abcd", // a fullwidth digit: 32 bytes, not 32 hex chars
}

func TestBadIDs(t *testing.T) {
	s, dir := open(t)
	// Plant files where a bad id would lead if it reached the disk: each
	// must still be there after Remove, and none may be opened.
	victim := filepath.Join(dir, "x")
	os.WriteFile(victim, []byte("outside blobs/"), 0o600)
	for _, id := range badIDs {
		if utf8.ValidString(id) && !strings.ContainsAny(id, "/\x00") && id != "" && id != "." && id != ".." {
			os.WriteFile(filepath.Join(dir, blobsDir, id), []byte("planted"), 0o600)
		}
	}
	before := names(t, filepath.Join(dir, blobsDir))

	for _, id := range badIDs {
		if f, _, err := s.OpenBlob(id); !errors.Is(err, errBadID) {
			if f != nil {
				f.Close()
			}
			t.Errorf("OpenBlob(%q) = %v, want the invalid id error", id, err)
		}
		if err := s.Remove(id); !errors.Is(err, errBadID) {
			t.Errorf("Remove(%q) = %v, want the invalid id error", id, err)
		}
	}
	if after := names(t, filepath.Join(dir, blobsDir)); len(after) != len(before) {
		t.Errorf("blobs/ went from %q to %q", before, after)
	}
	if !exists(victim) {
		t.Error("Remove(\"../x\") removed files/x")
	}

	// The check comes before any disk access: with the folder closed, a bad
	// id still gets the id error, a good one the disk's.
	s.Close()
	for _, id := range badIDs {
		if _, _, err := s.OpenBlob(id); !errors.Is(err, errBadID) {
			t.Errorf("closed store: OpenBlob(%q) = %v, want the invalid id error", id, err)
		}
	}
	good := strings.Repeat("0", 32)
	if _, _, err := s.OpenBlob(good); err == nil || errors.Is(err, errBadID) {
		t.Errorf("closed store: OpenBlob(%q) = %v, want a disk error", good, err)
	}
}

func TestRemove(t *testing.T) {
	s, _ := open(t)
	id := upload(t, s, []byte("bye"))
	if err := s.Remove(id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenBlob(id); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenBlob after Remove = %v, want not exist", err)
	}
	if err := s.Remove(id); err != nil {
		t.Errorf("Remove of a missing blob = %v, want nil", err)
	}
}

func TestSweep(t *testing.T) {
	data := t.TempDir()
	s, err := Open(data)
	if err != nil {
		t.Fatal(err)
	}
	kept := upload(t, s, []byte("committed"))
	lost1 := upload(t, s, []byte("never committed"))
	lost2 := upload(t, s, []byte("never committed either"))
	u, err := s.NewUpload() // cut off by the "crash" below
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort() // only closes the file: Sweep removed it
	u.Write([]byte("partial"))
	s.Close()

	dir := filepath.Join(data, dirName)
	os.WriteFile(filepath.Join(dir, tmpDir, "leftover"), []byte("x"), 0o600)
	stranger := filepath.Join(dir, blobsDir, "README")
	os.WriteFile(stranger, []byte("not a blob"), 0o600)

	s, err = Open(data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var asked []string
	n, err := s.Sweep(func(id string) bool {
		asked = append(asked, id)
		return id == kept
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("Sweep removed %d files, want 4 (2 temp files, 2 blobs)", n)
	}
	if len(asked) != 3 {
		t.Errorf("keep asked about %q, want the 3 blobs", asked)
	}
	if got := names(t, filepath.Join(dir, tmpDir)); len(got) != 0 {
		t.Errorf("tmp/ holds %q after Sweep", got)
	}
	for _, id := range []string{lost1, lost2} {
		if exists(filepath.Join(dir, blobsDir, id)) {
			t.Errorf("unkept blob %s survived Sweep", id)
		}
	}
	f, _, err := s.OpenBlob(kept)
	if err != nil {
		t.Fatalf("kept blob: %v", err)
	}
	f.Close()
	if !exists(stranger) {
		t.Error("Sweep removed a file of blobs/ that is not a blob")
	}

	// A second sweep finds nothing.
	if n, err := s.Sweep(func(string) bool { return true }); n != 0 || err != nil {
		t.Errorf("second Sweep = %d, %v", n, err)
	}
}

func TestNoEscape(t *testing.T) {
	s, dir := open(t)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Join(dir, blobsDir), secret)
	if err != nil {
		t.Fatal(err)
	}
	abs := strings.Repeat("a", 32)
	relative := strings.Repeat("b", 32)
	dirID := strings.Repeat("c", 32)
	for id, target := range map[string]string{abs: secret, relative: rel} {
		if err := os.Symlink(target, filepath.Join(dir, blobsDir, id)); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, blobsDir, dirID), 0o700)

	for _, id := range []string{abs, relative, dirID} {
		if f, _, err := s.OpenBlob(id); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("OpenBlob(%s) opened a planted link or folder; read %q", id, b)
		}
	}
	// Removing the link removes the link, never its target.
	if err := s.Remove(abs); err != nil {
		t.Fatal(err)
	}
	if !exists(secret) {
		t.Error("Remove followed a symlink out of the root")
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"photo.png", "photo.png"},
		{"../../etc/passwd", "passwd"},
		{"a/b\\c.png", "c.png"},
		{`C:\Users\me\report.docx`, "report.docx"},
		{"dir/", "file"},
		{"/", "file"},
		{"..", "file"},
		{".", "file"},
		{"...hidden", "hidden"},
		{".bashrc", "bashrc"},
		{"-rf", "rf"},
		{".-.-x", "x"},
		{"", "file"},
		{"save.txt", "save-1.txt"},
		{"SAVE.TXT", "SAVE-1.TXT"},
		{"chat/save.txt", "save-1.txt"},
		{"save .txt", "save-1.txt"},
		{"save-1.txt", "save-1.txt"},
		{"save.txt.bak", "save.txt.bak"},
		{"my photo.png", "myphoto.png"},
		{"tab\there.txt", "tabhere.txt"},
		{"nul\x00byte\x01\x1f\x7f.bin", "nulbyte.bin"},
		{"line\r\nbreak", "linebreak"},
		{"photo😀.png", "photo.png"},
		{"😀", "file"},
		{"😀.png", "png"},
		{"x😀\ufe0f.png", "x.png"},                  // the emoji's variation selector goes with it
		{"\u0301start", "start"},                   // a mark with nothing to sit on
		{"invoice\u202egpj.exe", "invoicegpj.exe"}, // right-to-left override
		{"\u200fשלום.txt", "שלום.txt"},             // right-to-left mark
		{"zero\u200bwidth", "zerowidth"},
		{"résumé.pdf", "résumé.pdf"},
		{"re\u0301sume\u0301.pdf", "r\u00e9sum\u00e9.pdf"},   // decomposed accents, stored in NFC
		{"\u212bngstr\u00f6m.txt", "\u00c5ngstr\u00f6m.txt"}, // Angstrom sign: NFC makes it Å
		{"ｓａｖｅ.txt", "ｓａｖｅ-1.txt"},                           // fullwidth: its Key is save.txt
		{"ｓａｖｅ．ｔｘｔ", "ｓａｖｅｔｘｔ"},                              // the fullwidth full stop is dropped
		{"Save.Txt", "Save-1.Txt"},
		{"save.txt\ufe0f", "save.txt\ufe0f-1"}, // an invisible variation selector on the t
		{"sa\u034fve.txt", "sa\u034fve-1.txt"}, // combining grapheme joiner
		{"\u0455ave.txt", "\u0455ave.txt"},     // Cyrillic ѕ: a name of its own (see Key)
		{"ｐｈｏｔｏ.png", "ｐｈｏｔｏ.png"},
		{"हिंदी.txt", "हिंदी.txt"},
		{"日本語ファイル.txt", "日本語ファイル.txt"},
		{"Ελληνικά_файл-١٢٣.txt", "Ελληνικά_файл-١٢٣.txt"},
		{"file (1).pdf", "file(1).pdf"},
		{"a+b,c=d@e_f-g.h", "a+b,c=d@e_f-g.h"},
		{`a:b*c?d"e<f>g|h.txt`, "abcdefgh.txt"},
		{"#%&;!$'`~[]{}^.txt", "txt"},
		{"a／b∕c.png", "abc.png"}, // slash look-alikes
		{"%2e%2e%2fetc", "2e2e2fetc"},
		{"bad\xff\xfeutf8.txt", "badutf8.txt"},
		{"\ufffd.txt", "txt"},
	}
	for _, tt := range tests {
		if got := SafeName(tt.in); got != tt.want {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestUniqueNameByKey numbers names the way the hub does: a name is taken
// when a name with the same Key is.
func TestUniqueNameByKey(t *testing.T) {
	tests := []struct {
		name  string
		taken []string
		want  string
	}{
		{"PHOTO.PNG", []string{"photo.png"}, "PHOTO-2.PNG"},
		{"ｐｈｏｔｏ.png", []string{"photo.png"}, "ｐｈｏｔｏ-2.png"},
		{"photo.png", []string{"Photo.png", "PHOTO-2.png"}, "photo-3.png"},
		{"photo\ufe0f.png", []string{"photo.png"}, "photo\ufe0f-2.png"},
		{"Jose\u0301.txt", []string{"jos\u00e9.txt"}, "Jose\u0301-2.txt"},
		{"SAVE-1.TXT", []string{"save-1.txt"}, "SAVE-1-2.TXT"},
		{"\u0455ave.txt", []string{"save.txt"}, "\u0455ave.txt"}, // a Cyrillic ѕ is another letter
	}
	for _, tt := range tests {
		keys := map[string]bool{}
		for _, n := range tt.taken {
			keys[Key(n)] = true
		}
		got := UniqueName(tt.name, func(n string) bool { return keys[Key(n)] })
		if got != tt.want {
			t.Errorf("UniqueName(%q) with %q taken = %q, want %q", tt.name, tt.taken, got, tt.want)
		}
	}
}

func TestKey(t *testing.T) {
	same := [][2]string{
		{"photo.png", "PHOTO.PNG"},
		{"photo.png", "ｐｈｏｔｏ.ｐｎｇ"},
		{"r\u00e9sum\u00e9.pdf", "re\u0301sume\u0301.PDF"},
		{"save.txt", "ＳＡＶＥ.txt"},
		{"straße.txt", "STRASSE.TXT"},
	}
	for _, p := range same {
		if Key(p[0]) != Key(p[1]) {
			t.Errorf("Key(%q) = %q, Key(%q) = %q, want equal", p[0], Key(p[0]), p[1], Key(p[1]))
		}
	}
	for _, p := range [][2]string{{"photo.png", "photo-2.png"}, {"save.txt", "\u0455ave.txt"}, {"a.png", "b.png"}} {
		if Key(p[0]) == Key(p[1]) {
			t.Errorf("Key(%q) = Key(%q) = %q, want different", p[0], p[1], Key(p[0]))
		}
	}
}

func TestSafeNameLong(t *testing.T) {
	tests := []struct{ in, suffix string }{
		{strings.Repeat("a", 296) + ".png", ".png"},
		{strings.Repeat("é", 148) + ".png", ".png"}, // 2-byte characters
		{strings.Repeat("日", 99) + ".png", ".png"},  // 3-byte characters
		{strings.Repeat("𝒜", 74) + ".png", ".png"},  // 4-byte characters
		{strings.Repeat("日", 98) + ".tar.gz", ".tar.gz"},
		{strings.Repeat("a", 300), ""},
		{"x." + strings.Repeat("a", 298), ""}, // too long to be an extension
	}
	for _, tt := range tests {
		if len(tt.in) < 300 {
			t.Fatalf("test name of %d bytes, want at least 300", len(tt.in))
		}
		got := SafeName(tt.in)
		if len(got) > maxName || len(got) < maxName-3 || !utf8.ValidString(got) || !strings.HasSuffix(got, tt.suffix) {
			t.Errorf("SafeName(%d bytes %.20q...) = %d bytes %q: want at most 64 bytes (and few less) of UTF-8 ending in %q",
				len(tt.in), tt.in, len(got), got, tt.suffix)
		}
		if !strings.HasPrefix(tt.in, strings.TrimSuffix(got, tt.suffix)) {
			t.Errorf("SafeName(%.20q...) = %q, not a cut of the name", tt.in, got)
		}
	}
}

func TestUniqueName(t *testing.T) {
	tests := []struct {
		name  string
		taken []string
		want  string
	}{
		{"photo.png", nil, "photo.png"},
		{"photo.png", []string{"photo.png"}, "photo-2.png"},
		{"photo.png", []string{"photo.png", "photo-2.png"}, "photo-3.png"},
		{"photo.png", []string{"photo.png", "photo-3.png"}, "photo-2.png"},
		{"photo.png", []string{"Photo.png"}, "photo.png"}, // taken decides what clashes
		{"ｓａｖｅ.txt", nil, "ｓａｖｅ-2.txt"},                   // the Key of save.txt is never free
		{"SAVE.ＴＸＴ", nil, "SAVE.ＴＸＴ-2"},
		{"archive.tar.gz", []string{"archive.tar.gz"}, "archive-2.tar.gz"},
		{"archive.TAR.GZ", []string{"archive.TAR.GZ"}, "archive-2.TAR.GZ"},
		{"app.min.js", []string{"app.min.js"}, "app.min-2.js"},
		{"v1.2.3.zip", []string{"v1.2.3.zip"}, "v1.2.3-2.zip"},
		{"Report.Final.pdf", []string{"Report.Final.pdf"}, "Report.Final-2.pdf"},
		{"v1.2", []string{"v1.2"}, "v1.2-2"},
		{"notes", []string{"notes"}, "notes-2"},
		{"notes.", []string{"notes."}, "notes.-2"},
		{"tar.gz", []string{"tar.gz"}, "tar-2.gz"},
		{".profile", []string{".profile"}, ".profile-2"},
		{"save.txt", nil, "save-2.txt"},
		{"Save.Txt", nil, "Save-2.Txt"},
		{"save-1.txt", []string{"save-1.txt"}, "save-1-2.txt"},
		{"README", []string{"README", "README-2", "README-3", "README-4", "README-5",
			"README-6", "README-7", "README-8", "README-9"}, "README-10"},
		{strings.Repeat("a", 60) + ".png", []string{strings.Repeat("a", 60) + ".png"},
			strings.Repeat("a", 58) + "-2.png"},
		{strings.Repeat("é", 30) + ".png", []string{strings.Repeat("é", 30) + ".png"},
			strings.Repeat("é", 29) + "-2.png"}, // cut on a character boundary
		{strings.Repeat("a", 64), []string{strings.Repeat("a", 64)}, strings.Repeat("a", 62) + "-2"},
	}
	for _, tt := range tests {
		set := map[string]bool{}
		for _, n := range tt.taken {
			set[n] = true
		}
		got := UniqueName(tt.name, func(n string) bool { return set[n] })
		if got != tt.want {
			t.Errorf("UniqueName(%q, %q) = %q, want %q", tt.name, tt.taken, got, tt.want)
		}
		if len(got) > maxName {
			t.Errorf("UniqueName(%q) = %d bytes", tt.name, len(got))
		}
	}
}

// A spool reads back what was written to it and leaves nothing in the
// store's folders, even while it is open.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f, err := s.NewSpool()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("history"); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(filepath.Join(dir, "files", "tmp"))
	if err != nil || len(left) != 0 {
		t.Fatalf("tmp/ holds %v (%v) while a spool is open, want nothing", left, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(f); err != nil || string(got) != "history" {
		t.Fatalf("read back %q, %v", got, err)
	}
}
