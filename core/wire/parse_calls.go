package wire

import (
	"strconv"
	"strings"
)

// The call verbs of PROTOCOL.md section 19, as docs/protocol.md ("Calls")
// fixes their forms.

// CallAction is what a CALL line asks for.
type CallAction string

const (
	CallJoin    CallAction = "JOIN"
	CallLeave   CallAction = "LEAVE"
	CallMedia   CallAction = "MEDIA"
	CallDecline CallAction = "DECLINE"
	CallMute    CallAction = "MUTE"
	CallUnmute  CallAction = "UNMUTE"
	CallKick    CallAction = "KICK"
)

// RTC kinds a client may send; the server sends "ice" and "offer".
const (
	RTCAnswer    = "answer"
	RTCCandidate = "candidate"
)

// The kinds of the peer-to-peer signaling between two users' clients
// (section 20, docs/privacy.md), which the server only relays.
const (
	P2POffer     = "p2p-offer"
	P2PAnswer    = "p2p-answer"
	P2PCandidate = "p2p-candidate"
)

// IsP2PKind reports whether an RTC kind is one of the peer-to-peer ones.
func IsP2PKind(kind string) bool {
	return kind == P2POffer || kind == P2PAnswer || kind == P2PCandidate
}

// MaxRTCChunk is the most base64 characters one RTC line carries.
const MaxRTCChunk = 3000

// NoMedia is the media list of a participant that sends nothing.
const NoMedia = "-"

const reasonMedia = "expected mic, cam, screen or -"

func parseCall(c *Command, a args) string {
	f, ok := a.fields(3, 5, false)
	if !ok {
		return reasonFields
	}
	conv, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	c.Op, c.Addr, c.Name = OpCall, conv, f[2]
	switch action := CallAction(f[2]); action {
	case CallJoin:
		switch {
		case len(f) == 3 || f[3] == "audio" && len(f) == 4:
			c.Text = "mic"
		case f[3] == "video" && len(f) == 4:
			c.Text = "mic,cam"
		default:
			return "expected CALL CONV JOIN [audio|video]"
		}
	case CallLeave, CallDecline:
		if len(f) != 3 {
			return reasonFields
		}
	case CallMedia:
		if len(f) != 4 {
			return reasonFields
		}
		list, ok := MediaList(f[3])
		if !ok {
			return reasonMedia
		}
		c.Text = list
	case CallMute, CallUnmute, CallKick:
		if len(f) != 5 {
			return reasonFields
		}
		u, ok := ParseAddr(f[3], f[4])
		if !ok || !u.IsUser() {
			return reasonUser
		}
		c.User = u.UserTag()
	default:
		return "expected JOIN, LEAVE, MEDIA, DECLINE, MUTE, UNMUTE or KICK"
	}
	return ""
}

// MediaList checks a media list (mic, cam and screen, in that order, comma
// separated, or "-") and returns it as written: a list has one spelling.
func MediaList(s string) (string, bool) {
	if s == NoMedia {
		return s, true
	}
	order := []string{"mic", "cam", "screen"}
	next := 0
	for part := range strings.SplitSeq(s, ",") {
		for next < len(order) && order[next] != part {
			next++
		}
		if next == len(order) {
			return "", false
		}
		next++
	}
	return s, true
}

// maxRTCSeq bounds the pieces of one RTC payload: the hub refuses a
// payload larger than MaxRTCPayload long before.
const maxRTCSeq = 1000

// MaxRTCPayload is the most bytes an RTC payload may hold once decoded.
const MaxRTCPayload = 256 << 10

func parseRTC(c *Command, a args) string {
	f, ok := a.fields(6, 6, false)
	if !ok {
		return reasonFields
	}
	conv, ok := ParseAddr(f[0], f[1])
	if !ok {
		return reasonAddr
	}
	switch {
	case f[2] == RTCAnswer || f[2] == RTCCandidate:
	case IsP2PKind(f[2]) && conv.IsUser():
	default:
		return "invalid RTC kind"
	}
	seq, err := strconv.Atoi(f[3])
	if err != nil || seq < 0 || seq > maxRTCSeq || strconv.Itoa(seq) != f[3] {
		return "invalid RTC sequence number"
	}
	if f[4] != "0" && f[4] != "1" {
		return "invalid RTC last flag: 0 or 1"
	}
	if len(f[5]) > MaxRTCChunk || !base64Chars(f[5]) {
		return "invalid RTC payload: base64, at most " + strconv.Itoa(MaxRTCChunk) + " characters a line"
	}
	c.Op, c.Addr, c.Name, c.Seq, c.Last, c.Text = OpRTC, conv, f[2], seq, f[4] == "1", f[5]
	return ""
}

// base64Chars reports whether s only holds characters of standard base64;
// whether the pieces decode is checked once they are joined.
func base64Chars(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '+' || b == '/' || b == '=') {
			return false
		}
	}
	return true
}
