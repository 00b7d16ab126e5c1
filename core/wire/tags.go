package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Tags are the message tags of PROTOCOL.md section 14, sent before the MSG
// and FILESENT lines of connections that asked for them (CAP REQ tags).
type Tags struct {
	ID     int64 // the message's id
	Time   int64 // when it was stored, in Unix milliseconds
	Reply  int64 // the id of the message it answers, 0 for none
	Edited int64 // when its text last changed, in Unix milliseconds; 0: never
}

// Tagged returns line (a whole line, CRLF included) behind the tag prefix
// of t: "@id=ID;time=TIME[;reply=ID][;edited=TIME] ". The result is a new
// slice, so the untagged line can still go, as it is, to connections
// without tags; fan-out tags a line once for all the connections that want
// it.
func Tagged(t Tags, line []byte) []byte {
	b := make([]byte, 0, len("@id=;time=;reply=;edited= ")+4*maxTagDigits+len(line))
	b = append(b, "@id="...)
	b = strconv.AppendInt(b, t.ID, 10)
	b = append(b, ";time="...)
	b = strconv.AppendInt(b, t.Time, 10)
	if t.Reply != 0 {
		b = append(b, ";reply="...)
		b = strconv.AppendInt(b, t.Reply, 10)
	}
	if t.Edited != 0 {
		b = append(b, ";edited="...)
		b = strconv.AppendInt(b, t.Edited, 10)
	}
	b = append(b, ' ')
	return append(b, line...)
}

// SplitTags reads the tag prefix of a line a server sent, for clients and
// tests. A line without one comes back whole, with no tags. Otherwise the
// prefix, up to the first space, must be key=value pairs separated by ";",
// at most MaxTagPrefix bytes with its '@' and space, followed by a line;
// keys are unique and hold no "=", values may. Every tag is kept, known or
// not: which to read is the caller's business (ParseTags reads Salon's).
func SplitTags(line string) (tags map[string]string, rest string, err error) {
	if !strings.HasPrefix(line, "@") {
		return nil, line, nil
	}
	// The prefix is looked for only as far as it may go, so a line that
	// is all prefix costs no more than the budget.
	end := strings.IndexByte(line[:min(len(line), MaxTagPrefix)], ' ')
	if end < 0 {
		if len(line) >= MaxTagPrefix {
			return nil, "", errors.New("tag prefix longer than " + strconv.Itoa(MaxTagPrefix) + " bytes")
		}
		return nil, "", errors.New("tag prefix without a line after it")
	}
	prefix, rest := line[1:end], line[end+1:]
	if rest == "" {
		return nil, "", errors.New("tag prefix without a line after it")
	}
	tags = make(map[string]string)
	for pair := range strings.SplitSeq(prefix, ";") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || key == "" || value == "" {
			return nil, "", fmt.Errorf("malformed tag %q: want key=value", pair)
		}
		if _, twice := tags[key]; twice {
			return nil, "", fmt.Errorf("tag %q given twice", key)
		}
		tags[key] = value
	}
	return tags, rest, nil
}

// ParseTags reads Salon's tags from what SplitTags returned and leaves the
// others. id and time are on every tagged line; reply and edited only when
// they say something, so an absent one reads as 0.
func ParseTags(m map[string]string) (Tags, error) {
	var t Tags
	for _, f := range []struct {
		key       string
		dst       *int64
		required  bool
		messageID bool // an id, which is never 0, rather than a time
	}{
		{"id", &t.ID, true, true},
		{"time", &t.Time, true, false},
		{"reply", &t.Reply, false, true},
		{"edited", &t.Edited, false, false},
	} {
		v, ok := m[f.key]
		if !ok {
			if f.required {
				return Tags{}, fmt.Errorf("no %s tag", f.key)
			}
			continue
		}
		n, ok := ParseTag(v)
		if !ok || f.messageID && n == 0 {
			return Tags{}, fmt.Errorf("invalid %s tag %q", f.key, v)
		}
		*f.dst = n
	}
	return t, nil
}
