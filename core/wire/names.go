package wire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Names that look alike must not name different things (issue 13, item 11).
// Two tools answer it: names are stored in one canonical form (NFC) and
// compared by a fold (FoldName) that erases what a reader cannot see, and a
// new pseudo may not mix scripts (CheckPseudo).

// NormName returns the form in which the server stores and shows a new
// pseudo: Unicode NFC, so that "José" typed with a precomposed é and with
// e + U+0301 is one string, and WHO and ADD show one form of it.
func NormName(s string) string { return norm.NFC.String(s) }

// caseFold is Unicode full case folding (ß -> ss, ς -> σ, K -> k). It has no
// state and may be shared.
var caseFold = cases.Fold()

// FoldName returns the key under which two names are the same name: pseudos
// are unique by it, and so are the file names of a conversation. The key is
// Unicode's compatibility caseless match (the NFKC_Casefold of identifiers,
// UAX #31) without the default-ignorable characters:
//
//   - NFD first, and NFKD after each case folding, as the standard defines
//     the match, so canonically equivalent strings meet (é and e + U+0301,
//     the Kelvin sign and K).
//   - Compatibility decomposition folds widths (every fullwidth and halfwidth
//     form decomposes to the ordinary one: "ａｌｉｃｅ" is "alice"), and the
//     other presentation forms too: ligatures (ﬁ), circled, superscript and
//     mathematical letters (𝐚𝐥𝐢𝐜𝐞).
//   - Full case folding, not a lower-casing: "STRASSE" and "straße" meet.
//   - Variation selectors, the combining grapheme joiner, Hangul fillers and
//     the other default-ignorable characters that a name may hold (ValidName
//     already refuses the format characters) are dropped: they show nothing.
//
// The result is NFKC, so keys are short. This is x/text's cases and norm
// rather than the PRECIS profiles of x/text/secure/precis: PRECIS's
// identifier class refuses symbols and most punctuation that PROTOCOL.md
// section 3 allows in a name ("★", "ʕ•ᴥ•ʔ"), so it would leave some existing
// accounts without a key. FoldName is total: every string has one key, so
// the key of every existing account can be recomputed.
func FoldName(s string) string {
	if ascii(s) {
		// NFKC and case folding of ASCII are its lower case.
		return strings.ToLower(s)
	}
	s = norm.NFD.String(dropIgnorable(s))
	s = norm.NFKD.String(caseFold.String(s))
	s = norm.NFKC.String(caseFold.String(s))
	// Compatibility decompositions can yield an ignorable (the halfwidth
	// Hangul filler becomes the Hangul filler).
	return dropIgnorable(s)
}

// FoldPseudo returns the key under which pseudos are compared: FoldName.
// PROTOCOL.md section 3 makes pseudos unique regardless of case; Salon also
// makes them unique regardless of normalisation, width and invisible marks.
func FoldPseudo(s string) string { return FoldName(s) }

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ignorable reports whether r is a default-ignorable code point that may
// stand in a name: it is drawn as nothing, or as blank space. The format
// characters (Cf), the rest of Default_Ignorable_Code_Point, are not
// printable and never pass ValidName.
func ignorable(r rune) bool {
	return unicode.In(r, unicode.Variation_Selector, unicode.Other_Default_Ignorable_Code_Point)
}

func dropIgnorable(s string) string {
	if !strings.ContainsFunc(s, ignorable) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if ignorable(r) {
			return -1
		}
		return r
	}, s)
}

// CheckPseudo says why s may not become a pseudo (NEW USR, PSD), or returns
// nil. s is in NFC and passes ValidName. It refuses what lets one pseudo
// pass for another beyond what FoldName already makes the same:
//
//   - invisible characters (variation selectors, Hangul fillers, ...):
//     "alice" with U+FE0F after it is drawn as "alice";
//   - letters of scripts that no real name mixes: "аlice" with a Cyrillic а,
//     "pаypal", "Ѕcott". The rule is the "highly restrictive" level of
//     UTS #39: one script, or Latin with Han and Japanese kana (Hiragana,
//     Katakana), or Latin with Han and Bopomofo, or Latin with Han and
//     Hangul. Digits, punctuation, symbols and combining marks belong to the
//     Common and Inherited scripts and go with any script.
//
// Scripts are read from Go's unicode tables (the Script property). UTS #39
// reads Script_Extensions, which the standard library does not have; with
// Script alone a few characters shared by several scripts (the Arabic-Indic
// digits in a Thaana name, say) count as their main script, so the check is
// stricter than UTS #39 in those rare cases, never looser.
//
// Existing accounts are not checked: IAM and WHO take any pseudo that
// ValidName accepts.
func CheckPseudo(s string) error {
	if i := strings.IndexFunc(s, ignorable); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return errors.New("pseudo holds an invisible character (" + runeName(r) + ")")
	}
	if scripts := Scripts(s); !oneScriptSet(scripts) {
		return errors.New("pseudo mixes scripts: " + list(scripts))
	}
	return nil
}

// Scripts returns the scripts of the letters of s (by their names in
// unicode.Scripts), in the order they first appear, leaving out Common and
// Inherited: digits, punctuation and combining marks fit any script.
func Scripts(s string) []string {
	var scripts []string
	for _, r := range s {
		if sc := script(r); sc != "" && !slices.Contains(scripts, sc) {
			scripts = append(scripts, sc)
		}
	}
	return scripts
}

// script returns the name of r's script, or "" for Common, Inherited and
// unassigned code points.
func script(r rune) string {
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			return "Latin"
		}
		return ""
	case unicode.In(r, unicode.Common, unicode.Inherited):
		return ""
	case unicode.Is(unicode.Latin, r):
		return "Latin"
	}
	// Every assigned code point is in exactly one table, so the order in
	// which the map is visited does not matter.
	for name, table := range unicode.Scripts {
		if unicode.Is(table, r) {
			return name
		}
	}
	return ""
}

// mixes are the combinations of scripts that UTS #39's highly restrictive
// level allows beside a single script: the writing systems of Japanese,
// of Chinese with Bopomofo, and of Korean, each with Latin.
var mixes = [][]string{
	{"Latin", "Han", "Hiragana", "Katakana"},
	{"Latin", "Han", "Bopomofo"},
	{"Latin", "Han", "Hangul"},
}

// oneScriptSet reports whether scripts is one script or fits in one of mixes.
func oneScriptSet(scripts []string) bool {
	if len(scripts) <= 1 {
		return true
	}
	for _, mix := range mixes {
		if !slices.ContainsFunc(scripts, func(sc string) bool { return !slices.Contains(mix, sc) }) {
			return true
		}
	}
	return false
}

// list joins names as a sentence does: "A", "A and B", "A, B and C".
func list(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// runeName writes r as U+XXXX: an invisible character cannot be quoted.
func runeName(r rune) string { return fmt.Sprintf("U+%04X", r) }
