package browsertest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// Two browser users make keys (alice's switch is disabled, saying why,
// until bob's key reaches her), switch their direct conversation to
// private and write both ways (each sees the lock and "signed by" the
// other), compare safety numbers, send a private image and search the
// private messages; bob reloads, and reads again once he has unlocked
// his key (a wrong passphrase refused). Then salond's database holds only
// ciphertext: no plaintext anywhere in its data folder, and `pgp:` texts
// in its messages table. Alice's view is photographed (web-private.png).
func TestBrowserPrivateMessages(t *testing.T) {
	s := startSalond(t)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if dir, _ = filepath.Abs(dir); dir == "" {
		t.Fatal("bad -screenshots folder")
	}
	img := filepath.Join(t.TempDir(), "holiday.png")
	writePNG(t, img, 160, 100)
	const secretA = "the treasure is buried under the old oak tree"
	const secretB = "understood lighthouse password is marmalade"
	sc := runScript(t, "private", map[string]string{
		"SALON_URL": s.URL(), "SALON_SCREENSHOTS": dir, "SALON_IMAGE": img,
		"SALON_SECRET_A": secretA, "SALON_SECRET_B": secretB,
	})
	for _, step := range []string{"friends", "no key", "keys", "private", "exchanged", "safety", "file", "searched", "unlocked", "screenshot"} {
		sc.expect(step)
	}
	sc.finish()
	checkScreenshot(t, filepath.Join(dir, "web-private.png"), 1280, 800)

	// Stopped, salond has checkpointed its journal: the database file holds everything.
	s.stop()
	noPlaintext(t, s.dataDir, secretA, secretB, "marmalade")
	bodies := directBodies(t, s.dataDir)
	private := 0
	for _, b := range bodies {
		if strings.HasPrefix(b, "pgp:") {
			private++
		}
	}
	if private < 2 {
		t.Errorf("%d pgp: messages among the direct messages %q, want at least 2", private, bodies)
	}
	files := 0
	for _, b := range bodies {
		if strings.Contains(b, ".pgp") {
			files++
		}
	}
	if files == 0 {
		t.Errorf("no private file (name.pgp) among the direct messages %q", bodies)
	}
}

// noPlaintext checks that no file under dataDir holds any of secrets.
func noPlaintext(t *testing.T, dataDir string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds the plaintext %q", path, secret)
			}
			return nil
		})
	}
}

// directBodies reads, from a stopped salond's database, the stored text of
// every direct message, oldest first.
func directBodies(t *testing.T, dataDir string) []string {
	t.Helper()
	db, err := gorm.Open(sqlite.Open("file:"+filepath.Join(dataDir, "salon.db")+"?mode=ro"), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := db.DB()
	defer conn.Close()
	var bodies []string
	if err := db.Raw("SELECT body FROM messages WHERE server_id = 0 ORDER BY id").Scan(&bodies).Error; err != nil {
		t.Fatal(err)
	}
	return bodies
}
