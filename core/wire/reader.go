package wire

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"syscall"
)

// Framing errors. Both leave the Reader usable: the offending line has been
// consumed and the next call reads the next one.
var (
	ErrLineTooLong = errors.New("line too long")
	ErrInvalidText = errors.New("invalid text")
)

// Reader splits a stream into protocol lines of at most MaxLine bytes. It
// accepts CRLF and bare LF and skips empty lines.
//
// Its buffer is borrowed from a pool only while there is something to read:
// on a connection it waits for data without one, so an idle connection
// holds no read buffer at all.
type Reader struct {
	src        io.Reader
	raw        syscall.RawConn // to wait for data without a buffer; nil for other readers
	buf        *[MaxLine]byte  // nil while nothing is pending
	r, w       int             // buf[r:w] is read but not yet consumed
	discarding bool            // inside an overlong line, skipping to its end
	err        error           // the source's error, returned once the buffer is consumed
}

var buffers = sync.Pool{New: func() any { return new([MaxLine]byte) }}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{src: r}
	if sc, ok := r.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			rd.raw = raw
		}
	}
	return rd
}

// ReadLine returns the next non-empty line without its terminator. It
// returns ErrLineTooLong or ErrInvalidText for a bad line (and may be called
// again), or the underlying error (io.EOF at the end; a partial last line is
// dropped).
func (r *Reader) ReadLine() (string, error) {
	for {
		if line, ok, err := r.next(); ok {
			if err != nil {
				return "", err
			}
			if line == "" {
				continue
			}
			return line, nil
		}
		if r.err != nil {
			r.release()
			return "", r.err
		}
		if err := r.fill(); err != nil {
			if isTimeout(err) {
				// A deadline passing is the caller's business (an idle
				// check); the connection stays readable.
				return "", err
			}
			r.err = err
		}
	}
}

// next takes one complete line from the buffer, if there is one.
func (r *Reader) next() (line string, ok bool, err error) {
	if r.buf == nil {
		return "", false, nil
	}
	pending := r.buf[r.r:r.w]
	i := bytes.IndexByte(pending, '\n')
	if i < 0 {
		if r.discarding || len(pending) == MaxLine {
			// No terminator in a full buffer: the line is too long. Drop
			// what we have and skip to its end.
			r.discarding = true
			r.r, r.w = 0, 0
		}
		return "", false, nil
	}
	b := bytes.TrimSuffix(pending[:i], []byte{'\r'})
	r.r += i + 1
	// The limit counts a CRLF whichever terminator was sent, so that every
	// line returned is at most MaxLine-2 bytes: a bare LF must not buy one
	// more byte.
	switch {
	case r.discarding:
		r.discarding = false
		err = ErrLineTooLong
	case len(b) > MaxLine-2:
		err = ErrLineTooLong
	default:
		line = string(b) // copied before the buffer may go back to the pool
		if !ValidText(line) {
			line, err = "", ErrInvalidText
		}
	}
	if r.r == r.w {
		r.release()
	}
	return line, true, err
}

// fill reads more bytes, waiting for them without holding a buffer when
// nothing is pending.
func (r *Reader) fill() error {
	if r.buf == nil || r.r == r.w {
		r.release()
		if err := r.wait(); err != nil {
			return err
		}
		r.buf = buffers.Get().(*[MaxLine]byte)
	} else if r.r > 0 {
		// Keep the partial line at the start so the buffer can fill up.
		r.w = copy(r.buf[:], r.buf[r.r:r.w])
		r.r = 0
	}
	n, err := r.src.Read(r.buf[r.w:])
	r.w += n
	if n == 0 && r.w == 0 {
		r.release()
	}
	return err
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func (r *Reader) release() {
	if r.buf != nil {
		buffers.Put(r.buf)
		r.buf, r.r, r.w = nil, 0, 0
	}
}

// wait blocks until the connection has data (or an error, or EOF, which
// the read that follows reports). Readers that are not connections do not
// wait: their Read does.
func (r *Reader) wait() error {
	if r.raw == nil {
		return nil
	}
	var one [1]byte
	err := r.raw.Read(func(fd uintptr) bool {
		// Peek without consuming: data, EOF or an error all mean Read will
		// not block. Only "would block" means waiting for the poller.
		_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR
	})
	return err
}
