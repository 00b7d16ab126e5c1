package wire

import (
	"bytes"
	"encoding/base64"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// verbOps maps every verb the core knows to the Ops it may parse into.
var verbOps = map[string][]Op{
	"NEW":      {OpRegister, OpNewServer, OpNewChannel},
	"IAM":      {OpLogin},
	"BYE":      {OpQuit, OpLeave, OpUnfriend},
	"DEL":      {OpDelete},
	"RENAME":   {OpRename},
	"INV":      {OpInvite},
	"JOIN":     {OpJoin},
	"MSG":      {OpMsg},
	"PSW":      {OpPassword},
	"PSD":      {OpPseudo},
	"WHO":      {OpWho},
	"PING":     {OpPing},
	"GET":      {OpGet},
	"NEWFILE":  {OpNewFile},
	"FILE":     {OpFile},
	"ENDFILE":  {OpEndFile},
	"JEU":      {OpGame},
	"CAP":      {OpCapLs, OpCapReq},
	"REPLY":    {OpReply},
	"EDIT":     {OpEdit},
	"DELETE":   {OpDeleteMsg},
	"REACT":    {OpReact},
	"UNREACT":  {OpUnreact},
	"HIST":     {OpHist},
	"FIND":     {OpFind},
	"READ":     {OpRead},
	"TYPING":   {OpTyping},
	"MOD":      {OpMod},
	"UNMOD":    {OpUnmod},
	"KICK":     {OpKick},
	"BAN":      {OpBan},
	"UNBAN":    {OpUnban},
	"BANS":     {OpBans},
	"TOPIC":    {OpTopic},
	"OPEN":     {OpOpen},
	"CLOSE":    {OpClose},
	"LIST":     {OpList},
	"AWAY":     {OpAway},
	"KEY":      {OpKeyPublish, OpKeyFetch},
	"WEBTOKEN": {OpWebToken},
	"CALL":     {OpCall},
	"RTC":      {OpRTC},
}

func FuzzParse(f *testing.F) {
	for _, tt := range slices.Concat(parseTests, communityTests) {
		f.Add(tt.line)
	}
	for _, tt := range slices.Concat(parseErrorTests, communityErrorTests) {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := Parse(line)
		if err != nil {
			checkParseError(t, line, c, err)
			return
		}
		checkCommand(t, line, c)
	})
}

// checkParseError checks that a rejection can be answered: one ERR line that
// fits in MaxLine and names the verb the client sent.
func checkParseError(t *testing.T, line string, c Command, err *Error) {
	if !sameCommand(c, Command{}) {
		t.Errorf("Parse(%.200q) returned %s with error %v", line, brief(c), err)
	}
	verb, _, _ := strings.Cut(line, " ")
	if verb == "" {
		if err.Verb != "LINE" {
			t.Errorf("Parse(%.200q): ERR verb %q for a line without a verb, want LINE", line, err.Verb)
		}
	} else if _, known := verbOps[verb]; !known || err.Verb != verb {
		// Only known verbs have a shape to get wrong; an unknown one is
		// the plugins' business.
		t.Errorf("Parse(%.200q): ERR verb %q, want the known verb %q", line, err.Verb, verb)
	}
	if err.Reason == "" {
		t.Errorf("Parse(%.200q): error without a reason", line)
	}
	out := Err(err.Verb, err.Reason)
	if len(out) > MaxLine {
		t.Errorf("Parse(%.200q): ERR line of %d bytes", line, len(out))
	}
	if want := "ERR " + err.Verb + " " + err.Reason + "\r\n"; string(out) != want || !bytes.Equal(err.Line(), out) {
		t.Errorf("Parse(%.200q): ERR line %q, want %q", line, out, want)
	}
	if ValidText(line) && !ValidText(string(out[:len(out)-2])) {
		t.Errorf("Parse(%.200q): ERR line %q is not valid text", line, out)
	}
}

// checkCommand checks what an accepted line promises the hub.
func checkCommand(t *testing.T, line string, c Command) {
	verb, rest, _ := strings.Cut(line, " ")
	if c.Verb != ErrVerb(verb) {
		t.Errorf("Parse(%.200q).Verb = %q, want %q", line, c.Verb, ErrVerb(verb))
	}
	ops, known := verbOps[verb]
	if !known {
		if !sameCommand(c, Command{Op: OpOther, Verb: c.Verb, Text: rest}) {
			t.Errorf("Parse(%.200q) = %s, want OpOther with the rest of the line", line, brief(c))
		}
		return
	}
	if !containsOp(ops, c.Op) {
		t.Fatalf("Parse(%.200q).Op = %d, not an Op of %s", line, c.Op, verb)
	}

	// Fields that are tokens hold no space; free text may.
	for _, s := range append([]string{c.Name, c.Secret, c.NewSecret}, c.Names...) {
		if strings.Contains(s, " ") {
			t.Errorf("Parse(%.200q): token %q holds a space", line, s)
		}
	}
	if c.Op != OpInvite && c.Op != OpUnfriend && (c.Place != Addr{} || c.HasPlace) {
		t.Errorf("Parse(%.200q): Place set on Op %d", line, c.Op)
	}

	var bad []string
	check := func(ok bool, what string) {
		if !ok {
			bad = append(bad, what)
		}
	}
	// Part two's fields stay zero on the Ops that do not use them, so the
	// hub may not read one by mistake.
	check(c.ID == 0 || slices.Contains(messageOps, c.Op), "no message id")
	check(c.Limit == 0 || c.Op == OpHist, "no limit")
	check(c.Seq == 0 && !c.Last || c.Op == OpRTC, "no RTC sequence")
	check(c.User == 0 || slices.Contains(userOps, c.Op), "no user")
	check(c.Names == nil || c.Op == OpCapReq, "no names")
	check(c.Key == nil || c.Op == OpKeyPublish, "no key")
	switch c.Op {
	case OpRegister, OpLogin:
		check(ValidName(c.Name), "pseudo")
		check(ValidPassword(c.Secret), "password")
	case OpNewServer, OpWho, OpPseudo:
		check(ValidName(c.Name), "name")
	case OpNewChannel:
		check(ValidName(c.Name), "name")
		check(c.Addr.Server > 0 && c.Addr.Channel == 0, "server")
	case OpQuit:
		check(c.Addr == Addr{}, "no address")
	case OpLeave, OpDelete:
		check(validAddr(c.Addr) && !c.Addr.IsUser(), "server or channel address")
	case OpUnfriend:
		check(validAddr(c.Addr) && c.Addr.IsUser(), "user address")
		check(!c.HasPlace || validAddr(c.Place) && !c.Place.IsUser(), "place")
		check(c.HasPlace || c.Place == Addr{}, "no place")
	case OpRename:
		check(ValidName(c.Name), "name")
		check(c.Addr.Server > 0 && c.Addr.Channel >= 0, "server or channel address")
	case OpInvite:
		check(validAddr(c.Addr) && c.Addr.IsUser(), "invitee")
		check(!c.HasPlace || validAddr(c.Place) && !c.Place.IsUser(), "place")
		check(c.HasPlace || c.Place == Addr{}, "no place")
	case OpJoin, OpGet:
		check(validAddr(c.Addr), "address")
	case OpMsg:
		check(validAddr(c.Addr), "address")
		check(len(c.Text) >= 1 && len(c.Text) <= MaxText, "text length")
	case OpPassword:
		check(c.Secret != "", "old password")
		check(ValidPassword(c.NewSecret), "new password")
	case OpPing:
	case OpNewFile, OpEndFile:
		check(validAddr(c.Addr), "address")
		check(c.Name != "", "file name")
		check(c.Size >= 0, "size")
	case OpFile:
		check(validAddr(c.Addr), "address")
		check(c.Name != "", "file name")
		check(len(c.Text) >= 1 && len(c.Text) <= MaxChunk && !strings.Contains(c.Text, " "), "chunk")
	case OpGame:
		check(c.Name != "", "game id")
	case OpCapLs:
	case OpCapReq:
		check(len(c.Names) > 0 && !slices.Contains(c.Names, ""), "names")
	case OpReply, OpEdit:
		check(c.ID > 0, "message id")
		check(len(c.Text) >= 1 && len(c.Text) <= MaxText, "text length")
	case OpDeleteMsg:
		check(c.ID > 0, "message id")
	case OpReact, OpUnreact:
		check(c.ID > 0, "message id")
		check(ValidEmoji(c.Name), "emoji")
	case OpHist:
		check(validAddr(c.Addr), "conversation")
		check(c.ID >= 0, "before")
		check(c.Limit >= 1 && c.Limit <= MaxHistPage, "limit")
	case OpFind:
		check(c.Addr == Addr{} || validAddr(c.Addr), "conversation or 0 0")
		check(len(c.Text) >= 1 && len(c.Text) <= MaxQuery, "query length")
	case OpRead:
		check(validAddr(c.Addr), "conversation")
		check(c.ID > 0, "message id")
	case OpTyping:
		check(validAddr(c.Addr), "conversation")
	case OpMod, OpUnmod, OpKick:
		check(validAddr(c.Addr) && !c.Addr.IsUser(), "server or channel address")
		check(c.User > 0, "user")
		check(len(c.Text) <= MaxReason, "reason length")
	case OpBan, OpUnban:
		check(c.Addr.IsServer(), "server")
		check(c.User > 0, "user")
		check(len(c.Text) <= MaxReason, "reason length")
	case OpBans, OpList:
		check(c.Addr.IsServer(), "server")
	case OpTopic:
		check(validAddr(c.Addr) && !c.Addr.IsUser(), "server or channel address")
		check(len(c.Text) <= MaxTopic, "topic length")
	case OpOpen, OpClose:
		check(validAddr(c.Addr) && !c.Addr.IsUser(), "server or channel address")
	case OpAway:
		check(len(c.Text) <= MaxAway, "note length")
	case OpKeyPublish:
		check(len(c.Key) >= 1 && len(c.Key) <= MaxKey, "key length")
	case OpKeyFetch:
		check(validAddr(c.Addr) && c.Addr.IsUser(), "user address")
	case OpWebToken:
		check(c.Addr == Addr{} && c.Name == "" && c.Text == "", "no fields")
	case OpCall:
		check(validAddr(c.Addr), "conversation")
		switch CallAction(c.Name) {
		case CallJoin, CallMedia:
			_, ok := MediaList(c.Text)
			check(ok && c.Text != "" && c.User == 0, "media list")
			check(c.Name == "MEDIA" || c.Text == "mic" || c.Text == "mic,cam", "what JOIN starts with")
		case CallMute, CallUnmute, CallKick:
			check(c.User > 0 && c.Text == "", "user")
		case CallLeave, CallDecline:
			check(c.User == 0 && c.Text == "", "no fields")
		default:
			check(false, "action")
		}
	case OpRTC:
		check(validAddr(c.Addr), "conversation")
		check(c.Name == RTCAnswer || c.Name == RTCCandidate || IsP2PKind(c.Name) && c.Addr.IsUser(), "kind")
		check(c.Seq >= 0 && len(c.Text) >= 1 && len(c.Text) <= MaxRTCChunk && base64Chars(c.Text), "piece")
	}
	if newPseudoOp(c.Op) {
		// The pseudo an account is about to take is stored as it is here.
		check(NormName(c.Name) == c.Name, "pseudo in NFC")
		check(CheckPseudo(c.Name) == nil, "pseudo of one script")
	}
	if bad != nil {
		t.Errorf("Parse(%.200q) = %s: bad %s", line, brief(c), strings.Join(bad, ", "))
	}

	// Parse neither drops nor invents anything: the command written back
	// in its canonical form is the line sent, but for the two spellings
	// the protocol allows, and it parses to the same command.
	canon := canonical(c)
	if canon != line &&
		!(c.Op == OpRename && c.Addr.IsServer() && canon == line+" 0") &&
		!(newPseudoOp(c.Op) && canon == normPseudoField(line)) &&
		!(optionalText(c.Op) && c.Text == "" && canon+" " == line) &&
		!(c.Op == OpCall && c.Name == "JOIN" && canon == line+" audio") {
		t.Errorf("Parse(%.200q) = %s, which reads back as %q", line, brief(c), canon)
	}
	if c2, err := Parse(canon); err != nil || !sameCommand(c2, c) {
		t.Errorf("Parse(%.200q) = %s, %v; Parse(%.200q) = %s", canon, brief(c2), err, line, brief(c))
	}
}

// messageOps are the Ops that carry a message id; userOps those that act on
// a user.
var (
	messageOps = []Op{OpReply, OpEdit, OpDeleteMsg, OpReact, OpUnreact, OpHist, OpRead}
	userOps    = []Op{OpMod, OpUnmod, OpKick, OpBan, OpUnban, OpCall}
)

// optionalText reports whether op ends in free text that may be left out
// altogether: an empty one may still come after a space.
func optionalText(op Op) bool {
	return slices.Contains([]Op{OpGame, OpKick, OpBan, OpTopic, OpAway}, op)
}

// newPseudoOp reports whether op gives an account a pseudo.
func newPseudoOp(op Op) bool { return op == OpRegister || op == OpPseudo }

// normPseudoField returns line (NEW USR or PSD) with its pseudo in NFC: the
// one change Parse makes to what it reads.
func normPseudoField(line string) string {
	f := strings.Split(line, " ")
	i := 1 // PSD pseudo password
	if f[0] == "NEW" {
		i = 2 // NEW USR pseudo password
	}
	f[i] = NormName(f[i])
	return strings.Join(f, " ")
}

func containsOp(ops []Op, op Op) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// validAddr reports whether a is one of the three forms of section 2.
func validAddr(a Addr) bool {
	return a.Server >= 0 && a.Channel >= 0 && (a.Server > 0 || a.Channel > 0)
}

// canonical writes c back as the client line it stands for.
func canonical(c Command) string {
	tag := func(n int64) string { return strconv.FormatInt(n, 10) }
	join := func(f ...string) string { return strings.Join(f, " ") }
	switch c.Op {
	case OpRegister:
		return join("NEW USR", c.Name, c.Secret)
	case OpNewServer:
		return join("NEW SERV", c.Name)
	case OpNewChannel:
		return join("NEW CHAN", tag(c.Addr.Server), c.Name)
	case OpLogin:
		return join("IAM", c.Name, c.Secret)
	case OpQuit:
		return "BYE"
	case OpLeave:
		return join("BYE", c.Addr.String())
	case OpUnfriend:
		if c.HasPlace {
			return join("BYE", c.Addr.String(), c.Place.String())
		}
		return join("BYE", c.Addr.String())
	case OpDelete:
		return join("DEL", c.Addr.String())
	case OpRename:
		return join("RENAME", c.Name, c.Addr.String())
	case OpInvite:
		if c.HasPlace {
			return join("INV", c.Addr.String(), c.Place.String())
		}
		return join("INV", c.Addr.String())
	case OpJoin:
		return join("JOIN", c.Addr.String())
	case OpMsg:
		return join("MSG", c.Addr.String(), c.Text)
	case OpPassword:
		return join("PSW", c.Secret, c.NewSecret)
	case OpPseudo:
		return join("PSD", c.Name, c.Secret)
	case OpWho:
		return join("WHO", c.Name)
	case OpPing:
		if c.Name != "" {
			return join("PING", c.Name)
		}
		return "PING"
	case OpGet:
		if c.Name != "" {
			return join("GET", c.Addr.String(), c.Name)
		}
		return join("GET", c.Addr.String())
	case OpNewFile:
		return join("NEWFILE", c.Addr.String(), c.Name, tag(c.Size))
	case OpFile:
		return join("FILE", c.Addr.String(), c.Name, c.Text)
	case OpEndFile:
		return join("ENDFILE", c.Addr.String(), c.Name, tag(c.Size))
	case OpGame:
		if c.Text != "" {
			return join("JEU", c.Name, c.Text)
		}
		return join("JEU", c.Name)
	case OpCapLs:
		return "CAP LS"
	case OpCapReq:
		return join(append([]string{"CAP REQ"}, c.Names...)...)
	case OpReply:
		return join("REPLY", tag(c.ID), c.Text)
	case OpEdit:
		return join("EDIT", tag(c.ID), c.Text)
	case OpDeleteMsg:
		return join("DELETE", tag(c.ID))
	case OpReact:
		return join("REACT", tag(c.ID), c.Name)
	case OpUnreact:
		return join("UNREACT", tag(c.ID), c.Name)
	case OpHist:
		return join("HIST", c.Addr.String(), tag(c.ID), strconv.Itoa(c.Limit))
	case OpFind:
		return join("FIND", c.Addr.String(), c.Text)
	case OpRead:
		return join("READ", c.Addr.String(), tag(c.ID))
	case OpTyping:
		return join("TYPING", c.Addr.String())
	case OpMod:
		return join("MOD", c.Addr.String(), User(c.User).String())
	case OpUnmod:
		return join("UNMOD", c.Addr.String(), User(c.User).String())
	case OpKick, OpBan:
		line := join(c.Verb, c.Addr.String(), User(c.User).String())
		if c.Text != "" {
			line = join(line, c.Text)
		}
		return line
	case OpUnban:
		return join("UNBAN", c.Addr.String(), User(c.User).String())
	case OpBans:
		return join("BANS", tag(c.Addr.Server))
	case OpTopic:
		if c.Text != "" {
			return join("TOPIC", c.Addr.String(), c.Text)
		}
		return join("TOPIC", c.Addr.String())
	case OpOpen:
		return join("OPEN", c.Addr.String())
	case OpClose:
		return join("CLOSE", c.Addr.String())
	case OpList:
		return join("LIST", tag(c.Addr.Server))
	case OpAway:
		if c.Text != "" {
			return join("AWAY", c.Text)
		}
		return "AWAY"
	case OpKeyPublish:
		return join("KEY", base64.StdEncoding.EncodeToString(c.Key))
	case OpKeyFetch:
		return join("KEY", c.Addr.String())
	case OpWebToken:
		return "WEBTOKEN"
	case OpCall:
		switch CallAction(c.Name) {
		case CallJoin:
			if c.Text == "mic" {
				return join("CALL", c.Addr.String(), "JOIN audio")
			}
			return join("CALL", c.Addr.String(), "JOIN video")
		case CallMedia:
			return join("CALL", c.Addr.String(), "MEDIA", c.Text)
		case CallMute, CallUnmute, CallKick:
			return join("CALL", c.Addr.String(), c.Name, User(c.User).String())
		}
		return join("CALL", c.Addr.String(), c.Name)
	case OpRTC:
		last := "0"
		if c.Last {
			last = "1"
		}
		return join("RTC", c.Addr.String(), c.Name, strconv.Itoa(c.Seq), last, c.Text)
	}
	return join(c.Verb, c.Text)
}

func FuzzReader(f *testing.F) {
	for _, tt := range readerTests {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want := referenceLines(data)
		for _, sp := range splitters {
			r := NewReader(sp.wrap(bytes.NewReader(data)))
			got := readAll(t, r, data)
			for _, res := range got {
				if res.err != nil {
					continue
				}
				l := res.line
				if l == "" || len(l) > MaxLine-2 || !ValidText(l) || strings.ContainsAny(l, "\r\n") {
					t.Fatalf("%s: ReadLine returned %d bytes %.60q: empty, too long or not valid text", sp.name, len(l), l)
				}
			}
			if !equalResults(got, want) {
				t.Fatalf("%s: got %s\nwant %s", sp.name, formatResults(got), formatResults(want))
			}
		}
	})
}

// referenceLines is what a Reader must return for data, worked out the
// simple way: split on LF, drop the unterminated tail, strip one CR.
func referenceLines(data []byte) []result {
	var out []result
	pieces := bytes.Split(data, []byte{'\n'})
	for _, p := range pieces[:len(pieces)-1] {
		p = bytes.TrimSuffix(p, []byte{'\r'})
		switch {
		case len(p) == 0:
		case len(p) > MaxLine-2:
			out = append(out, tooLong)
		case !ValidText(string(p)):
			out = append(out, invalid)
		default:
			out = append(out, ok(string(p)))
		}
	}
	return append(out, eof)
}

func FuzzTags(f *testing.F) {
	for _, tt := range splitTagsTests {
		f.Add(tt.line)
	}
	for _, tt := range splitTagsErrors {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		tags, rest, err := SplitTags(line)
		if err != nil {
			if tags != nil || rest != "" {
				t.Errorf("SplitTags(%.200q) = %v, %.60q with error %v", line, tags, rest, err)
			}
			return
		}
		if tags == nil {
			if rest != line || strings.HasPrefix(line, "@") {
				t.Errorf("SplitTags(%.200q) found no tags and left %.200q", line, rest)
			}
			return
		}
		prefix := formatTags(tags)
		if len(prefix)+1 > MaxTagPrefix || rest == "" || !strings.HasSuffix(line, " "+rest) {
			t.Errorf("SplitTags(%.200q) = %v, %.200q: over budget, no line, or not the line's end", line, tags, rest)
		}
		for k, v := range tags {
			if k == "" || v == "" || strings.ContainsAny(k, "=; ") || strings.ContainsAny(v, "; ") {
				t.Errorf("SplitTags(%.200q): tag %q=%q is not a key and a value", line, k, v)
			}
		}
		// The tags written back in the server's order read the same.
		again := prefix + " " + rest
		tags2, rest2, err := SplitTags(again)
		if err != nil || !maps.Equal(tags2, tags) || rest2 != rest {
			t.Errorf("SplitTags(%.200q) = %v, %.60q, %v; from %.200q it was %v, %.60q", again, tags2, rest2, err, line, tags, rest)
		}

		v, err := ParseTags(tags)
		if err != nil {
			return
		}
		out := Tagged(v, []byte(rest))
		tags3, rest3, err := SplitTags(string(out))
		if err != nil || rest3 != rest {
			t.Fatalf("SplitTags(Tagged(%+v, %.60q)) = %v, %.60q, %v", v, rest, tags3, rest3, err)
		}
		if v2, err := ParseTags(tags3); err != nil || v2 != v {
			t.Errorf("ParseTags(%v) = %+v, %v; from %.200q it was %+v", tags3, v2, err, line, v)
		}
	})
}

func FuzzFoldName(f *testing.F) {
	for _, s := range []string{"alice", "José", "Jose\u0301", "ａｌｉｃｅ", "Straße", "\ufb01le", "\u0344", "ΣΊΣΥΦΟΣ", "İ", "ǅ", "\uffa0x", "ｓａｖｅ.txt", "\u0430lice"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := FoldName(s)
		// A key is its own key: the migration may recompute keys from keys,
		// and a name that folds to another's key meets it.
		if again := FoldName(k); again != k {
			t.Errorf("FoldName(%q) = %q, but FoldName(%q) = %q", s, k, k, again)
		}
		// Canonically equivalent names are one name.
		for _, form := range []string{NormName(s), norm.NFD.String(s)} {
			if got := FoldName(form); got != k {
				t.Errorf("FoldName(%q) = %q, FoldName(%q) = %q: want equal", s, k, form, got)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(k) {
			t.Errorf("FoldName(%q) = %q, not valid UTF-8", s, k)
		}
	})
}
