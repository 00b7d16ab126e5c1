package wire

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// TestRTCRoundTrip: payloads cut by RTCLines are joined back whole by
// RTCPieces, one line or many, from what ParseRTCLine reads.
func TestRTCRoundTrip(t *testing.T) {
	var pieces RTCPieces
	for _, size := range []int{0, 1, 2249, 2250, 2251, 9000, MaxRTCPayload} {
		payload := bytes.Repeat([]byte("v=0\r\n"), size/5+1)[:size]
		lines := RTCLines(Addr{3, 4}, "offer", payload)
		chars := base64.StdEncoding.EncodedLen(size)
		if want := max(1, (chars+MaxRTCChunk-1)/MaxRTCChunk); len(lines) != want {
			t.Errorf("%d bytes: %d lines, want %d", size, len(lines), want)
		}
		for i, l := range lines {
			if len(l) > MaxLine {
				t.Fatalf("%d bytes: line %d is %d bytes long", size, i, len(l))
			}
			conv, kind, seq, last, piece, ok := ParseRTCLine(strings.TrimSuffix(string(l), "\r\n"))
			if !ok || conv != (Addr{3, 4}) || kind != "offer" || seq != i || last != (i == len(lines)-1) {
				t.Fatalf("%d bytes: line %d %.60q reads as %v %q %d %v %v", size, i, l, conv, kind, seq, last, ok)
			}
			got, done, err := pieces.Add(kind, seq, last, piece)
			if err != nil || done != last || done && !bytes.Equal(got, payload) {
				t.Fatalf("%d bytes: line %d: Add = %d bytes, %v, %v", size, i, len(got), done, err)
			}
		}
	}
}

// TestRTCPiecesRefusals: pieces out of order, a kind changed halfway, too
// much, and what is not base64 are refused, and the next payload starts
// afresh.
func TestRTCPiecesRefusals(t *testing.T) {
	big := strings.Repeat("A", MaxRTCChunk)
	for _, tt := range []struct {
		name  string
		lines [][3]string // kind, seq, last
		want  error
	}{
		{"starts at 1", [][3]string{{"answer", "1", "1"}}, ErrRTCOrder},
		{"skips one", [][3]string{{"answer", "0", "0"}, {"answer", "2", "1"}}, ErrRTCOrder},
		{"kind changes", [][3]string{{"answer", "0", "0"}, {"candidate", "1", "1"}}, ErrRTCOrder},
		{"not base64", [][3]string{{"answer", "0", "1"}}, ErrRTCBase64},
	} {
		var p RTCPieces
		var err error
		for _, l := range tt.lines {
			piece := "e30"
			if l[2] == "0" {
				piece = "e30="
			}
			_, _, err = p.Add(l[0], int(l[1][0]-'0'), l[2] == "1", piece)
			if err != nil {
				break
			}
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if got, done, err := p.Add("answer", 0, true, "e30="); err != nil || !done || string(got) != "{}" {
			t.Errorf("%s: the next payload: %q %v %v", tt.name, got, done, err)
		}
	}
	var p RTCPieces
	var err error
	for seq := 0; err == nil; seq++ {
		_, _, err = p.Add("answer", seq, false, big)
	}
	if !errors.Is(err, ErrRTCTooLarge) {
		t.Errorf("an endless payload: %v, want %v", err, ErrRTCTooLarge)
	}
}
