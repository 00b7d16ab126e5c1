package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// result is what one ReadLine call returns.
type result struct {
	line string
	err  error
}

// readAll calls ReadLine until it returns an error other than the two
// framing errors, which must leave the Reader usable. Every call but the
// last consumes a newline, so in holding n newlines needs at most n+1 calls.
func readAll(t *testing.T, r *Reader, in []byte) []result {
	t.Helper()
	max := bytes.Count(in, []byte{'\n'}) + 1
	var out []result
	for i := 0; ; i++ {
		if i == max {
			t.Fatalf("ReadLine made %d calls on %d newlines without reaching the end", i, max-1)
		}
		line, err := r.ReadLine()
		if err != nil && line != "" {
			t.Errorf("ReadLine returned %q with error %v, want no line", line, err)
		}
		out = append(out, result{line, err})
		if err != nil && err != ErrLineTooLong && err != ErrInvalidText {
			return out
		}
	}
}

func ok(line string) result { return result{line: line} }

var (
	tooLong = result{err: ErrLineTooLong}
	invalid = result{err: ErrInvalidText}
	eof     = result{err: io.EOF}
)

var readerTests = []struct {
	name string
	in   string
	want []result
}{
	{"empty input", "", []result{eof}},
	{"CRLF", "PING\r\nIAM bob password1\r\n", []result{ok("PING"), ok("IAM bob password1"), eof}},
	{"bare LF", "PING\nIAM bob password1\n", []result{ok("PING"), ok("IAM bob password1"), eof}},
	{"mixed", "A\nB\r\nC\nD\r\n", []result{ok("A"), ok("B"), ok("C"), ok("D"), eof}},
	{"empty lines", "\r\n\n\r\nPING\n\n\r\nPONG\r\n\n", []result{ok("PING"), ok("PONG"), eof}},
	{"only empty lines", "\n\r\n\n", []result{eof}},
	{"spaces kept", " MSG 0 9  hi \r\n", []result{ok(" MSG 0 9  hi "), eof}},
	{"TAB", "MSG 0 9 a\tb\r\n\t\n", []result{ok("MSG 0 9 a\tb"), ok("\t"), eof}},
	{"UTF-8", "MSG 0 9 Zoë 日本語 🙂\r\n", []result{ok("MSG 0 9 Zoë 日本語 🙂"), eof}},
	{"partial last line", "PING\r\nPAR", []result{ok("PING"), eof}},
	{"partial last line with CR", "PING\r\nPAR\r", []result{ok("PING"), eof}},

	{"exactly MaxLine with CRLF", strings.Repeat("a", MaxLine-2) + "\r\nPING\r\n",
		[]result{ok(strings.Repeat("a", MaxLine-2)), ok("PING"), eof}},
	{"MaxLine-1 with LF", strings.Repeat("a", MaxLine-2) + "\nPING\n",
		[]result{ok(strings.Repeat("a", MaxLine-2)), ok("PING"), eof}},
	{"MaxLine+1 with CRLF", strings.Repeat("a", MaxLine-1) + "\r\nPING\r\n",
		[]result{tooLong, ok("PING"), eof}},
	// A bare LF must not buy a byte: the limit assumes a CRLF.
	{"MaxLine with LF", strings.Repeat("a", MaxLine-1) + "\nPING\n",
		[]result{tooLong, ok("PING"), eof}},
	{"MaxLine of content", strings.Repeat("a", MaxLine) + "\r\nPING\r\n",
		[]result{tooLong, ok("PING"), eof}},
	{"20000 bytes", strings.Repeat("x", 20000) + "\r\nPING\r\n", []result{tooLong, ok("PING"), eof}},
	{"two long lines in a row", strings.Repeat("x", 5000) + "\n" + strings.Repeat("y", 9000) + "\r\nPING\r\n",
		[]result{tooLong, tooLong, ok("PING"), eof}},
	{"long partial last line", "PING\r\n" + strings.Repeat("x", 20000), []result{ok("PING"), eof}},
	// The text check comes after the length check: an overlong line is
	// too long whatever it holds.
	{"long and invalid", strings.Repeat("\x00", 5000) + "\nPING\n", []result{tooLong, ok("PING"), eof}},

	{"invalid UTF-8", "MSG 0 9 \xff\xfe\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"overlong encoding", "MSG 0 9 \xc0\xaf\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"surrogate", "MSG 0 9 \xed\xa0\x80\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"truncated rune", "MSG 0 9 \xe6\x97\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"NUL", "MSG 0 9 a\x00b\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"ESC", "MSG 0 9 \x1b[31mred\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"DEL", "MSG 0 9 a\x7f\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"C1 NEL", "MSG 0 9 a\u0085b\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"C1 after UTF-8", "MSG 0 9 é\u009b\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"CR inside", "MSG 0 9 a\rb\r\nPING\r\n", []result{invalid, ok("PING"), eof}},
	{"two CRs", "PING\r\r\nPONG\r\n", []result{invalid, ok("PONG"), eof}},
	{"lone CR line", "\r\r\nPING\n", []result{invalid, ok("PING"), eof}},
	{"MaxLine with a CR before CRLF", strings.Repeat("a", MaxLine-3) + "\r\r\nPING\r\n",
		[]result{invalid, ok("PING"), eof}},
}

// splitters deliver a stream in different reads: where the underlying reads
// split it must not change the lines.
var splitters = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"one byte", iotest.OneByteReader},
	{"data with EOF", iotest.DataErrReader},
}

func TestReader(t *testing.T) {
	for _, tt := range readerTests {
		for _, rd := range splitters {
			r := NewReader(rd.wrap(strings.NewReader(tt.in)))
			got := readAll(t, r, []byte(tt.in))
			if !equalResults(got, tt.want) {
				t.Errorf("%s, %s: got %s\nwant %s", tt.name, rd.name, formatResults(got), formatResults(tt.want))
			}
		}
	}
}

func equalResults(a, b []result) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func formatResults(rs []result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.err != nil {
			b.WriteString(" [" + r.err.Error() + "]")
		} else {
			line := r.line
			if len(line) > 40 {
				line = line[:40] + "..."
			}
			b.WriteString(" " + strconv.Quote(line))
		}
	}
	return b.String()
}

func TestReaderEOFSticks(t *testing.T) {
	r := NewReader(strings.NewReader("PING\n"))
	if line, err := r.ReadLine(); line != "PING" || err != nil {
		t.Fatalf("ReadLine = %q, %v, want PING", line, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.ReadLine(); err != io.EOF {
			t.Fatalf("ReadLine after the end = %v, want io.EOF", err)
		}
	}
}

func TestReaderError(t *testing.T) {
	// A read error other than EOF reaches the caller as it is, and a line
	// cut by it is dropped, not returned half.
	boom := errors.New("connection reset")
	r := NewReader(io.MultiReader(strings.NewReader("PING\r\nHALF"), iotest.ErrReader(boom)))
	if line, err := r.ReadLine(); line != "PING" || err != nil {
		t.Fatalf("ReadLine = %q, %v, want PING", line, err)
	}
	if line, err := r.ReadLine(); line != "" || err != boom {
		t.Fatalf("ReadLine = %q, %v, want the read error", line, err)
	}

	// Same while an overlong line is being skipped.
	r = NewReader(io.MultiReader(strings.NewReader(strings.Repeat("x", 3*MaxLine)), iotest.ErrReader(boom)))
	if line, err := r.ReadLine(); line != "" || err != boom {
		t.Fatalf("ReadLine in a long line = %q, %v, want the read error", line, err)
	}
}

func TestReaderLargeBuffer(t *testing.T) {
	// bufio.NewReaderSize hands back a *bufio.Reader that is large enough
	// as it is, so the limit must not rest on the buffer's size alone.
	in := strings.Repeat("a", MaxLine-2) + "\r\n" + strings.Repeat("b", MaxLine-1) + "\r\n" + strings.Repeat("c", 3*MaxLine) + "\nPING\n"
	r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16*MaxLine))
	got := readAll(t, r, []byte(in))
	want := []result{ok(strings.Repeat("a", MaxLine-2)), tooLong, tooLong, ok("PING"), eof}
	if !equalResults(got, want) {
		t.Errorf("got %s\nwant %s", formatResults(got), formatResults(want))
	}
}

func TestReaderLineIsCopied(t *testing.T) {
	// The Reader's buffer is reused; a line returned earlier must not
	// change when the next one is read.
	r := NewReader(iotest.HalfReader(strings.NewReader("first line\r\nsecond\r\n")))
	first, _ := r.ReadLine()
	second, _ := r.ReadLine()
	if first != "first line" || second != "second" {
		t.Errorf("got %q then %q, want \"first line\" then \"second\"", first, second)
	}
}
