package server_test

// End-to-end tests of look-alike names (issue 13, item 11), over TCP
// against a real server: a pseudo and its NFD, case and width variants are
// one account, a pseudo that mixes scripts is refused, the file names of a
// conversation are unique without regard to case, width and normal form,
// and no variant of save.txt passes for the history. Each case was
// reproduced on the wire before the fix and fails without it.

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

const nmPassword = "correct-horse"

// nmRegister creates pseudo on a new connection and returns the client, its
// tag and the pseudo as the server shows it in ADD.
func nmRegister(t *testing.T, addr, pseudo string) (*servertest.Client, int64, string) {
	t.Helper()
	c := servertest.Dial(t, addr)
	c.Name = pseudo
	c.Send("NEW USR " + pseudo + " " + nmPassword)
	var tag int64
	if _, err := fmt.Sscanf(c.ExpectPrefix("TAG 0 "), "TAG 0 %d", &tag); err != nil {
		t.Fatalf("%q: bad TAG line: %v", pseudo, err)
	}
	prefix := fmt.Sprintf("ADD ON 0 %d ", tag)
	shown := strings.TrimPrefix(c.ExpectPrefix(prefix), prefix)
	c.Expect(fmt.Sprintf("GRP 0 %d", tag))
	return c, tag, shown
}

// nmLogin logs in as pseudo on a new connection and returns the tag of the
// account it reached.
func nmLogin(t *testing.T, addr, pseudo string) int64 {
	t.Helper()
	c := servertest.Dial(t, addr)
	c.Name = pseudo
	c.Send("IAM " + pseudo + " " + nmPassword)
	burst := c.Sync()
	var tag int64
	if len(burst) == 0 {
		t.Fatalf("IAM %q: no answer", pseudo)
	}
	if _, err := fmt.Sscanf(burst[0], "TAG 0 %d", &tag); err != nil {
		t.Fatalf("IAM %q: got %q, want TAG 0 <tag>", pseudo, burst)
	}
	c.Close()
	return tag
}

// nmRefused sends NEW USR pseudo on a new connection and checks the exact
// ERR, then that the connection is still not logged in.
func nmRefused(t *testing.T, addr, pseudo, want string) {
	t.Helper()
	c := servertest.Dial(t, addr)
	c.Name = pseudo
	c.Send("NEW USR " + pseudo + " " + nmPassword)
	c.Expect(want)
	c.Send("MSG 0 1 hello")
	c.Expect("ERR MSG not logged in")
	c.Close()
}

func TestNamesPseudoNormalForms(t *testing.T) {
	in := servertest.Start(t, nil)
	const nfc, nfd = "Jos\u00e9", "Jose\u0301"

	// The account takes the NFC form whichever form it was typed in.
	jose, tag, shown := nmRegister(t, in.Addr, nfd)
	if shown != nfc {
		t.Fatalf("NEW USR %q: ADD shows %q, want the NFC form %q", nfd, shown, nfc)
	}
	jose.Send("WHO " + nfd)
	jose.Expect(fmt.Sprintf("ADD ON 0 %d %s", tag, nfc))
	jose.Send("WHO " + nfc)
	jose.Expect(fmt.Sprintf("ADD ON 0 %d %s", tag, nfc))

	// Every form that reads the same is the same pseudo.
	for _, p := range []string{nfc, nfd, "JOS\u00c9", "JOSE\u0301", "ｊｏｓé"} {
		nmRefused(t, in.Addr, p, "ERR NEW pseudo already taken")
	}
	// IAM with either form logs in to that one account.
	for _, p := range []string{nfc, nfd, "jos\u00e9", "ＪＯＳＥ\u0301"} {
		if got := nmLogin(t, in.Addr, p); got != tag {
			t.Errorf("IAM %q reached account %d, want %d", p, got, tag)
		}
	}

	// Renaming to another form of one's own pseudo is allowed and stores
	// NFC; a form of someone else's is taken.
	bob, _, _ := nmRegister(t, in.Addr, "bob")
	jose.Send("PSD JOSE\u0301 " + nmPassword)
	jose.Expect(fmt.Sprintf("RENAME JOS\u00c9 0 %d", tag))
	bob.Send("PSD ｊｏｓé " + nmPassword)
	bob.Expect("ERR PSD pseudo already taken")
	bob.Send("WHO jos\u00e9")
	bob.Expect(fmt.Sprintf("ADD ON 0 %d JOS\u00c9", tag))
}

func TestNamesPseudoScripts(t *testing.T) {
	in := servertest.Start(t, nil)
	alice, aliceTag, _ := nmRegister(t, in.Addr, "alice")

	// A Cyrillic а beside "alice" (and the other look-alikes of Latin
	// letters) is refused, with the scripts in the reason.
	nmRefused(t, in.Addr, "\u0430lice", "ERR NEW pseudo mixes scripts: Cyrillic and Latin")
	nmRefused(t, in.Addr, "alic\u0435", "ERR NEW pseudo mixes scripts: Latin and Cyrillic")
	nmRefused(t, in.Addr, "\u03bflivia", "ERR NEW pseudo mixes scripts: Greek and Latin")
	nmRefused(t, in.Addr, "bob\ufe0f", "ERR NEW pseudo holds an invisible character (U+FE0F)")
	// Fullwidth letters are the same letters.
	nmRefused(t, in.Addr, "ＡＬＩＣＥ", "ERR NEW pseudo already taken")
	alice.Send("WHO \u0430lice")
	alice.Expect("ERR WHO no such user")

	// One script, and the mixes real names use, are welcome.
	for _, p := range []string{"Иван", "Ψυχή", "山田Taro", "やまだ太郎", "김철수kim", "王小明ㄅ", "Zoë_42"} {
		c, _, shown := nmRegister(t, in.Addr, p)
		if shown != p {
			t.Errorf("NEW USR %q: ADD shows %q", p, shown)
		}
		c.Close()
	}

	// PSD refuses the same way, before looking at the password.
	alice.Send("PSD \u0430lice " + nmPassword)
	alice.Expect("ERR PSD pseudo mixes scripts: Cyrillic and Latin")
	alice.Send("PSD \u0430lice wrong-password")
	alice.Expect("ERR PSD pseudo mixes scripts: Cyrillic and Latin")
	alice.Send("WHO alice")
	alice.Expect(fmt.Sprintf("ADD ON 0 %d alice", aliceTag))
}

func TestNamesFilesFolded(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	w, in := flStart(t, cfg)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	w.admit(alice, bob, s, 0)
	addr := flChan(s, 0)

	cases := []struct{ tmp, want string }{
		{"photo.png", "photo.png"},
		{"PHOTO.PNG", "PHOTO-2.PNG"},
		{"ｐｈｏｔｏ.png", "ｐｈｏｔｏ-3.png"},
		{"Photo\ufe0f.png", "Photo\ufe0f-4.png"},
		{"photo-2.png", "photo-2-2.png"}, // PHOTO-2.PNG holds its key
		{"cafe\u0301.txt", "caf\u00e9.txt"},
		{"CAF\u00c9.TXT", "CAF\u00c9-2.TXT"},
		{"Straße.md", "Straße.md"},
		{"STRASSE.MD", "STRASSE-2.MD"},
	}
	contents := map[string][]byte{}
	for i, tc := range cases {
		data := []byte(fmt.Sprintf("upload %d: %q", i, tc.tmp))
		name := flUpload(t, alice, addr, tc.tmp, data)
		if name != tc.want {
			t.Errorf("tmp name %q became %q, want %q", tc.tmp, name, tc.want)
		}
		bob.Expect(fmt.Sprintf("FILESENT 0 %d %s %s", alice.tag, addr, name))
		contents[name] = data
	}
	if t.Failed() {
		t.FailNow()
	}
	// GET finds each file by its exact name, and only by it.
	for name, data := range contents {
		flSame(t, name, flGet(t, bob.Client, addr, name), data)
	}
	for _, n := range []string{"Photo.png", "ＰＨＯＴＯ-2.PNG", "cafe\u0301.txt"} {
		if got := flReject(t, bob.Client, "GET", "GET "+addr+" "+n); got != "ERR GET no such file" {
			t.Errorf("GET %q: got %q, want ERR GET no such file", n, got)
		}
	}

	// The keys are rebuilt from the database at start-up.
	in.Stop()
	w, _ = flStart(t, cfg)
	alice = w.login("alice", alice.tag)
	if name := flUpload(t, alice, addr, "pHoTo.PnG", []byte("after the restart")); name != "pHoTo-5.PnG" {
		t.Errorf("pHoTo.PnG after a restart became %q, want pHoTo-5.PnG", name)
	}
	flSame(t, "photo.png after the restart", flGet(t, alice.Client, addr, "photo.png"), contents["photo.png"])
}

func TestNamesSaveTxtVariants(t *testing.T) {
	w, _ := flStart(t, nil)
	alice := w.user("alice")
	bob := w.user("bob")
	s := w.server(alice, "club")
	w.admit(alice, bob, s, 0)
	addr := flChan(s, 0)
	w.do(alice, "MSG "+addr+" the real history")

	cases := []struct{ tmp, want string }{
		{"ｓａｖｅ.txt", "ｓａｖｅ-1.txt"},
		{"SAVE.TXT", "SAVE-1-2.TXT"}, // "-1" of ｓａｖｅ.txt holds save-1.txt's key
		{"ＳＡＶＥ.ＴＸＴ", "ＳＡＶＥ.ＴＸＴ-1"},
		{"save.txt\ufe0f", "save.txt\ufe0f-1-2"}, // ＳＡＶＥ.ＴＸＴ-1 holds save.txt-1's key
		{"sa\u034fve.txt", "sa\u034fve-1-3.txt"},
		// A Cyrillic ѕ is another letter: the file keeps its name, and
		// GET save.txt is still the history (see files.Key).
		{"\u0455ave.txt", "\u0455ave.txt"},
	}
	want := []string{"the real history"}
	for _, tc := range cases {
		name := flUpload(t, alice, addr, tc.tmp, []byte("not the history"))
		if name != tc.want {
			t.Errorf("tmp name %q became %q, want %q", tc.tmp, name, tc.want)
		}
		bob.Expect(fmt.Sprintf("FILESENT 0 %d %s %s", alice.tag, addr, name))
		want = append(want, "* "+name)
	}
	if t.Failed() {
		t.FailNow()
	}

	// Both ways of asking for the history get the history, with every
	// upload in it as a file.
	for _, get := range []string{"GET " + addr, "GET " + addr + " save.txt"} {
		bob.Send(get)
		data := flRead(t, bob.Client, addr, "save.txt")
		_, entries, err := history.Parse(data)
		if err != nil {
			t.Fatalf("%s: not a history: %v\n%s", get, err, data)
		}
		var got []string
		for _, e := range entries {
			if e.File != "" {
				got = append(got, "* "+e.File)
			} else {
				got = append(got, e.Text)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: history %q, want %q", get, got, want)
		}
	}
	// The variants of save.txt name no file.
	for _, n := range []string{"SAVE.TXT", "ｓａｖｅ.txt"} {
		if got := flReject(t, bob.Client, "GET", "GET "+addr+" "+n); got != "ERR GET no such file" {
			t.Errorf("GET %q: got %q, want ERR GET no such file", n, got)
		}
	}
}

// TestNamesFilesFromOldDatabase starts on a database written before file
// names were folded, where photo.png and PHOTO.PNG are two files of one
// conversation: both stay reachable by their exact names, and a new upload
// is numbered past both.
func TestNamesFilesFromOldDatabase(t *testing.T) {
	cfg := servertest.Config(t.TempDir())
	w, in := flStart(t, cfg)
	alice := w.user("alice")
	s := w.server(alice, "club")
	addr := flChan(s, 0)
	first, second := []byte("the first photo"), []byte("the second photo")
	if name := flUpload(t, alice, addr, "photo.png", first); name != "photo.png" {
		t.Fatalf("photo.png became %q", name)
	}
	if name := flUpload(t, alice, addr, "other.png", second); name != "other.png" {
		t.Fatalf("other.png became %q", name)
	}
	in.Stop()

	// What an older salond could have stored: the second upload named
	// PHOTO.PNG, in its row and in its history entry.
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(cfg.DataDir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE files SET name = 'PHOTO.PNG' WHERE name = 'other.png'",
		"UPDATE messages SET body = 'PHOTO.PNG' WHERE body = 'other.png'",
	} {
		res, err := db.Exec(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			t.Fatalf("%s: %d rows (%v), want 1", q, n, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	w, _ = flStart(t, cfg)
	alice = w.login("alice", alice.tag)
	flSame(t, "photo.png", flGet(t, alice.Client, addr, "photo.png"), first)
	flSame(t, "PHOTO.PNG", flGet(t, alice.Client, addr, "PHOTO.PNG"), second)
	if name := flUpload(t, alice, addr, "Photo.png", []byte("a third")); name != "Photo-2.png" {
		t.Errorf("Photo.png beside photo.png and PHOTO.PNG became %q, want Photo-2.png", name)
	}
	_, entries := flHistory(t, alice.Client, addr)
	var got []string
	for _, e := range entries {
		got = append(got, e.File)
	}
	if want := "photo.png PHOTO.PNG Photo-2.png"; strings.Join(got, " ") != want {
		t.Errorf("history files %q, want %s", got, want)
	}
}

// TestNamesPseudosFromOldDatabase starts on a database written before
// pseudos were folded: "José" in NFC and in NFD (e + U+0301) are two
// accounts, and "Bob"'s key is the old lower-casing. At start-up the older
// José keeps its pseudo, the newer is renamed "José-2" (in NFC) and keeps
// its password, and every key is today's fold.
func TestNamesPseudosFromOldDatabase(t *testing.T) {
	dir := t.TempDir()
	in := servertest.Start(t, servertest.Config(dir))
	_, first := servertest.Register(t, in.Addr, "Jose1")
	_, second := servertest.Register(t, in.Addr, "Jose2")
	servertest.Register(t, in.Addr, "Bob")
	in.Stop()

	nfc, nfd := "Jos\u00e9", "Jose\u0301"
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE users SET pseudo = ?, pseudo_key = ? WHERE id = ?", []any{nfc, "jos\u00e9", first}},
		{"UPDATE users SET pseudo = ?, pseudo_key = ? WHERE id = ?", []any{nfd, "jose\u0301", second}},
		{"UPDATE users SET pseudo_key = 'bob-old-key' WHERE pseudo = 'Bob'", nil},
	} {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	db.Close()

	in = servertest.Start(t, servertest.Config(dir))
	probe, _ := servertest.Register(t, in.Addr, "probe")
	probe.Send("WHO "+nfd, "WHO "+nfd+"-2", "WHO BOB")
	probe.Expect(fmt.Sprintf("ADD OFF 0 %d %s", first, nfc), fmt.Sprintf("ADD OFF 0 %d %s-2", second, nfc), "ADD OFF 0 3 Bob")
	c := servertest.Dial(t, in.Addr)
	c.Send("IAM " + nfc + "-2 password-Jose2")
	c.Expect(fmt.Sprintf("TAG 0 %d", second))
	in.Stop()

	st := openStore(t, dir)
	snap, err := st.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range snap.Users {
		if u.PseudoKey != wire.FoldPseudo(u.Pseudo) {
			t.Errorf("user %d %q has the key %q, want %q", u.ID, u.Pseudo, u.PseudoKey, wire.FoldPseudo(u.Pseudo))
		}
	}
}
