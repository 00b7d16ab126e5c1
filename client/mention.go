package client

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/salon-chat/salon/core/wire"
)

// Mentions are plain text (PROTOCOL.md section 9): "@pseudo" anywhere in a
// message, compared without regard to case. A pseudo may hold punctuation,
// so "@bob," could name "bob," or "bob": the longest pseudo that fits wins,
// and it must not run on into a letter or digit ("@bobby" is not "bob").

// Span is a part of a text: [Start, End) in bytes.
type Span struct {
	Start, End int
	Pseudo     string // the pseudo mentioned, as written in the text
}

// MentionSpans returns the mentions in text of pseudos known reports as
// existing (known receives the pseudo as written; compare with
// wire.FoldPseudo).
func MentionSpans(text string, known func(pseudo string) bool) []Span {
	var spans []Span
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && wordByteBefore(text, i)) {
			continue
		}
		rest := text[i+1:]
		end := strings.IndexFunc(rest, unicode.IsSpace)
		if end < 0 {
			end = len(rest)
		}
		// Try the whole token, then shorter ones that end on a word boundary.
		for n := end; n > 0; {
			cand := rest[:n]
			if known(cand) && (n == len(rest) || !isWordRune(firstRune(rest[n:]))) {
				spans = append(spans, Span{Start: i, End: i + 1 + n, Pseudo: cand})
				i += n
				break
			}
			_, size := utf8.DecodeLastRuneInString(cand)
			n -= size
		}
	}
	return spans
}

// Mentions reports whether text mentions pseudo.
func Mentions(text, pseudo string) bool {
	if pseudo == "" || !strings.Contains(text, "@") {
		return false
	}
	key := wire.FoldPseudo(pseudo)
	return len(MentionSpans(text, func(p string) bool { return wire.FoldPseudo(p) == key })) > 0
}

func wordByteBefore(text string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-'
}
