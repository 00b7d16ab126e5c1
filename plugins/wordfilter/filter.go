package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// filter finds forbidden words in a text. A word matches as a whole word
// (not inside a longer one: "ass" does not match "class"), whatever its
// case.
type filter struct {
	words [][]rune // lower case
}

func newFilter(words []string) *filter {
	f := &filter{}
	for _, w := range words {
		f.words = append(f.words, []rune(strings.ToLower(w)))
	}
	return f
}

// matches returns the [start, end) rune ranges of every forbidden word in
// text, left to right, never overlapping.
func (f *filter) matches(text []rune) [][2]int {
	lower := make([]rune, len(text))
	for i, r := range text {
		lower[i] = unicode.ToLower(r)
	}
	var found [][2]int
	for i := 0; i < len(lower); {
		if i > 0 && isWordRune(lower[i-1]) {
			i++
			continue
		}
		n := f.longestAt(lower, i)
		if n == 0 {
			i++
			continue
		}
		found = append(found, [2]int{i, i + n})
		i += n
	}
	return found
}

// longestAt returns the length of the longest forbidden word starting at i
// and ending at a word boundary, or 0.
func (f *filter) longestAt(text []rune, i int) int {
	best := 0
	for _, w := range f.words {
		end := i + len(w)
		if len(w) <= best || end > len(text) || !equal(text[i:end], w) {
			continue
		}
		if end < len(text) && isWordRune(text[end]) {
			continue
		}
		best = len(w)
	}
	return best
}

func equal(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) }

// mask replaces every letter of every forbidden word by '*', keeping other
// characters (a digit or a hyphen inside a word) as they are.
func (f *filter) mask(text string) (string, bool) {
	runes := []rune(text)
	found := f.matches(runes)
	for _, m := range found {
		for i := m[0]; i < m[1]; i++ {
			if unicode.IsLetter(runes[i]) {
				runes[i] = '*'
			}
		}
	}
	return string(runes), len(found) > 0
}

// validWord reports whether w can be a forbidden word: non-empty text that
// starts and ends with a letter or digit (so it has boundaries to match).
func validWord(w string) bool {
	if w == "" || !utf8.ValidString(w) || strings.TrimSpace(w) != w {
		return false
	}
	first, _ := utf8.DecodeRuneInString(w)
	last, _ := utf8.DecodeLastRuneInString(w)
	return isWordRune(first) && isWordRune(last)
}
