package filehttp

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/wire"
)

const goodToken = "IIsqqGRhBTV7sST0RjonNNEHWaV3ni08xa30eQBAGDY"

var authTests = []struct {
	header string
	ok     bool
}{
	{"Salon " + goodToken, true},
	{"salon " + goodToken, true},
	{"SALON " + goodToken, true},
	{"", false},
	{"Salon", false},
	{"Salon ", false},
	{"Salon  " + goodToken, false},
	{"Salon " + goodToken + " ", false},
	{"Salon " + goodToken + "A", false},
	{"Salon " + goodToken[:42], false},
	{"Bearer " + goodToken, false},
	{"Salon\t" + goodToken, false},
	{"Salon " + strings.Replace(goodToken, "I", "+", 1), false}, // standard alphabet
	{"Salon " + goodToken[:42] + "Z", false},                    // stray bits in the last character
	{"Salon " + goodToken[:41] + "==", false},
}

func TestParseAuthorization(t *testing.T) {
	for _, tt := range authTests {
		token, ok := parseAuthorization(tt.header)
		if ok != tt.ok || (ok && token != goodToken) {
			t.Errorf("parseAuthorization(%q) = %q, %v; want ok %v", tt.header, token, ok, tt.ok)
		}
	}
}

var pathTests = []struct {
	path string
	addr wire.Addr
	name string
	ok   bool
}{
	{"/files/3/0/photo.png", wire.Addr{Server: 3}, "photo.png", true},
	{"/files/3/7/photo-2.png", wire.Addr{Server: 3, Channel: 7}, "photo-2.png", true},
	{"/files/0/15/dm.bin", wire.User(15), "dm.bin", true},
	{"/files/3/0/%C3%A9t%C3%A9.png", wire.Addr{Server: 3}, "été.png", true},
	{"/files/3/0/a+b(1),c=d@e.txt", wire.Addr{Server: 3}, "a+b(1),c=d@e.txt", true},
	{"/files/3/0/", wire.Addr{}, "", false},
	{"/files/3/0", wire.Addr{}, "", false},
	{"/files/3/0/a/b", wire.Addr{}, "", false},
	{"/files/3/0/a%2Fb", wire.Addr{}, "", false},
	{"/files/3/0/..%2F..%2Fsalon.db", wire.Addr{}, "", false},
	{"/files/3/0/a%5Cb", wire.Addr{}, "", false},
	{"/files/3/0/a%20b", wire.Addr{}, "", false},
	{"/files/3/0/a%00b", wire.Addr{}, "", false},
	{"/files/3/0/a%0Ab", wire.Addr{}, "", false},
	{"/files/3/0/%FF", wire.Addr{}, "", false},
	{"/files/3/0/%zz", wire.Addr{}, "", false},
	{"/files/0/0/x", wire.Addr{}, "", false},
	{"/files/03/0/x", wire.Addr{}, "", false},
	{"/files/-3/0/x", wire.Addr{}, "", false},
	{"/files/9223372036854775808/0/x", wire.Addr{}, "", false},
	{"/files//0/x", wire.Addr{}, "", false},
	{"/file/3/0/x", wire.Addr{}, "", false},
	{"files/3/0/x", wire.Addr{}, "", false},
	{"/files/3/0/" + strings.Repeat("a", maxNameBytes+1), wire.Addr{}, "", false},
}

func TestParseFilePath(t *testing.T) {
	for _, tt := range pathTests {
		a, name, ok := parseFilePath(tt.path)
		if ok != tt.ok || a != tt.addr || name != tt.name {
			t.Errorf("parseFilePath(%q) = %v, %q, %v; want %v, %q, %v", tt.path, a, name, ok, tt.addr, tt.name, tt.ok)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, tt := range authTests {
		f.Add(tt.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		token, ok := parseAuthorization(header)
		if !ok {
			if token != "" {
				t.Fatalf("refused %q but returned %q", header, token)
			}
			return
		}
		// What is accepted is "Salon", a space and a token of the one
		// shape, and nothing else.
		if !validToken(token) || !strings.EqualFold(header, "Salon "+token) || len(header) != len("Salon ")+43 {
			t.Fatalf("accepted %q as %q", header, token)
		}
	})
}

func FuzzParseFilePath(f *testing.F) {
	for _, tt := range pathTests {
		f.Add(tt.path)
	}
	f.Fuzz(func(t *testing.T, path string) {
		a, name, ok := parseFilePath(path)
		if !ok {
			if a != (wire.Addr{}) || name != "" {
				t.Fatalf("refused %q but returned %v, %q", path, a, name)
			}
			return
		}
		// The address is one of section 2's, the name one token of text
		// that can never be a path, and they are what the path says.
		if _, ok := wire.ParseAddr(itoa(a.Server), itoa(a.Channel)); !ok {
			t.Fatalf("%q: address %v", path, a)
		}
		if name == "" || len(name) > maxNameBytes || !utf8.ValidString(name) || strings.ContainsAny(name, "/\\ \t\r\n\x00") || !wire.ValidText(name) {
			t.Fatalf("%q: name %q", path, name)
		}
		if back := "/files/" + itoa(a.Server) + "/" + itoa(a.Channel) + "/" + url.PathEscape(name); back != path {
			if a2, n2, ok := parseFilePath(back); !ok || a2 != a || n2 != name {
				t.Fatalf("%q: %v %q written back as %q reads %v %q %v", path, a, name, back, a2, n2, ok)
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestFit(t *testing.T) {
	for _, tt := range []struct{ w, h, ww, wh int }{
		{1000, 500, 320, 160}, {500, 1000, 160, 320}, {320, 320, 320, 320}, {100, 80, 100, 80},
		{16384, 1, 320, 1}, {1, 16384, 1, 320}, {321, 320, 320, 319},
	} {
		if w, h := fit(tt.w, tt.h, ThumbSide); w != tt.ww || h != tt.wh {
			t.Errorf("fit(%d, %d) = %d, %d; want %d, %d", tt.w, tt.h, w, h, tt.ww, tt.wh)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tt := range []struct {
		inline bool
		name   string
		want   string
	}{
		{true, "photo.png", "inline; filename*=UTF-8''photo.png"},
		{false, "été.png", "attachment; filename*=UTF-8''%C3%A9t%C3%A9.png"},
		{false, `a"b;c d%e'f`, "attachment; filename*=UTF-8''a%22b%3Bc%20d%25e%27f"},
	} {
		if got := contentDisposition(tt.inline, tt.name); got != tt.want {
			t.Errorf("contentDisposition(%v, %q) = %q, want %q", tt.inline, tt.name, got, tt.want)
		}
	}
}

// Decodes are counted at their worst-case size: the largest image allowed
// takes the whole budget, so it decodes alone, and no two together exceed it.
func TestDecodeCost(t *testing.T) {
	th := newThumbnailer(nil, 4)
	if got := decodeCost(8000, 5000); got != decodeBudget {
		t.Fatalf("a 40-megapixel image costs %d, want the whole budget %d", got, decodeBudget)
	}
	if !th.memory.TryAcquire(decodeCost(8000, 5000)) {
		t.Fatal("the largest image cannot start alone")
	}
	if th.memory.TryAcquire(decodeCost(100, 100)) {
		t.Fatal("a second decode started beside the largest")
	}
	th.memory.Release(decodeBudget)
	if !th.memory.TryAcquire(decodeCost(4000, 4000)) || !th.memory.TryAcquire(decodeCost(4000, 4000)) {
		t.Fatal("two 16-megapixel images do not decode at once")
	}
	if th.memory.TryAcquire(decodeCost(4000, 4000)) {
		t.Fatal("a third 16-megapixel image (128 MB at worst) fit beside two in 320 MB")
	}
}
