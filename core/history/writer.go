package history

import (
	"fmt"
	"io"
	"strconv"
)

// Writer writes save.txt to an io.Writer. It does not buffer: each call
// makes exactly one Write on the underlying writer, so that a caller
// streaming a history chooses its own buffering (a bufio.Writer, or the
// FILE chunks of a download).
type Writer struct {
	w   io.Writer
	buf []byte // one line or entry, formatted then written at once
	n   int64
	err error // after a failed write the file ends mid-line: stop there
}

// NewWriter writes the header line of h to w and returns a Writer for the
// entries. It fails if h is not a valid header or the write fails.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	if p := h.problem(); p != "" {
		return nil, fmt.Errorf("history: invalid header %+v: %s", h, p)
	}
	hw := &Writer{w: w, buf: make([]byte, 0, 128)}
	hw.buf = appendHeader(hw.buf, h)
	if err := hw.write(); err != nil {
		return nil, err
	}
	return hw, nil
}

// Write writes "# 0 tag D M YY h m s" then "> text" or "* file_name". An
// invalid entry is refused and nothing is written, so the Writer stays
// usable; a failed write is returned again by every later call.
func (w *Writer) Write(e Entry) error {
	if w.err != nil {
		return w.err
	}
	if p := e.problem(); p != "" {
		return fmt.Errorf("history: invalid entry: %s", p)
	}
	w.buf = appendEntry(w.buf[:0], e)
	return w.write()
}

// Written returns the number of bytes written so far, header included.
func (w *Writer) Written() int64 { return w.n }

func (w *Writer) write() error {
	n, err := w.w.Write(w.buf)
	w.n += int64(n)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("history: %w", err)
	}
	return w.err
}

func appendHeader(b []byte, h Header) []byte {
	b = append(b, '+', ' ')
	if h.Server > 0 {
		b = strconv.AppendInt(b, h.Server, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, h.Channel, 10)
	} else {
		b = append(b, "0 "...)
		b = strconv.AppendInt(b, h.Me, 10)
		b = append(b, " 0 "...)
		b = strconv.AppendInt(b, h.Other, 10)
	}
	return append(b, '\n')
}

func appendEntry(b []byte, e Entry) []byte {
	t := e.Time.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	b = append(b, "# 0 "...)
	b = strconv.AppendInt(b, e.Author, 10)
	for _, v := range [...]int{day, int(month), year % 100, hour, min, sec} {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(v), 10)
	}
	if e.File != "" {
		b = append(b, "\n* "...)
		b = append(b, e.File...)
	} else {
		b = append(b, "\n> "...)
		b = append(b, e.Text...)
	}
	return append(b, '\n')
}
