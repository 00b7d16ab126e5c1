package browsertest_test

import (
	"path/filepath"
	"testing"
)

// Two browser users in a call in a channel: each receives the other's
// sound and camera through salond's forwarding unit (on loopback), one
// shares a screen and the other sees it; then bob's view is photographed
// (web-call.png, in -screenshots or a temporary folder); mutes, a
// moderator's mute, push to talk, and a direct call that rings, declined then answered.
func TestBrowserCall(t *testing.T) {
	s := startSalondWith(t, "calls {\n  udp = \"127.0.0.1:0\"\n  renew_after = 4\n}\n")
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if dir, _ = filepath.Abs(dir); dir == "" {
		t.Fatal("bad -screenshots folder")
	}
	sc := runScript(t, "call", map[string]string{"SALON_URL": s.URL(), "SALON_SCREENSHOTS": dir})
	for _, step := range []string{"registered", "joined", "media", "screen", "screenshot", "muted", "push to talk", "left", "renewed", "declined", "answered"} {
		sc.expect(step)
	}
	sc.finish()
	checkScreenshot(t, filepath.Join(dir, "web-call.png"), 1280, 800)
}
