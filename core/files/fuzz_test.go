package files

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func FuzzSafeName(f *testing.F) {
	for _, s := range []string{
		"photo.png", "../../etc/passwd", "save.txt", "", "..", "a/b\\c.png",
		"ｓａｖｅ.txt", "\u0455ave.txt", "re\u0301sume\u0301.pdf", "save.txt\ufe0f", "PHOTO.PNG",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SafeName(in)
		checkName(t, "SafeName", in, got)
		// A safe name is a fixed point: the hub may sanitize twice.
		if again := SafeName(got); again != got {
			t.Errorf("SafeName(%q) = %q, but SafeName(%q) = %q", in, got, got, again)
		}

		// Numbering keeps every promise of SafeName, and gives a fixed
		// point too, whatever is taken.
		taken := map[string]bool{got: true, UniqueName(got, func(string) bool { return false }): true}
		u := UniqueName(got, func(n string) bool { return taken[n] })
		checkName(t, "UniqueName", got, u)
		if taken[u] {
			t.Errorf("UniqueName(%q) = %q, which is taken", got, u)
		}
		if again := SafeName(u); again != u {
			t.Errorf("UniqueName(%q) = %q, but SafeName of it is %q", got, u, again)
		}

		// Numbering by Key, as the hub does, gives a name whose Key is
		// free: the name and its upper case are taken.
		keys := map[string]bool{Key(got): true, Key(strings.ToUpper(got)): true}
		k := UniqueName(got, func(n string) bool { return keys[Key(n)] })
		checkName(t, "UniqueName", got, k)
		if keys[Key(k)] {
			t.Errorf("UniqueName(%q) by Key = %q, whose Key %q is taken", got, k, Key(k))
		}
	})
}

// checkName checks what SafeName promises of a name.
func checkName(t *testing.T, fn, in, got string) {
	t.Helper()
	bad := func(why string) {
		t.Errorf("%s(%q) = %q: %s", fn, in, got, why)
	}
	switch {
	case got == "":
		bad("empty")
	case len(got) > maxName:
		bad("longer than 64 bytes")
	case !utf8.ValidString(got):
		bad("not valid UTF-8")
	case got == "." || got == "..":
		bad("a directory name")
	case strings.HasPrefix(got, "."):
		bad("hidden")
	case reserved(got):
		bad("the reserved name")
	case !norm.NFC.IsNormalString(got):
		bad("not in NFC")
	}
	for _, r := range got {
		if r == '/' || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			bad("holds " + strconv.QuoteRune(r))
		}
	}
}
