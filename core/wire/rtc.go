package wire

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

// RTC payloads (section 19, docs/protocol.md "Signaling") travel as base64
// cut into pieces of at most MaxRTCChunk characters, one RTC line each.
// These are the two halves every side uses: the server for its offers and
// the clients' answers, salon-bench and the tests for theirs.

// RTCLines cuts payload into the RTC lines that carry it in conversation
// conv (as the receiver names it).
func RTCLines(conv Addr, kind string, payload []byte) [][]byte {
	text := base64.StdEncoding.EncodeToString(payload)
	var lines [][]byte
	for seq := 0; ; seq++ {
		n := min(len(text), MaxRTCChunk)
		last := "0"
		if n == len(text) {
			last = "1"
		}
		lines = append(lines, Line("RTC", conv, kind, strconv.Itoa(seq), last, text[:n]))
		text = text[n:]
		if text == "" {
			return lines
		}
	}
}

// Why RTCPieces refuses a piece; the text is the ERR reason.
var (
	ErrRTCOrder    = errors.New("RTC lines out of order")
	ErrRTCTooLarge = errors.New("RTC payload too large")
	ErrRTCBase64   = errors.New("invalid RTC payload: not base64")
)

// RTCPieces joins the pieces of one payload after another. A refused piece
// drops what was gathered, so the next payload starts afresh.
type RTCPieces struct {
	kind string
	next int
	text []byte
}

// Add takes one line's piece and returns the payload once its last piece
// has come (done), or why the piece is refused.
func (p *RTCPieces) Add(kind string, seq int, last bool, piece string) (payload []byte, done bool, err error) {
	switch {
	case seq != p.next || seq > 0 && kind != p.kind:
		err = ErrRTCOrder
	case len(p.text)+len(piece) > base64.StdEncoding.EncodedLen(MaxRTCPayload):
		err = ErrRTCTooLarge
	}
	if err != nil {
		p.reset()
		return nil, false, err
	}
	p.kind, p.next = kind, p.next+1
	p.text = append(p.text, piece...)
	if !last {
		return nil, false, nil
	}
	payload, decodeErr := base64.StdEncoding.DecodeString(string(p.text))
	p.reset()
	if decodeErr != nil {
		return nil, false, ErrRTCBase64
	}
	return payload, true, nil
}

func (p *RTCPieces) reset() { p.kind, p.next, p.text = "", 0, p.text[:0] }

// ParseRTCLine reads an RTC line as a server sends it: "RTC S C kind seq
// last piece" (ok false for any other line).
func ParseRTCLine(line string) (conv Addr, kind string, seq int, last bool, piece string, ok bool) {
	f := strings.Split(line, " ")
	if len(f) != 7 || f[0] != "RTC" || (f[5] != "0" && f[5] != "1") {
		return Addr{}, "", 0, false, "", false
	}
	conv, ok = ParseAddr(f[1], f[2])
	seq, err := strconv.Atoi(f[4])
	if !ok || err != nil || seq < 0 {
		return Addr{}, "", 0, false, "", false
	}
	return conv, f[3], seq, f[5] == "1", f[6], true
}
