package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Framing errors. Both leave the Reader usable: the offending line has been
// consumed and the next call reads the next one.
var (
	ErrLineTooLong = errors.New("line too long")
	ErrInvalidText = errors.New("invalid text")
)

// Reader splits a stream into protocol lines of at most MaxLine bytes. It
// accepts CRLF and bare LF and skips empty lines.
type Reader struct {
	br *bufio.Reader
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	return &Reader{br: bufio.NewReaderSize(r, MaxLine)}
}

// ReadLine returns the next non-empty line without its terminator. It
// returns ErrLineTooLong or ErrInvalidText for a bad line (and may be called
// again), or the underlying error (io.EOF at the end; a partial last line is
// dropped).
func (r *Reader) ReadLine() (string, error) {
	for {
		b, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", r.discardLine()
		}
		if err != nil {
			return "", err
		}
		b = bytes.TrimSuffix(b[:len(b)-1], []byte{'\r'})
		if len(b) == 0 {
			continue
		}
		// The limit counts a CRLF whichever terminator was sent, so that
		// every line returned is at most MaxLine-2 bytes: a bare LF must not
		// buy one more byte, and NewReader may have been handed a
		// bufio.Reader with a larger buffer, which it then uses as is.
		if len(b) > MaxLine-2 {
			return "", ErrLineTooLong
		}
		line := string(b)
		if !ValidText(line) {
			return "", ErrInvalidText
		}
		return line, nil
	}
}

// discardLine skips the rest of an overlong line.
func (r *Reader) discardLine() error {
	for {
		_, err := r.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return err
		}
		return ErrLineTooLong
	}
}
