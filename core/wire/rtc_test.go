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

// FuzzRTC: any payload survives RTCLines, ParseRTCLine and RTCPieces
// whole, and any line ParseRTCLine accepts can be fed to RTCPieces without
// a panic.
func FuzzRTC(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"), "RTC 3 4 offer 0 1 e30=")
	f.Add([]byte{}, "RTC 0 9 candidate 2 0 e30")
	f.Add(bytes.Repeat([]byte{0xff}, 5000), "RTC 3 4 offer 01 1 ====")
	f.Fuzz(func(t *testing.T, payload []byte, line string) {
		if len(payload) > MaxRTCPayload {
			payload = payload[:MaxRTCPayload]
		}
		var p RTCPieces
		lines := RTCLines(User(7), "answer", payload)
		for i, l := range lines {
			_, kind, seq, last, piece, ok := ParseRTCLine(strings.TrimSuffix(string(l), "\r\n"))
			if !ok {
				t.Fatalf("line %d of %d does not read back: %.80q", i, len(lines), l)
			}
			got, done, err := p.Add(kind, seq, last, piece)
			if err != nil || done != (i == len(lines)-1) || done && !bytes.Equal(got, payload) {
				t.Fatalf("line %d of %d: %d bytes, %v, %v", i, len(lines), len(got), done, err)
			}
		}
		if _, kind, seq, last, piece, ok := ParseRTCLine(line); ok {
			var q RTCPieces
			q.Add(kind, seq, last, piece)
		}
	})
}
