package wire

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestTagged(t *testing.T) {
	msg := Msg(15, Addr{3, 0}, "salut les gens !")
	tests := []struct {
		tags Tags
		want string
	}{
		// The three lines of PROTOCOL.md section 14.
		{Tags{ID: 8812, Time: 1733230962417}, "@id=8812;time=1733230962417 MSG 0 15 3 0 salut les gens !\r\n"},
		{Tags{ID: 8813, Time: 1733230970002, Reply: 8812}, "@id=8813;time=1733230970002;reply=8812 MSG 0 15 3 0 salut les gens !\r\n"},
		{Tags{ID: 8820, Time: 1733231000000, Edited: 1733231050000}, "@id=8820;time=1733231000000;edited=1733231050000 MSG 0 15 3 0 salut les gens !\r\n"},
		{Tags{ID: 1, Time: 2, Reply: 3, Edited: 4}, "@id=1;time=2;reply=3;edited=4 MSG 0 15 3 0 salut les gens !\r\n"},
	}
	for _, tt := range tests {
		if got := string(Tagged(tt.tags, msg)); got != tt.want {
			t.Errorf("Tagged(%+v, ...) = %q, want %q", tt.tags, got, tt.want)
		}
	}

	// The longest prefix is well inside its budget.
	big := Tags{ID: math.MaxInt64, Time: math.MaxInt64, Reply: math.MaxInt64, Edited: math.MaxInt64}
	line := Tagged(big, msg)
	if n := len(line) - len(msg); n > MaxTagPrefix {
		t.Errorf("the longest tag prefix is %d bytes, more than %d", n, MaxTagPrefix)
	}
}

func TestTaggedNewSlice(t *testing.T) {
	// The untagged line is still sent to connections without tags: tagging
	// it must neither change it nor share its bytes.
	msg := Msg(15, Addr{3, 0}, "salut")
	msg = append(make([]byte, 0, 256), msg...) // room to append in place
	want := string(msg)
	a := Tagged(Tags{ID: 1, Time: 2}, msg)
	b := Tagged(Tags{ID: 3, Time: 4}, msg)
	if string(msg) != want {
		t.Errorf("Tagged changed its line to %q", msg)
	}
	if string(a) != "@id=1;time=2 "+want || string(b) != "@id=3;time=4 "+want {
		t.Errorf("Tagged = %q and %q", a, b)
	}
	_ = append(msg, "garbage"...)
	if string(a) != "@id=1;time=2 "+want {
		t.Errorf("appending to the line changed its tagged copy to %q", a)
	}
}

var splitTagsTests = []struct {
	line string
	tags map[string]string
	rest string
}{
	{"MSG 0 15 3 0 salut", nil, "MSG 0 15 3 0 salut"},
	{"", nil, ""},
	{" @id=1 MSG", nil, " @id=1 MSG"},
	{"@id=8812;time=1733230962417 MSG 0 15 3 0 salut les gens !",
		map[string]string{"id": "8812", "time": "1733230962417"}, "MSG 0 15 3 0 salut les gens !"},
	{"@id=1;time=2;reply=3;edited=4 MSG 0 2 0 9 x\r\n",
		map[string]string{"id": "1", "time": "2", "reply": "3", "edited": "4"}, "MSG 0 2 0 9 x\r\n"},
	// Unknown tags are kept, values may hold "=", and the order is free.
	{"@time=2;x-new=a=b;id=1 FILESENT 0 2 3 4 a.png",
		map[string]string{"id": "1", "time": "2", "x-new": "a=b"}, "FILESENT 0 2 3 4 a.png"},
	{"@k=v  two spaces", map[string]string{"k": "v"}, " two spaces"},
	{"@k=v @id=1 MSG", map[string]string{"k": "v"}, "@id=1 MSG"},
	{"@" + strings.Repeat("k", MaxTagPrefix-4) + "=v x", map[string]string{strings.Repeat("k", MaxTagPrefix-4): "v"}, "x"},
}

var splitTagsErrors = []struct {
	line, err string
}{
	{"@", "tag prefix without a line after it"},
	{"@id=1", "tag prefix without a line after it"},
	{"@id=1 ", "tag prefix without a line after it"},
	{"@ MSG", `malformed tag "": want key=value`},
	{"@id=1; MSG", `malformed tag "": want key=value`},
	{"@;id=1 MSG", `malformed tag "": want key=value`},
	{"@id=1;;time=2 MSG", `malformed tag "": want key=value`},
	{"@id MSG", `malformed tag "id": want key=value`},
	{"@id= MSG", `malformed tag "id=": want key=value`},
	{"@=1 MSG", `malformed tag "=1": want key=value`},
	{"@id=1;id=2 MSG", `tag "id" given twice`},
	{"@" + strings.Repeat("k", MaxTagPrefix-3) + "=v x", "tag prefix longer than 512 bytes"},
	{"@" + strings.Repeat("k", MaxLine), "tag prefix longer than 512 bytes"},
}

func TestSplitTags(t *testing.T) {
	for _, tt := range splitTagsTests {
		tags, rest, err := SplitTags(tt.line)
		if err != nil || !maps.Equal(tags, tt.tags) || (tags == nil) != (tt.tags == nil) || rest != tt.rest {
			t.Errorf("SplitTags(%.60q) = %v, %q, %v, want %v, %q", tt.line, tags, rest, err, tt.tags, tt.rest)
		}
	}
	for _, tt := range splitTagsErrors {
		tags, rest, err := SplitTags(tt.line)
		if err == nil || err.Error() != tt.err || tags != nil || rest != "" {
			t.Errorf("SplitTags(%.60q) = %v, %q, %v, want error %q", tt.line, tags, rest, err, tt.err)
		}
	}
}

func TestParseTags(t *testing.T) {
	ok := []struct {
		m    map[string]string
		want Tags
	}{
		{map[string]string{"id": "8812", "time": "1733230962417"}, Tags{ID: 8812, Time: 1733230962417}},
		{map[string]string{"id": "1", "time": "0", "reply": "3", "edited": "4"}, Tags{ID: 1, Reply: 3, Edited: 4}},
		{map[string]string{"id": "9223372036854775807", "time": "9223372036854775807"}, Tags{ID: math.MaxInt64, Time: math.MaxInt64}},
		// Unknown tags are left alone; edited=0 is the same as none.
		{map[string]string{"id": "1", "time": "2", "x-new": "?", "edited": "0"}, Tags{ID: 1, Time: 2}},
	}
	for _, tt := range ok {
		got, err := ParseTags(tt.m)
		if err != nil || got != tt.want {
			t.Errorf("ParseTags(%v) = %+v, %v, want %+v", tt.m, got, err, tt.want)
		}
	}
	refused := []struct {
		m   map[string]string
		err string
	}{
		{nil, "no id tag"},
		{map[string]string{"time": "2"}, "no id tag"},
		{map[string]string{"id": "1"}, "no time tag"},
		{map[string]string{"id": "0", "time": "2"}, `invalid id tag "0"`},
		{map[string]string{"id": "01", "time": "2"}, `invalid id tag "01"`},
		{map[string]string{"id": "1", "time": "-2"}, `invalid time tag "-2"`},
		{map[string]string{"id": "1", "time": "2", "reply": "0"}, `invalid reply tag "0"`},
		{map[string]string{"id": "1", "time": "2", "reply": "x"}, `invalid reply tag "x"`},
		{map[string]string{"id": "1", "time": "2", "edited": "9223372036854775808"}, `invalid edited tag "9223372036854775808"`},
	}
	for _, tt := range refused {
		got, err := ParseTags(tt.m)
		if err == nil || err.Error() != tt.err || got != (Tags{}) {
			t.Errorf("ParseTags(%v) = %+v, %v, want error %q", tt.m, got, err, tt.err)
		}
	}
}

func TestTagsRoundTrip(t *testing.T) {
	lines := [][]byte{
		Msg(15, Addr{3, 0}, "salut"),
		Msg(math.MaxInt64, Addr{math.MaxInt64, math.MaxInt64}, text4000),
		Line("FILESENT", User(2), Addr{3, 4}, "photo.png"),
		Msg(2, User(9), "@id=1;time=2 not a prefix"),
	}
	tags := []Tags{
		{ID: 1, Time: 0},
		{ID: 8813, Time: 1733230970002, Reply: 8812},
		{ID: 8820, Time: 1733231000000, Edited: 1733231050000},
		{ID: math.MaxInt64, Time: math.MaxInt64, Reply: math.MaxInt64, Edited: math.MaxInt64},
	}
	for _, line := range lines {
		for _, want := range tags {
			m, rest, err := SplitTags(string(Tagged(want, line)))
			if err != nil || rest != string(line) {
				t.Fatalf("SplitTags(Tagged(%+v, %.40q)) = %v, %.40q, %v", want, line, m, rest, err)
			}
			got, err := ParseTags(m)
			if err != nil || got != want {
				t.Errorf("ParseTags(SplitTags(Tagged(%+v, ...))) = %+v, %v", want, got, err)
			}
		}
	}
}

// formatTags writes tags as a prefix the way the server orders them: id,
// then time, then the others by key.
func formatTags(tags map[string]string) string {
	first := []string{"id", "time"}
	var keys []string
	for _, k := range first {
		if _, ok := tags[k]; ok {
			keys = append(keys, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if !slices.Contains(first, k) {
			keys = append(keys, k)
		}
	}
	var b strings.Builder
	b.WriteByte('@')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(k + "=" + tags[k])
	}
	return b.String()
}

func TestFormatTags(t *testing.T) {
	m := map[string]string{"z": "1", "time": "2", "a": "3", "id": "4"}
	if got, want := formatTags(m), "@id=4;time=2;a=3;z=1"; got != want {
		t.Errorf("formatTags = %q, want %q", got, want)
	}
	if got, want := formatTags(map[string]string{"time": "2", "a": "3"}), "@time=2;a=3"; got != want {
		t.Errorf("formatTags without id = %q, want %q", got, want)
	}
}
