// Package history owns save.txt, the file in which a client receives the
// history of a conversation (PROTOCOL.md section 10), both ways: Writer
// produces it, Reader parses it back as a stream.
//
// The file, oldest message first:
//
//	line                   meaning
//	+ S C                  a channel (S > 0; C = 0 is the general channel)
//	+ 0 me 0 other         or a direct conversation, the requester first
//	# 0 tag D M YY h m s   one message: its author, then its UTC time
//	> text                 a text message
//	* file_name            or a file message
//
// Lines end in "\n", not in the "\r\n" of protocol lines: save.txt travels
// as the bytes of a file (base64 inside FILE lines), so it follows the usual
// convention of text files. Reader accepts "\r\n" too, so that a file
// re-saved by a Windows editor still parses, and a last line without its
// "\n". Empty lines are allowed at the end only.
//
// Writer writes numbers without leading zeros and the year as two digits
// (year % 100); Reader accepts leading zeros and reads YY back as 2000+YY.
// Only times from 2000 to 2099 survive that trip, so Writer refuses other
// years rather than write a date that would read back in another century.
//
// Reader reads lines of at most 8192 bytes, line ending included, through a
// fixed buffer: a history of any length is parsed in bounded memory.
package history

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits. A text is 1 to 4000 bytes, as on the wire; a file name has the
// same bound, which any name that can ride a protocol line respects. Both
// leave valid lines far below maxLine, which only bounds what Reader buffers.
const (
	maxText     = 4000
	maxFileName = 4000
	maxLine     = 8192
)

// Header is the first line: "+ S C" for a channel, "+ 0 me 0 other" for a
// direct conversation (the requester first).
type Header struct {
	Server, Channel int64 // a channel when Server > 0 (Channel may be 0: the general channel)
	Me, Other       int64 // a direct conversation when Server == 0
}

// problem returns why h cannot be written, or "". A header that mixes both
// kinds is refused: the fields of the other kind would silently be lost.
func (h Header) problem() string {
	switch {
	case h.Server > 0 && h.Channel >= 0 && h.Me == 0 && h.Other == 0:
		return ""
	case h.Server == 0 && h.Channel == 0 && h.Me > 0 && h.Other > 0:
		return ""
	}
	return "expected a channel (Server > 0, Channel >= 0) or a direct conversation (Me > 0, Other > 0)"
}

// Entry is one message.
type Entry struct {
	Author int64
	Time   time.Time // written in UTC, second precision
	Text   string    // a text message ("> text"), when File is ""
	File   string    // a file message ("* file_name")
}

// problem returns why e cannot be written, or "". Reader applies the same
// rules to what it reads, so that everything one accepts the other does.
func (e Entry) problem() string {
	switch {
	case e.Author <= 0:
		return "author tag must be > 0"
	case e.Text != "" && e.File != "":
		// Rather than drop the text: a caller that sets both has a bug.
		return "both text and file"
	case e.Text == "" && e.File == "":
		return "neither text nor file"
	}
	if y := e.Time.UTC().Year(); y < 2000 || y > 2099 {
		return "year " + strconv.Itoa(y) + " outside 2000-2099 (two-digit years)"
	}
	if e.File != "" {
		return fileProblem(e.File)
	}
	return textProblem(e.Text)
}

// textProblem checks a text as PROTOCOL.md checks a MSG: free text, TAB
// allowed, no other control character, so it reads back as it was written.
func textProblem(s string) string {
	switch {
	case s == "":
		return "empty text"
	case len(s) > maxText:
		return "text longer than " + strconv.Itoa(maxText) + " bytes"
	case strings.ContainsAny(s, "\r\n"):
		return "text contains a line break"
	case !utf8.ValidString(s):
		return "text is not valid UTF-8"
	case strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }):
		return "text contains a control character"
	}
	return ""
}

// fileProblem checks a file name: one token, as in a GET line.
func fileProblem(s string) string {
	switch {
	case s == "":
		return "empty file name"
	case len(s) > maxFileName:
		return "file name longer than " + strconv.Itoa(maxFileName) + " bytes"
	case !utf8.ValidString(s):
		return "file name is not valid UTF-8"
	case strings.ContainsFunc(s, unicode.IsSpace):
		return "file name contains a space"
	case strings.ContainsFunc(s, unicode.IsControl):
		return "file name contains a control character"
	}
	return ""
}

// HeaderSize returns the exact number of bytes NewWriter writes for h.
func HeaderSize(h Header) int64 {
	if h.Server > 0 {
		return int64(len("+ ")+digits(h.Server)+len(" ")+digits(h.Channel)) + 1
	}
	return int64(len("+ 0 ")+digits(h.Me)+len(" 0 ")+digits(h.Other)) + 1
}

// EntrySize returns the exact number of bytes Writer.Write writes for e,
// so that a NEWFILE line can announce the size of save.txt before a byte of
// it is produced.
func EntrySize(e Entry) int64 {
	t := e.Time.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	n := len("# 0 ") + digits(e.Author)
	for _, v := range [...]int{day, int(month), year % 100, hour, min, sec} {
		n += 1 + digits(int64(v))
	}
	n++ // "\n"
	if e.File != "" {
		n += len("* ") + len(e.File) + 1
	} else {
		n += len("> ") + len(e.Text) + 1
	}
	return int64(n)
}

// digits returns the length of n in decimal, as strconv.AppendInt writes it.
func digits(n int64) int {
	d := 1
	if n < 0 {
		d++ // the sign; n/10 stays negative and the loop counts the same
	}
	for n <= -10 || n >= 10 {
		n /= 10
		d++
	}
	return d
}
