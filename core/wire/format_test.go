package wire

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		fields []any
		want   string
	}{
		{[]any{"BYE"}, "BYE\r\n"},
		{[]any{"TAG", User(42)}, "TAG 0 42\r\n"},
		{[]any{"TAG", Addr{3, 0}, "salon"}, "TAG 3 0 salon\r\n"},
		{[]any{"JOIN", Addr{3, 4}, User(9)}, "JOIN 3 4 0 9\r\n"},
		{[]any{"NEWFILE", Addr{3, 4}, "a.png", int64(1024)}, "NEWFILE 3 4 a.png 1024\r\n"},
		{[]any{"NEWFILE", "OK"}, "NEWFILE OK\r\n"},
		{[]any{"ENDFILE", User(9), "a", 0}, "ENDFILE 0 9 a 0\r\n"},
		{[]any{"BYE", User(math.MaxInt64), Addr{math.MaxInt64, math.MaxInt64}},
			"BYE 0 9223372036854775807 9223372036854775807 9223372036854775807\r\n"},
		// The last field is free text and goes out untouched.
		{[]any{"JEU", "chess", "move  e2\te4 "}, "JEU chess move  e2\te4 \r\n"},
		{[]any{"PSW", ""}, "PSW \r\n"},
	}
	for _, tt := range tests {
		if got := string(Line(tt.fields...)); got != tt.want {
			t.Errorf("Line(%v) = %q, want %q", tt.fields, got, tt.want)
		}
	}
}

func TestLineUnsupportedType(t *testing.T) {
	// A field of another type is a programming error: it must not go out
	// as something the client would misread.
	defer func() {
		if recover() == nil {
			t.Error("Line with a float64 field did not panic")
		}
	}()
	Line("PONG", 1.5)
}

// reasons are every reason Parse gives, the longest included.
var reasons = []string{
	"empty verb", reasonFields, reasonAddr, reasonTag, reasonName, reasonPseudo, reasonPassword,
	"invalid server tag", "invalid channel tag", "expected NEW USR, NEW SERV or NEW CHAN",
	"expected the invitee as 0 tag_usr", "expected a server or channel address",
	"empty message", "message longer than 4000 bytes", "invalid size",
	"chunk longer than 3840 base64 characters", "unknown command", "not logged in",
	reasonMessageID, reasonUser, reasonEmoji, reasonLimit, reasonCap, reasonKey, reasonBan, reasonUnban,
	reasonTopic, reasonQuery, reasonAway, reasonReason, "empty query",
}

func TestErr(t *testing.T) {
	if got, want := string(Err("MSG", "empty message")), "ERR MSG empty message\r\n"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
	if got, want := string(Err("LINE", "line too long")), "ERR LINE line too long\r\n"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
	e := &Error{Verb: "NEW", Reason: reasonPassword}
	if got, want := string(e.Line()), "ERR NEW "+reasonPassword+"\r\n"; got != want {
		t.Errorf("(*Error).Line = %q, want %q", got, want)
	}
	if got, want := e.Error(), "NEW "+reasonPassword; got != want {
		t.Errorf("(*Error).Error = %q, want %q", got, want)
	}

	// Whatever verb a client sends, as long as a line can hold it, the ERR
	// echoing it fits in a line and stays valid UTF-8.
	units := []string{"V", "é", "日", "🙂"}
	for _, u := range units {
		for _, n := range []int{1, MaxVerbEcho - 1, MaxVerbEcho, MaxVerbEcho + 1, MaxLine - 2} {
			verb := strings.Repeat(u, n/len(u)+1)[:n]
			verb = strings.ToValidUTF8(verb, "")
			if verb == "" {
				continue
			}
			for _, reason := range reasons {
				line := Err(verb, reason)
				if len(line) > MaxLine {
					t.Fatalf("Err(%d-byte verb, %q) is %d bytes, more than %d", len(verb), reason, len(line), MaxLine)
				}
				if !bytes.HasSuffix(line, []byte("\r\n")) || !utf8.Valid(line) {
					t.Fatalf("Err(%d-byte verb of %q, %q) = %q: no CRLF or not UTF-8", len(verb), u, reason, line)
				}
				echoed, rest, _ := strings.Cut(strings.TrimPrefix(string(line), "ERR "), " ")
				if !strings.HasPrefix(verb, echoed) || len(echoed) > MaxVerbEcho || echoed == "" {
					t.Fatalf("Err(%d-byte verb of %q) echoes %q, want a non-empty prefix of at most %d bytes", len(verb), u, echoed, MaxVerbEcho)
				}
				if rest != reason+"\r\n" {
					t.Fatalf("Err(..., %q) ends with %q", reason, rest)
				}
			}
		}
	}
}

func TestAdd(t *testing.T) {
	if got, want := string(Add(true, 42, "bob")), "ADD ON 0 42 bob\r\n"; got != want {
		t.Errorf("Add(true, ...) = %q, want %q", got, want)
	}
	if got, want := string(Add(false, 7, "Zoë")), "ADD OFF 0 7 Zoë\r\n"; got != want {
		t.Errorf("Add(false, ...) = %q, want %q", got, want)
	}
	if got := Add(false, math.MaxInt64, name32); len(got) > MaxLine {
		t.Errorf("the longest ADD is %d bytes", len(got))
	}
}

func TestMsg(t *testing.T) {
	tests := []struct {
		from int64
		to   Addr
		text string
		want string
	}{
		{7, User(9), "hi", "MSG 0 7 0 9 hi\r\n"},
		{7, Addr{3, 0}, "hello  all\t!", "MSG 0 7 3 0 hello  all\t!\r\n"},
		{7, Addr{3, 4}, " x ", "MSG 0 7 3 4  x \r\n"},
	}
	for _, tt := range tests {
		if got := string(Msg(tt.from, tt.to, tt.text)); got != tt.want {
			t.Errorf("Msg(%d, %v, %q) = %q, want %q", tt.from, tt.to, tt.text, got, tt.want)
		}
	}

	// The longest MSG a server sends: 19-digit tags and a full text.
	line := Msg(math.MaxInt64, Addr{math.MaxInt64, math.MaxInt64}, text4000)
	if len(line) > MaxLine {
		t.Errorf("the longest MSG is %d bytes, more than %d", len(line), MaxLine)
	}
	want := "MSG 0 9223372036854775807 9223372036854775807 9223372036854775807 " + text4000 + "\r\n"
	if string(line) != want {
		t.Errorf("Msg with the largest tags = %.80q..., want %.80q...", line, want)
	}
}

// splitGroup checks one line of Group's output and returns its members.
func splitGroup(t *testing.T, head string, line []byte) []int64 {
	t.Helper()
	if len(line) > MaxLine {
		t.Fatalf("GRP line of %d bytes, more than %d", len(line), MaxLine)
	}
	s, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok || strings.ContainsAny(s, "\r\n") {
		t.Fatalf("GRP line %.60q... is not one CRLF-terminated line", line)
	}
	s, ok = strings.CutPrefix(s, head)
	if !ok {
		t.Fatalf("GRP line %.60q... does not start with %q", line, head)
	}
	if s == "" {
		return nil
	}
	f := strings.Split(strings.TrimPrefix(s, " "), " ")
	if !strings.HasPrefix(s, " ") || len(f)%2 != 0 {
		t.Fatalf("GRP line %.60q...: members are not \" 0 tag\" pairs", line)
	}
	var members []int64
	for i := 0; i < len(f); i += 2 {
		u, ok := ParseTag(f[i+1])
		if f[i] != "0" || !ok {
			t.Fatalf("GRP line %.60q...: bad member %q %q", line, f[i], f[i+1])
		}
		members = append(members, u)
	}
	return members
}

func TestGroup(t *testing.T) {
	seq := func(first, n int64) []int64 {
		m := make([]int64, n)
		for i := range m {
			m[i] = first + int64(i)
		}
		return m
	}
	big := make([]int64, 1000)
	for i := range big {
		big[i] = math.MaxInt64 - int64(i)
	}
	heads := []string{
		"GRP 0 5",
		"GRP 3 0 salon general",
		"GRP 9223372036854775807 9223372036854775807 " + name32 + " " + name32,
	}
	lists := [][]int64{nil, {5}, seq(1, 10), seq(1, 5000), seq(1e9, 3000), big}
	for _, head := range heads {
		for _, members := range lists {
			lines := Group(head, members)
			if len(lines) == 0 {
				t.Fatalf("Group(%q, %d members) returned no line", head, len(members))
			}
			var got []int64
			for i, line := range lines {
				m := splitGroup(t, head, line)
				if len(m) == 0 && len(members) > 0 {
					t.Errorf("Group(%q, %d members): line %d has no member", head, len(members), i)
				}
				// Only the last line may be short: a client sees as few
				// lines as the limit allows.
				if i < len(lines)-1 && len(line)+len(" 0 9223372036854775807") <= MaxLine {
					t.Errorf("Group(%q, %d members): line %d of %d is split at %d bytes, room was left", head, len(members), i, len(lines), len(line))
				}
				got = append(got, m...)
			}
			if len(got) != len(members) {
				t.Fatalf("Group(%q, %d members) carries %d members", head, len(members), len(got))
			}
			for i := range got {
				if got[i] != members[i] {
					t.Fatalf("Group(%q, ...): member %d is %d, want %d", head, i, got[i], members[i])
				}
			}
		}
	}
	if got, want := string(Group("GRP 0 5", nil)[0]), "GRP 0 5\r\n"; got != want {
		t.Errorf("Group with no member = %q, want %q", got, want)
	}
	if got, want := string(Group("GRP 0 5", []int64{1, 22})[0]), "GRP 0 5 0 1 0 22\r\n"; got != want {
		t.Errorf("Group = %q, want %q", got, want)
	}
	if n := len(Group("GRP 0 5", big)); n < 2 {
		t.Errorf("Group with %d 19-digit members made %d line, want a split", len(big), n)
	}
}

func TestHead(t *testing.T) {
	tests := []struct {
		fields []any
		want   string
	}{
		{[]any{"GRP", User(5)}, "GRP 0 5"},
		{[]any{"GRP", Addr{3, 4}, "salon", "dev"}, "GRP 3 4 salon dev"},
	}
	for _, tt := range tests {
		if got := Head(tt.fields...); got != tt.want {
			t.Errorf("Head(%v) = %q, want %q", tt.fields, got, tt.want)
		}
	}
	// The longest channel head still leaves room for members.
	head := Head("GRP", Addr{math.MaxInt64, math.MaxInt64}, name32, name32)
	lines := Group(head, bigSeq(500))
	for _, l := range lines {
		splitGroup(t, head, l)
	}
}

func TestGroupLinesIndependent(t *testing.T) {
	// Each line must own its bytes: a caller may queue them to different
	// writers, and an append to one must not show in another.
	lines := Group("GRP 0 5", bigSeq(2000))
	if len(lines) < 2 {
		t.Fatalf("got %d lines, want several", len(lines))
	}
	second := string(lines[1])
	_ = append(lines[0], "garbage garbage garbage"...)
	if string(lines[1]) != second {
		t.Error("appending to the first GRP line changed the second")
	}
	if !bytes.HasPrefix(lines[1], []byte("GRP 0 5 0 ")) {
		t.Errorf("second line = %.40q...", lines[1])
	}
}

// bigSeq returns n distinct 19-digit tags.
func bigSeq(n int) []int64 {
	m := make([]int64, n)
	for i := range m {
		m[i] = 1e18 + int64(i)
	}
	return m
}
