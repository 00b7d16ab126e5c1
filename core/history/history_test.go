package history

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// at is a UTC time, to keep tables short.
func at(y int, mo time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
}

// write returns the bytes Writer produces for h and entries.
func write(t testing.TB, h Header, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatalf("NewWriter(%+v): %v", h, err)
	}
	for _, e := range entries {
		if err := w.Write(e); err != nil {
			t.Fatalf("Write(%+v): %v", e, err)
		}
	}
	if w.Written() != int64(buf.Len()) {
		t.Fatalf("Written() = %d, wrote %d bytes", w.Written(), buf.Len())
	}
	return buf.Bytes()
}

// sameEntries reports whether got holds want as Writer stores it: times
// in UTC, truncated to the second.
func sameEntries(got, want []Entry) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		w := want[i]
		w.Time = w.Time.UTC().Truncate(time.Second)
		if got[i] != w || got[i].Time.Location() != time.UTC {
			return false
		}
	}
	return true
}

var golden = []struct {
	name    string
	header  Header
	entries []Entry
	file    string
}{
	{
		name:   "channel",
		header: Header{Server: 3, Channel: 12},
		entries: []Entry{
			// The example of PROTOCOL.md section 10.
			{Author: 15, Time: at(2019, time.April, 10, 13, 42, 17), Text: "hello everyone"},
			// Sub-second precision and the zone are dropped: UTC, to the second.
			{Author: 7, Time: time.Date(2019, time.April, 10, 15, 43, 0, 999_999_999, time.FixedZone("CEST", 2*3600)), File: "photo-2.png"},
			{Author: 9223372036854775807, Time: at(2000, time.January, 1, 0, 0, 0), Text: "  tabs\tand  spaces, é ☕ "},
			{Author: 15, Time: at(2099, time.December, 31, 23, 59, 59), Text: "> not a prefix * nor # this"},
		},
		file: "+ 3 12\n" +
			"# 0 15 10 4 19 13 42 17\n> hello everyone\n" +
			"# 0 7 10 4 19 13 43 0\n* photo-2.png\n" +
			"# 0 9223372036854775807 1 1 0 0 0 0\n>   tabs\tand  spaces, é ☕ \n" +
			"# 0 15 31 12 99 23 59 59\n> > not a prefix * nor # this\n",
	},
	{
		name:   "general channel",
		header: Header{Server: 1, Channel: 0},
		file:   "+ 1 0\n",
	},
	{
		name:   "direct",
		header: Header{Me: 15, Other: 4},
		entries: []Entry{
			{Author: 4, Time: at(2024, time.February, 29, 9, 5, 3), Text: "hi"},
			{Author: 15, Time: at(2024, time.March, 1, 10, 0, 0), File: "save.txt.bak"},
		},
		file: "+ 0 15 0 4\n" +
			"# 0 4 29 2 24 9 5 3\n> hi\n" +
			"# 0 15 1 3 24 10 0 0\n* save.txt.bak\n",
	},
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			if got := string(write(t, g.header, g.entries)); got != g.file {
				t.Errorf("wrote\n%q\nwant\n%q", got, g.file)
			}
			h, entries, err := Parse([]byte(g.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h != g.header || !sameEntries(entries, g.entries) {
				t.Errorf("Parse = %+v %+v, want %+v %+v", h, entries, g.header, g.entries)
			}
		})
	}
}

// alphabet mixes one-, two- and three-byte runes, spaces and the prefixes.
var alphabet = []rune("abc XYZ\t019-_.é☕#>*+")

// randomEntry returns a valid entry with fields of every length.
func randomEntry(rng *rand.Rand) Entry {
	e := Entry{
		Author: rng.Int64N(math.MaxInt64) + 1,
		Time:   time.Unix(rng.Int64N(at(2100, 1, 1, 0, 0, 0).Unix()-at(2000, 1, 1, 0, 0, 0).Unix())+at(2000, 1, 1, 0, 0, 0).Unix(), rng.Int64N(1e9)),
	}
	if rng.IntN(4) == 0 {
		e.Author = rng.Int64N(100) + 1 // short tags too
	}
	if rng.IntN(3) == 0 {
		e.Time = e.Time.In(time.FixedZone("", (rng.IntN(27)-12)*3600))
	}
	n := 1 + rng.IntN(60)
	if rng.IntN(20) == 0 {
		n = maxText
	}
	var b strings.Builder
	for b.Len() < n {
		r := alphabet[rng.IntN(len(alphabet))]
		if b.Len()+len(string(r)) > n {
			r = 'x'
		}
		b.WriteRune(r)
	}
	s := b.String()
	if rng.IntN(3) == 0 {
		e.File = strings.NewReplacer(" ", "_", "\t", "_").Replace(s)
	} else {
		e.Text = s
	}
	return e
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, h := range []Header{{Server: 1}, {Server: math.MaxInt64, Channel: math.MaxInt64}, {Me: 1, Other: math.MaxInt64}} {
		entries := make([]Entry, 500)
		for i := range entries {
			entries[i] = randomEntry(rng)
		}
		data := write(t, h, entries)
		got, gotEntries, err := Parse(data)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if got != h || !sameEntries(gotEntries, entries) {
			t.Errorf("round trip of %+v changed the history", h)
		}
		// The streaming Reader sees the same, with Header called by Next.
		r := NewReader(bytes.NewReader(data))
		for i, want := range gotEntries {
			if e, err := r.Next(); err != nil || e != want {
				t.Fatalf("Next %d = %+v, %v; want %+v", i, e, err, want)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("Next at the end = %v, want io.EOF", err)
		}
		if hh, err := r.Header(); hh != h || err != nil {
			t.Errorf("Header after Next = %+v, %v", hh, err)
		}
	}
}

// TestLenient covers what the Reader accepts beyond what Writer writes.
func TestLenient(t *testing.T) {
	chat := golden[0]
	tests := []struct {
		name, file string
		header     Header
		entries    []Entry
	}{
		{"leading zeros", "+ 003 00\n# 00 0015 010 04 019 013 042 017\n> hello everyone\n",
			Header{Server: 3}, chat.entries[:1]},
		{"leading zeros direct", "+ 0000 015 00 04\n# 0 04 029 02 24 09 05 03\n> hi\n",
			Header{Me: 15, Other: 4}, golden[2].entries[:1]},
		{"zero year", "+ 1 0\n# 0 1 1 1 0 0 0 0\n* a\n# 0 1 1 1 00 0 0 0\n* b\n",
			Header{Server: 1}, []Entry{{Author: 1, Time: at(2000, 1, 1, 0, 0, 0), File: "a"}, {Author: 1, Time: at(2000, 1, 1, 0, 0, 0), File: "b"}}},
		{"20 digits of leading zeros", "+ 00000000009223372036854775807 0\n",
			Header{Server: math.MaxInt64}, nil},
		{"CRLF", strings.ReplaceAll(chat.file, "\n", "\r\n"), chat.header, chat.entries},
		{"mixed endings", "+ 0 15 0 4\r\n# 0 4 29 2 24 9 5 3\n> hi\r\n# 0 15 1 3 24 10 0 0\r\n* save.txt.bak\n",
			golden[2].header, golden[2].entries},
		{"no final newline", strings.TrimSuffix(chat.file, "\n"), chat.header, chat.entries},
		{"no final CRLF", "+ 1 0\r\n# 0 1 1 1 0 0 0 0\r\n> hi", Header{Server: 1},
			[]Entry{{Author: 1, Time: at(2000, 1, 1, 0, 0, 0), Text: "hi"}}},
		{"header only, no newline", "+ 1 0", Header{Server: 1}, nil},
		{"empty trailing line", chat.file + "\n", chat.header, chat.entries},
		{"empty trailing lines, CRLF", chat.file + "\r\n\n\r\n", chat.header, chat.entries},
		{"empty line after header at end", "+ 1 0\n\n", Header{Server: 1}, nil},
		{"leap day 2000", "+ 1 0\n# 0 1 29 2 0 0 0 0\n> x\n", Header{Server: 1},
			[]Entry{{Author: 1, Time: at(2000, 2, 29, 0, 0, 0), Text: "x"}}},
		{"text of 4000 bytes", "+ 1 0\n# 0 1 1 1 1 0 0 0\n> " + strings.Repeat("é", 2000) + "\n", Header{Server: 1},
			[]Entry{{Author: 1, Time: at(2001, 1, 1, 0, 0, 0), Text: strings.Repeat("é", 2000)}}},
		{"direct with oneself", "+ 0 5 0 5\n", Header{Me: 5, Other: 5}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, entries, err := Parse([]byte(tt.file))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h != tt.header || !sameEntries(entries, tt.entries) {
				t.Errorf("Parse = %+v %+v, want %+v %+v", h, entries, tt.header, tt.entries)
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	const h = "+ 1 0\n"
	const m = "# 0 15 10 4 19 13 42 17\n"
	tests := []struct{ name, file, want string }{
		{"empty file", "", "save.txt:1: missing header, expected '+ S C' or '+ 0 me 0 other'"},
		{"empty first line", "\n" + h, "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"no header", m + "> hi\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header without space", "+1 0\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header one tag", "+ 1\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header three tags", "+ 1 0 2\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header five tags", "+ 0 1 0 2 3\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header 0 0", "+ 0 0\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header user alone", "+ 0 7\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header direct me 0", "+ 0 0 0 7\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header direct not 0", "+ 0 5 1 7\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header channel and user", "+ 3 4 0 7\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header sign", "+ +1 0\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header negative", "+ 1 -1\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header double space", "+ 1  0\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header trailing space", "+ 1 0 \n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header tab", "+ 1\t0\n", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header lone CR", "+ 1 0\r", "save.txt:1: expected '+ S C' or '+ 0 me 0 other'"},
		{"header tag 2^63", "+ 9223372036854775808 0\n", "save.txt:1: tag does not fit in 63 bits"},
		{"header direct tag 2^63", "+ 0 1 0 9223372036854775808\n", "save.txt:1: tag does not fit in 63 bits"},
		{"text without '#'", h + "> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"file without '#'", h + "* a.png\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"unknown prefix", h + m + "> hi\n" + "x hi\n", "save.txt:4: expected '# 0 tag D M YY h m s'"},
		{"second header", h + "+ 1 0\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' without space", h + "#0 15 10 4 19 13 42 17\n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' missing field", h + "# 0 15 10 4 19 13 42\n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' extra field", h + "# 0 15 10 4 19 13 42 17 0\n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' address not 0", h + "# 1 15 10 4 19 13 42 17\n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' letters", h + "# 0 15 10 avril 19 13 42 17\n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"'#' trailing space", h + "# 0 15 10 4 19 13 42 17 \n> hi\n", "save.txt:2: expected '# 0 tag D M YY h m s'"},
		{"author 0", h + "# 0 0 10 4 19 13 42 17\n> hi\n", "save.txt:2: author tag must be > 0"},
		{"author 2^63", h + "# 0 9223372036854775808 10 4 19 13 42 17\n> hi\n", "save.txt:2: author tag does not fit in 63 bits"},
		{"author 20 digits", h + "# 0 99999999999999999999 10 4 19 13 42 17\n> hi\n", "save.txt:2: author tag does not fit in 63 bits"},
		{"31 April", h + "# 0 15 31 4 19 13 42 17\n> hi\n", "save.txt:2: invalid date 31 4 19"},
		{"29 February 2019", h + "# 0 15 29 2 19 13 42 17\n> hi\n", "save.txt:2: invalid date 29 2 19"},
		{"day 0", h + "# 0 15 0 4 19 13 42 17\n> hi\n", "save.txt:2: invalid date 0 4 19"},
		{"day 32", h + "# 0 15 32 1 19 13 42 17\n> hi\n", "save.txt:2: invalid date 32 1 19"},
		{"month 13", h + "# 0 15 10 13 19 13 42 17\n> hi\n", "save.txt:2: invalid date 10 13 19"},
		{"month 0", h + "# 0 15 10 0 19 13 42 17\n> hi\n", "save.txt:2: invalid date 10 0 19"},
		{"year 100", h + "# 0 15 10 4 100 13 42 17\n> hi\n", "save.txt:2: invalid date 10 4 100"},
		{"year 2019", h + "# 0 15 10 4 2019 13 42 17\n> hi\n", "save.txt:2: invalid date 10 4 2019"},
		{"huge day", h + "# 0 15 99999999999999999999 4 19 13 42 17\n> hi\n", "save.txt:2: invalid date 99999999999999999999 4 19"},
		{"hour 24", h + "# 0 15 10 4 19 24 0 0\n> hi\n", "save.txt:2: invalid time 24 0 0"},
		{"minute 60", h + "# 0 15 10 4 19 13 60 17\n> hi\n", "save.txt:2: invalid time 13 60 17"},
		{"leap second", h + "# 0 15 10 4 19 23 59 60\n> hi\n", "save.txt:2: invalid time 23 59 60"},
		{"'#' then '#'", h + m + m + "> hi\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"'#' then unknown", h + m + "hi\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"'#' then empty line", h + m + "\n> hi\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"'#' at the end", h + m, "save.txt:2: '#' line not followed by '> text' or '* file_name'"},
		{"'#' then empty line at the end", h + m + "\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"'>' without space", h + m + ">hi\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"'>' alone", h + m + ">\n", "save.txt:3: expected '> text' or '* file_name'"},
		{"empty text", h + m + "> \n", "save.txt:3: empty text"},
		{"empty text CRLF", h + m + "> \r\n", "save.txt:3: empty text"},
		{"text 4001 bytes", h + m + "> " + strings.Repeat("a", 4001) + "\n", "save.txt:3: text longer than 4000 bytes"},
		{"text with CR", h + m + "> a\rb\n", "save.txt:3: text contains a line break"},
		{"text ending in CR CR LF", h + m + "> a\r\r\n", "save.txt:3: text contains a line break"},
		{"text with NUL", h + m + "> a\x00b\n", "save.txt:3: text contains a control character"},
		{"text with ESC", h + m + "> \x1b[31mred\n", "save.txt:3: text contains a control character"},
		{"text invalid UTF-8", h + m + "> a\xffb\n", "save.txt:3: text is not valid UTF-8"},
		{"empty file name", h + m + "* \n", "save.txt:3: empty file name"},
		{"file name with space", h + m + "* a b.png\n", "save.txt:3: file name contains a space"},
		{"file name with tab", h + m + "* a\tb.png\n", "save.txt:3: file name contains a space"},
		{"file name 4001 bytes", h + m + "* " + strings.Repeat("a", 4001) + "\n", "save.txt:3: file name longer than 4000 bytes"},
		{"file name invalid UTF-8", h + m + "* a\xff\n", "save.txt:3: file name is not valid UTF-8"},
		{"file name with DEL", h + m + "* a\x7f\n", "save.txt:3: file name contains a control character"},
		{"empty line inside", h + m + "> hi\n\n" + m + "> hi\n", "save.txt:4: empty line"},
		{"empty lines inside", h + m + "> hi\n\r\n\n" + m + "> hi\n", "save.txt:4: empty line"},
		{"empty line after header", h + "\n" + m + "> hi\n", "save.txt:2: empty line"},
		{"blank line of spaces", h + m + "> hi\n \n", "save.txt:4: expected '# 0 tag D M YY h m s'"},
		// A line may hold 8192 bytes, its ending included: this one is read
		// (and refused for its text), one byte more is refused for its length.
		{"line of 8192 bytes", h + m + "> " + strings.Repeat("a", 8189) + "\n", "save.txt:3: text longer than 4000 bytes"},
		{"line of 8193 bytes", h + m + "> " + strings.Repeat("a", 8190) + "\n", "save.txt:3: line longer than 8192 bytes"},
		{"line of 8193 bytes CRLF", h + m + "> " + strings.Repeat("a", 8189) + "\r\n", "save.txt:3: line longer than 8192 bytes"},
		{"last line of 8192 bytes", h + m + "> " + strings.Repeat("a", 8190), "save.txt:3: text longer than 4000 bytes"},
		{"last line of 8193 bytes", h + m + "> " + strings.Repeat("a", 8191), "save.txt:3: line longer than 8192 bytes"},
		{"huge header", "+ " + strings.Repeat("0", 100000) + "1 0\n", "save.txt:1: line longer than 8192 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, entries, err := Parse([]byte(tt.file))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Parse = %+v %+v, %v; want error %q", h, entries, err, tt.want)
			}
			if h != (Header{}) || entries != nil {
				t.Errorf("Parse returned %+v %+v with its error", h, entries)
			}
			// The stream reports the same error, then keeps reporting it.
			r := NewReader(strings.NewReader(tt.file))
			for err = nil; err == nil; _, err = r.Next() {
			}
			for range 2 {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("Next = %v, want %q", err, tt.want)
				}
				_, err = r.Next()
			}
		})
	}
}

// failReader returns its data, then err.
type failReader struct {
	data []byte
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(&failReader{data: []byte("+ 1 0\n# 0 1 1 1 1 0 0 0\n> a"), err: boom})
	if h, err := r.Header(); err != nil || h != (Header{Server: 1}) {
		t.Fatalf("Header = %+v, %v", h, err)
	}
	_, err := r.Next()
	if !errors.Is(err, boom) || err.Error() != "save.txt:3: boom" {
		t.Errorf("Next = %v, want save.txt:3: boom", err)
	}
	if _, again := r.Next(); again != err {
		t.Errorf("Next after an error = %v, want %v", again, err)
	}
}

func TestWriterErrors(t *testing.T) {
	ok := at(2019, time.April, 10, 13, 42, 17)
	badHeaders := []Header{
		{}, {Server: -1}, {Server: 1, Channel: -1}, {Server: 1, Me: 2}, {Server: 1, Other: 2},
		{Me: 1}, {Other: 1}, {Me: -1, Other: 2}, {Me: 1, Other: 2, Channel: 3},
	}
	for _, h := range badHeaders {
		var buf bytes.Buffer
		if w, err := NewWriter(&buf, h); err == nil || w != nil || buf.Len() != 0 {
			t.Errorf("NewWriter(%+v) = %v, %v and wrote %q; want an error and nothing written", h, w, err, buf.String())
		}
	}
	tests := []struct {
		e    Entry
		want string
	}{
		{Entry{Author: 1, Time: ok}, "neither text nor file"},
		{Entry{Author: 0, Time: ok, Text: "hi"}, "author tag must be > 0"},
		{Entry{Author: -5, Time: ok, Text: "hi"}, "author tag must be > 0"},
		{Entry{Author: 1, Time: ok, Text: "hi", File: "a.png"}, "both text and file"},
		{Entry{Author: 1, Time: ok, Text: "a\nb"}, "text contains a line break"},
		{Entry{Author: 1, Time: ok, Text: "a\r"}, "text contains a line break"},
		{Entry{Author: 1, Time: ok, Text: "a\x00"}, "text contains a control character"},
		{Entry{Author: 1, Time: ok, Text: "\xc3"}, "text is not valid UTF-8"},
		{Entry{Author: 1, Time: ok, Text: strings.Repeat("a", 4001)}, "text longer than 4000 bytes"},
		{Entry{Author: 1, Time: ok, File: "a b.png"}, "file name contains a space"},
		{Entry{Author: 1, Time: ok, File: "a\u00a0b"}, "file name contains a space"},
		{Entry{Author: 1, Time: ok, File: "a\nb"}, "file name contains a space"},
		{Entry{Author: 1, Time: ok, File: strings.Repeat("a", 4001)}, "file name longer than 4000 bytes"},
		{Entry{Author: 1, Text: "zero time"}, "year 1 outside 2000-2099 (two-digit years)"},
		{Entry{Author: 1, Time: at(1999, 12, 31, 23, 59, 59), Text: "hi"}, "year 1999 outside 2000-2099 (two-digit years)"},
		{Entry{Author: 1, Time: at(2100, 1, 1, 0, 0, 0), Text: "hi"}, "year 2100 outside 2000-2099 (two-digit years)"},
		// Still 1999 in UTC, though 2000 where it was written.
		{Entry{Author: 1, Time: time.Date(2000, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600)), Text: "hi"}, "year 1999 outside 2000-2099 (two-digit years)"},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Server: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		before := buf.Len()
		err := w.Write(tt.e)
		if want := "history: invalid entry: " + tt.want; err == nil || err.Error() != want {
			t.Errorf("Write(%+v) = %v, want %q", tt.e, err, want)
		}
		if buf.Len() != before || w.Written() != int64(before) {
			t.Errorf("Write(%+v) wrote after refusing", tt.e)
		}
	}
	// A refused entry leaves the Writer usable.
	if err := w.Write(Entry{Author: 1, Time: ok, Text: strings.Repeat("a", 4000)}); err != nil {
		t.Errorf("Write after refused entries: %v", err)
	}
}

// failWriter accepts n bytes, then fails.
type failWriter struct{ n int }

var errFull = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errFull
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriterIOError(t *testing.T) {
	if _, err := NewWriter(&failWriter{n: 3}, Header{Server: 1}); !errors.Is(err, errFull) {
		t.Errorf("NewWriter on a failing writer = %v, want %v", err, errFull)
	}
	w, err := NewWriter(&failWriter{n: 10}, Header{Server: 1})
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Author: 1, Time: at(2019, 1, 1, 0, 0, 0), Text: "hi"}
	if err := w.Write(e); !errors.Is(err, errFull) {
		t.Fatalf("Write = %v, want %v", err, errFull)
	}
	if w.Written() != 10 {
		t.Errorf("Written = %d, want the 10 bytes that went through", w.Written())
	}
	// The file is cut mid-line: later writes must not go on after the gap.
	if err := w.Write(e); !errors.Is(err, errFull) {
		t.Errorf("Write after a failure = %v, want %v", err, errFull)
	}
}

func TestSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	headers := []Header{{Server: 1}, {Server: 10, Channel: 9}, {Server: math.MaxInt64, Channel: math.MaxInt64},
		{Me: 1, Other: 1}, {Me: 99, Other: 100}, {Me: math.MaxInt64, Other: math.MaxInt64}}
	for range 200 {
		headers = append(headers, Header{Server: rng.Int64N(math.MaxInt64) + 1, Channel: rng.Int64N(math.MaxInt64)},
			Header{Me: rng.Int64N(math.MaxInt64) + 1, Other: rng.Int64N(1000) + 1})
	}
	for _, h := range headers {
		if got, want := HeaderSize(h), int64(len(write(t, h, nil))); got != want {
			t.Errorf("HeaderSize(%+v) = %d, wrote %d", h, got, want)
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Header{Server: 1})
	if err != nil {
		t.Fatal(err)
	}
	total := HeaderSize(Header{Server: 1})
	edges := []Entry{
		{Author: 1, Time: at(2000, 1, 1, 0, 0, 0), Text: "a"},
		{Author: 9, Time: at(2009, 9, 9, 9, 9, 9), File: "b"},
		{Author: 10, Time: at(2010, 10, 10, 10, 10, 10), Text: "é"},
		{Author: math.MaxInt64, Time: at(2099, 12, 31, 23, 59, 59), Text: strings.Repeat("x", maxText)},
	}
	for i := range 10000 {
		e := randomEntry(rng)
		if i < len(edges) {
			e = edges[i]
		}
		before := buf.Len()
		if err := w.Write(e); err != nil {
			t.Fatalf("Write(%+v): %v", e, err)
		}
		if got, want := EntrySize(e), int64(buf.Len()-before); got != want {
			t.Fatalf("EntrySize(%+v) = %d, wrote %d: %q", e, got, want, buf.Bytes()[before:])
		}
		total += EntrySize(e)
	}
	if total != w.Written() || total != int64(buf.Len()) {
		t.Errorf("sizes add up to %d, Written() = %d, wrote %d", total, w.Written(), buf.Len())
	}
}

func TestDigits(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 99, 100, -1, -9, -10, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		if got, want := digits(n), len(strconv.FormatInt(n, 10)); got != want {
			t.Errorf("digits(%d) = %d, want %d", n, got, want)
		}
	}
}

// TestStreamBoundedMemory reads a 100k-entry history, produced as it is
// read, and checks that the live heap does not grow with it.
func TestStreamBoundedMemory(t *testing.T) {
	const n = 100_000
	text := strings.Repeat("the history of a busy channel ", 8)
	pr, pw := io.Pipe()
	go func() {
		w, err := NewWriter(pw, Header{Server: 7, Channel: 3})
		for i := 0; err == nil && i < n; i++ {
			e := Entry{Author: int64(i%50 + 1), Time: at(2020, 1, 1, 0, 0, 0).Add(time.Duration(i) * time.Minute), Text: text}
			if i%10 == 0 {
				e.Text, e.File = "", "file-"+strconv.Itoa(i)+".png"
			}
			err = w.Write(e)
		}
		pw.CloseWithError(err)
	}()

	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	r := NewReader(pr)
	if h, err := r.Header(); err != nil || h != (Header{Server: 7, Channel: 3}) {
		t.Fatalf("Header = %+v, %v", h, err)
	}
	var base, peak uint64
	var bytesRead int64
	for i := 0; ; i++ {
		e, err := r.Next()
		if err == io.EOF {
			if i != n {
				t.Fatalf("read %d entries, want %d", i, n)
			}
			break
		}
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if want := at(2020, 1, 1, 0, 0, 0).Add(time.Duration(i) * time.Minute); !e.Time.Equal(want) {
			t.Fatalf("entry %d at %v, want %v", i, e.Time, want)
		}
		bytesRead += EntrySize(e)
		switch {
		case i == 1000:
			base = heap()
		case i > 1000 && i%20_000 == 0:
			peak = max(peak, heap())
		}
	}
	// The stream is about 25 MB; what the Reader holds is one 8 KB buffer.
	if bytesRead < 20<<20 {
		t.Fatalf("stream of %d bytes, too small to tell", bytesRead)
	}
	t.Logf("read %d bytes; live heap %d bytes after 1000 entries, at most %d after", bytesRead, base, peak)
	if peak > base+1<<20 {
		t.Errorf("live heap grew from %d to %d bytes while reading %d bytes", base, peak, bytesRead)
	}
}
