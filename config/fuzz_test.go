package config

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that no file, however broken, makes Parse panic; that
// every error line carries the file name (and so a position an editor can
// jump to); and that whatever Parse accepts is within the documented ranges.
// Seeds live in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	if src, err := os.ReadFile("salon.hcl"); err == nil {
		f.Add(src)
	}
	const name = "fuzz.hcl"
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := Parse(src, name)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse returned both a config and an error: %v", err)
			}
			msg := err.Error()
			if msg == "" {
				t.Fatal("empty error message")
			}
			for line := range strings.SplitSeq(msg, "\n") {
				if !strings.HasPrefix(line, name+":") {
					t.Fatalf("error line %q does not start with %q", line, name+":")
				}
			}
			return
		}
		if c == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		check := func(ok bool, what string) {
			if !ok {
				t.Fatalf("accepted an invalid %s: %+v", what, c)
			}
		}
		check(c.File == name, "File")
		check(c.Listen != "" && checkListen(c.Listen) == nil, "listen")
		check(c.DataDir != "", "data_dir")
		check(slices.Contains([]string{"trace", "debug", "info", "warn", "error"}, c.Log.Level), "log.level")
		check(c.Log.Format == "text" || c.Log.Format == "json", "log.format")
		check(c.Passwords.Time >= 1 && c.Passwords.Time <= 16, "passwords.time")
		check(c.Passwords.MemoryKiB >= 64 && c.Passwords.MemoryKiB <= 4<<20, "passwords.memory_kib")
		check(c.Passwords.Threads >= 1 && c.Passwords.Threads <= 16, "passwords.threads")
		check(c.Passwords.MaxConcurrent >= 1 && c.Passwords.MaxConcurrent <= 256, "passwords.max_concurrent")
		check(c.Limits.SendQueueBytes >= 4096 && c.Limits.SendQueueBytes <= 1<<30, "limits.send_queue_bytes")
		check(c.Limits.PendingPerSession >= 1 && c.Limits.PendingPerSession <= 4096, "limits.pending_per_session")
		check(c.Limits.WriteTimeout >= time.Second, "limits.write_timeout")
		check(c.Limits.LoginTimeout >= time.Second, "limits.login_timeout")
		check(c.Storage.Sync == "full" || c.Storage.Sync == "normal", "storage.sync")
		check(c.Web.Listen == "" || checkListen(c.Web.Listen) == nil, "web.listen")
		check((c.TLS.Cert == "") == (c.TLS.Key == ""), "tls key pair")
		for _, o := range c.Web.AllowedOrigins {
			// Stored as the Origin header would say it: normalizing again changes nothing.
			norm, err := NormalizeOrigin(o)
			check(err == nil && norm == o, "web.allowed_origins")
		}
		for _, p := range c.Web.TrustedProxies {
			check(p.IsValid() && p == p.Masked() && !p.Addr().Is4In6() && p.Addr().Zone() == "", "web.trusted_proxies")
		}
		seen := map[string]bool{}
		for _, p := range c.Plugins {
			check(p.Name != "" && !seen[p.Name], "plugin name")
			seen[p.Name] = true
			check(p.Command != "", "plugin command")
			check(p.SHA256 == "" || len(p.SHA256) == 64, "plugin sha256")
			check(p.Body != nil, "plugin body")
			// The plugin will decode its body later; that must not panic either.
			p.Body.JustAttributes()
		}
	})
}
