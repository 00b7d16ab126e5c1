package client

import (
	"bufio"
	"bytes"
	"io"

	"github.com/salon-chat/salon/core/wire"
)

// maxServerLine is the longest line a server sends to a tags connection:
// a line of the original protocol (CRLF included) behind a tag prefix,
// which has a budget of its own (section 14).
const maxServerLine = wire.MaxLine + wire.MaxTagPrefix

// lineReader splits what a server sends into lines, like wire.Reader but
// with room for a tag prefix: wire.Reader holds exactly what a client may
// send, and a tagged MSG of 4000 bytes of text does not fit in that.
type lineReader struct {
	r          *bufio.Reader
	discarding bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, maxServerLine)}
}

// ReadLine returns the next non-empty line without its terminator, or
// wire.ErrLineTooLong or wire.ErrInvalidText for a bad one (the reader
// stays usable), or the connection's error.
func (l *lineReader) ReadLine() (string, error) {
	for {
		b, err := l.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			l.discarding = true
			continue
		}
		if err != nil {
			return "", err
		}
		if l.discarding {
			l.discarding = false
			return "", wire.ErrLineTooLong
		}
		b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
		if len(b) == 0 {
			continue
		}
		// The budget counts a CRLF, whichever terminator came; an untagged
		// line has no prefix to spend.
		limit := wire.MaxLine - 2
		if b[0] == '@' {
			limit += wire.MaxTagPrefix
		}
		if len(b) > limit {
			return "", wire.ErrLineTooLong
		}
		line := string(b)
		if !wire.ValidText(line) {
			return "", wire.ErrInvalidText
		}
		return line, nil
	}
}
