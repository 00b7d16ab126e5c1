package browsertest_test

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/salon-chat/salon/client"
)

// -screenshots names the folder where the chat scenario writes its
// screenshots for the docs (make screenshots: docs/img); by default they
// go to a temporary folder, checked and thrown away, so that make test
// leaves the work tree as it was.
var screenshots = flag.String("screenshots", "", "folder for web-desktop.png and web-phone.png (default: a temporary one)")

// Two people, each in a browser context of their own, register, become
// friends, make a server, chat in it, reply, react and edit, each seeing
// the other's doing; then the main view is photographed at desktop and
// phone sizes.
func TestTwoBrowserUsersChat(t *testing.T) {
	s := startSalond(t)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if dir, _ = filepath.Abs(dir); dir == "" {
		t.Fatal("bad -screenshots folder")
	}
	sc := runScript(t, "chat", map[string]string{"SALON_URL": s.URL(), "SALON_SCREENSHOTS": dir})
	for _, step := range []string{"registered", "friends", "server", "chatted", "replied", "reacted", "edited", "screenshots"} {
		sc.expect(step)
	}
	sc.finish()
	checkScreenshot(t, filepath.Join(dir, "web-desktop.png"), 1280, 800)
	checkScreenshot(t, filepath.Join(dir, "web-phone.png"), 390, 844)
}

// checkScreenshot checks that file is a PNG of w x h pixels that shows
// something: a blank or single-coloured page has only a few colours.
func checkScreenshot(t *testing.T, file string, w, h int) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", file, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Fatalf("screenshot %s is %dx%d, want %dx%d", file, b.Dx(), b.Dy(), w, h)
	}
	colours := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}] = true
		}
	}
	if len(colours) < 32 {
		t.Fatalf("screenshot %s has %d colours: the page looks empty", file, len(colours))
	}
}

// An image one user sends to a channel appears inline for the other: its
// preview is loaded (the browser decoded it) from /files with ?thumb=1.
func TestImageAppearsInline(t *testing.T) {
	s := startSalond(t)
	pic := filepath.Join(t.TempDir(), "sunset.png")
	writePNG(t, pic, 800, 600)
	sc := runScript(t, "image", map[string]string{"SALON_URL": s.URL(), "SALON_IMAGE": pic})
	sc.expect("uploaded")
	sc.expect("inline")
	sc.expect("second tab")
	sc.finish()
}

// writePNG draws a w x h gradient, a picture that is not one colour.
func writePNG(t *testing.T, file string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 160, 255})
		}
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// A voice message recorded from Chromium's fake microphone reaches the
// other user, shows its duration and plays.
func TestVoiceMessage(t *testing.T) {
	s := startSalond(t)
	sc := runScript(t, "voice", map[string]string{"SALON_URL": s.URL()})
	sc.expect("recorded")
	sc.expect("received")
	sc.expect("played")
	sc.finish()
}

// A user of the terminal client's library and a browser user become
// friends and write to each other, each reading the other.
func TestTerminalAndBrowserUsersChat(t *testing.T) {
	s := startSalond(t)
	carol := newTerminalUser(t, s.Addr, "carol")
	sc := runScript(t, "terminal", map[string]string{"SALON_URL": s.URL()})
	sc.expect("registered")
	dave := carol.who("dave")
	carol.send(fmt.Sprintf("INV 0 %d", dave))
	sc.expect("accepted")
	carol.wait("dave's acceptance", func(e client.Event) bool {
		j, ok := e.(client.Join)
		return ok && j.User == dave
	})
	carol.send(fmt.Sprintf("MSG 0 %d hello dave, from the terminal", dave))
	sc.expect("read")
	carol.message(dave, "hello carol, from the browser")
	sc.finish()
}

// The page reconnects by itself after salond restarts on the same ports
// and data folder: it says it is reconnecting while the server is down,
// then is back, with the message another user sent meanwhile, and the
// message typed while the server was down reaches that user.
func TestPageReconnectsAfterRestart(t *testing.T) {
	s := startSalond(t)
	bob := newTerminalUser(t, s.Addr, "bob")
	sc := runScript(t, "reconnect", map[string]string{"SALON_URL": s.URL()})
	sc.expect("registered")
	alice := bob.who("alice")
	bob.send(fmt.Sprintf("INV 0 %d", alice))
	sc.expect("accepted")
	bob.wait("alice's acceptance", func(e client.Event) bool {
		j, ok := e.(client.Join)
		return ok && j.User == alice
	})
	bob.send(fmt.Sprintf("MSG 0 %d before the restart", alice))
	sc.expect("chatting")

	s.stop()
	sc.tell("stopped")
	sc.expect("reconnecting")
	s.start()
	// The library reconnects by itself too; bob writes as soon as it is
	// back, most likely before the page's next try.
	bob.wait("bob's new login", func(e client.Event) bool {
		l, ok := e.(client.LoggedIn)
		return ok && l.Reconnected
	})
	bob.wait("bob's new login burst", func(e client.Event) bool { _, ok := e.(client.Ready); return ok })
	bob.send(fmt.Sprintf("MSG 0 %d sent while the page was away", alice))
	bob.message(0, "sent while the page was away") // its acknowledgement: stored
	sc.tell("restarted")
	sc.expect("back")
	bob.message(alice, "typed while the server was down")
	sc.finish()
}
