package files

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/wire"
)

const (
	// maxName is the most bytes SafeName returns; UniqueName keeps to it
	// too for any name SafeName made.
	maxName = 64
	// reservedName is the name under which the history is downloaded
	// (PROTOCOL.md section 10); no uploaded file may take it.
	reservedName = "save.txt"
	// safePunct is the ASCII punctuation a name keeps. Each is legal in file
	// names on Windows, macOS and Linux and may stand unescaped in a URL
	// path. Dropped, among others: the separators / \ :, the characters
	// Windows forbids * ? " < > |, and # % & ; ! $ ' ` ~ [ ] { } ^, which
	// URLs, shells or globs give a meaning to.
	safePunct = ".-_+(),=@"
)

// SafeName derives a file name from a client's tmp_name. The result is a
// single token of 1 to 64 bytes of valid UTF-8 in NFC, never a path, never
// hidden, never "save.txt" nor anything that Key makes "save.txt".
// SafeName(SafeName(x)) == SafeName(x). The rules, in order:
//
//  1. Keep what follows the last '/' or '\': a client's folders mean nothing
//     here. Put it in NFC (wire.NormName), the form names are stored in, so
//     that "é" typed as e + U+0301 is the one character é.
//  2. Keep letters and digits of any script, the punctuation . - _ + ( ) , = @
//     and combining marks right after a kept letter, digit or mark (so
//     "é" spelled e+U+0301 and Indic vowel signs survive, but a variation
//     selector left by a dropped emoji does not). Drop everything else:
//     control characters (NUL, TAB, ...), spaces, invisible format characters
//     (bidi overrides such as U+202E that disguise an extension, zero-width
//     characters), symbols and emoji, invalid UTF-8, other punctuation.
//  3. Drop leading '.' and '-': no hidden file, no "." or "..", nothing that
//     reads as a command-line option once a client saves it.
//  4. Cut to 64 bytes on a character boundary. When the name has an
//     extension (as UniqueName splits it: ".png", ".tar.gz") the cut falls
//     in the stem, so the extension survives.
//  5. If nothing is left, use "file".
//  6. A name whose Key is "save.txt" ("SAVE.TXT", fullwidth "ｓａｖｅ.txt":
//     a client on a case-insensitive disk would save it over its history,
//     and a reader takes it for the history) becomes "save-1.txt",
//     "ｓａｖｅ-1.txt": "-1" before the extension, a suffix UniqueName never
//     makes, so it cannot clash with that series.
func SafeName(clientName string) string {
	base := wire.NormName(clientName[strings.LastIndexAny(clientName, `/\`)+1:])

	var b strings.Builder
	afterWord := false // the last rune kept was a letter, digit or mark
	for _, r := range base {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			afterWord = true
		case unicode.Is(unicode.Mark, r) && afterWord:
		case r < utf8.RuneSelf && strings.IndexByte(safePunct, byte(r)) >= 0:
			afterWord = false
		default:
			// A mark after a dropped rune belongs to it and goes too.
			afterWord = false
			continue
		}
		b.WriteRune(r)
	}

	name := cut(strings.TrimLeft(b.String(), ".-"), maxName)
	switch {
	case name == "":
		return "file"
	case reserved(name):
		stem, ext := splitExt(name)
		return stem + "-1" + ext
	}
	return name
}

// cut shortens name to at most n bytes on a character boundary, taking the
// bytes from the stem when that keeps the extension.
func cut(name string, n int) string {
	if len(name) <= n {
		return name
	}
	stem, ext := splitExt(name)
	if room := n - len(ext); room >= utf8.UTFMax {
		return truncate(stem, room) + ext
	}
	return truncate(name, n)
}

// UniqueName returns name if it is free, else the first free name of
// "stem-2.ext", "stem-3.ext", ... (photo.png, photo-2.png, photo-3.png). A
// name is free if its Key is not "save.txt" and !taken(name). name should
// come from SafeName; taken must report false for all but finitely many
// names, or UniqueName never returns. The names of a conversation are unique
// by Key, so taken should report whether a name with the same Key exists:
// then PHOTO.PNG after photo.png becomes PHOTO-2.PNG, and "ｐｈｏｔｏ.png"
// becomes "ｐｈｏｔｏ-2.png".
//
// The extension is the name's last dot segment when that is 1 to 16 ASCII
// letters and digits with at least one letter, joined by a ".tar" before it:
// archive.tar.gz -> archive-2.tar.gz, v1.2.3.zip -> v1.2.3-2.zip,
// Report.Final.pdf -> Report.Final-2.pdf, v1.2 -> v1.2-2 (no extension). A
// dot at the very start does not open an extension (.profile -> .profile-2).
// Splitting at the last dot keeps names with dots in their stem readable;
// .tar is the one common double extension worth keeping whole.
//
// When the number would push the name past 64 bytes, the stem is shortened
// on a character boundary to make room, so the result of a SafeName name is
// at most 64 bytes and SafeName leaves it as it is.
func UniqueName(name string, taken func(string) bool) string {
	if !reserved(name) && !taken(name) {
		return name
	}
	stem, ext := splitExt(name)
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n) + ext
		c := truncate(stem, maxName-len(suffix)) + suffix
		if !reserved(c) && !taken(c) {
			return c
		}
	}
}

// splitExt splits name into stem and extension as UniqueName documents. The
// stem is never empty unless name is.
func splitExt(name string) (stem, ext string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || !extSegment(name[i+1:]) {
		return name, ""
	}
	stem, ext = name[:i], name[i:]
	if j := len(stem) - len(".tar"); j > 0 && strings.EqualFold(stem[j:], ".tar") {
		stem, ext = stem[:j], stem[j:]+ext
	}
	return stem, ext
}

// extSegment reports whether s looks like an extension: 1 to 16 ASCII
// letters and digits with at least one letter (so "2" in "v1.2" is not one).
func extSegment(s string) bool {
	if len(s) == 0 || len(s) > 16 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// truncate shortens s to at most n bytes without splitting a UTF-8 sequence,
// but never below its first character, so a stem is never emptied.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	_, first := utf8.DecodeRuneInString(s)
	for n > first && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:max(n, first)]
}

// Key returns the key under which two file names of a conversation are the
// same name: wire.FoldName, the fold pseudos are compared by. It erases
// case, width, canonical and compatibility forms and invisible marks, so
// photo.png, PHOTO.PNG, "ｐｈｏｔｏ.ｐｎｇ" and "photo\ufe0f.png" are one
// name.
//
// It does not map confusable letters of other scripts ("ѕave.txt" with a
// Cyrillic ѕ stays its own name). That takes UTS #39's confusables data,
// which neither the standard library nor x/text ships, and the Go copies of
// it are frozen at an old Unicode version or come inside large unrelated
// modules. File names cannot be refused the way pseudos are (a name is only
// a label derived from the client's), and a look-alike file name cannot do
// what a look-alike of "save.txt" could: GET finds the history by the exact
// name save.txt and a file by its exact stored name, and a client saves
// "ѕave.txt" under that name, beside save.txt, never over it.
func Key(name string) string { return wire.FoldName(name) }

func reserved(name string) bool { return Key(name) == reservedName }
