package wire

import "strconv"

// Line formats a server line from its fields: strings are written as they
// are, integers in decimal, addresses as their two tags. It appends CRLF.
// Callers pass only valid fields; the last one may be free text.
func Line(fields ...any) []byte {
	n := 2
	for _, f := range fields {
		if s, ok := f.(string); ok {
			n += len(s) + 1
		} else {
			n += 21
		}
	}
	b := make([]byte, 0, n)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ' ')
		}
		switch v := f.(type) {
		case string:
			b = append(b, v...)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case int:
			b = strconv.AppendInt(b, int64(v), 10)
		case Addr:
			b = strconv.AppendInt(b, v.Server, 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, v.Channel, 10)
		default:
			panic("wire.Line: unsupported field type")
		}
	}
	return append(b, '\r', '\n')
}

// Err formats "ERR verb reason".
func Err(verb, reason string) []byte { return Line("ERR", ErrVerb(verb), reason) }

// Add formats the presence line "ADD ON|OFF 0 tag pseudo".
func Add(online bool, user int64, pseudo string) []byte {
	state := "OFF"
	if online {
		state = "ON"
	}
	return Line("ADD", state, User(user), pseudo)
}

// Msg formats "MSG 0 from to text": to is "0 U" or "S C".
func Msg(from int64, to Addr, text string) []byte {
	b := make([]byte, 0, len(text)+72)
	b = append(b, "MSG 0 "...)
	b = strconv.AppendInt(b, from, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, to.Server, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, to.Channel, 10)
	b = append(b, ' ')
	b = append(b, text...)
	return append(b, '\r', '\n')
}

// Group formats a member list "head 0 u1 0 u2 ..." (head is "GRP 0 me" or
// "GRP S C server_name chan_name"). A list that would not fit in MaxLine is
// split over several lines with the same head: clients add the members of
// every GRP line they receive for an address.
func Group(head string, members []int64) [][]byte {
	var lines [][]byte
	b := make([]byte, 0, 256)
	b = append(b, head...)
	n := 0
	for _, m := range members {
		if len(b)+2+20+2 > MaxLine && n > 0 {
			lines = append(lines, append(b, '\r', '\n'))
			b = append(make([]byte, 0, 256), head...)
			n = 0
		}
		b = append(b, " 0 "...)
		b = strconv.AppendInt(b, m, 10)
		n++
	}
	return append(lines, append(b, '\r', '\n'))
}

// Head formats fields like Line but without the CRLF: the fixed start of a
// line that Group completes.
func Head(fields ...any) string {
	l := Line(fields...)
	return string(l[:len(l)-2])
}
