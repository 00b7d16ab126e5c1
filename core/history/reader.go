package history

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

const (
	headerForm = "expected '+ S C' or '+ 0 me 0 other'"
	metaForm   = "expected '# 0 tag D M YY h m s'"
	bodyForm   = "expected '> text' or '* file_name'"
)

// Reader parses save.txt as a stream. It holds one line at a time, so a
// history of any length is read in bounded memory. Its errors say where:
// "save.txt:LINE: reason".
type Reader struct {
	br    *bufio.Reader
	line  int // number of the last line read
	h     Header
	hRead bool
	hErr  error
	err   error     // the first error or io.EOF: a stream cut mid-entry cannot resume
	f     [8][]byte // fields of the current line, reused to avoid allocating per line
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	// One byte more than a line may hold, so that a last line of exactly
	// maxLine bytes without its "\n" fits; longer lines are caught by length.
	return &Reader{br: bufio.NewReaderSize(r, maxLine+1)}
}

// Header reads the header line. It is meant to be called first; Next calls
// it if needed. Later calls return the same result.
func (r *Reader) Header() (Header, error) {
	if !r.hRead {
		r.hRead = true
		r.h, r.hErr = r.readHeader()
		if r.hErr != nil {
			r.err = r.hErr
		}
	}
	return r.h, r.hErr
}

// Next returns the next entry, or io.EOF after the last one. After an
// error, every call returns that error again.
func (r *Reader) Next() (Entry, error) {
	r.Header()
	if r.err != nil {
		return Entry{}, r.err
	}
	e, err := r.readEntry()
	if err != nil {
		r.err = err
		return Entry{}, err
	}
	return e, nil
}

// Parse parses a whole save.txt held in memory.
func Parse(data []byte) (Header, []Entry, error) {
	r := NewReader(bytes.NewReader(data))
	h, err := r.Header()
	if err != nil {
		return Header{}, nil, err
	}
	var entries []Entry
	for {
		e, err := r.Next()
		if err == io.EOF {
			return h, entries, nil
		}
		if err != nil {
			return Header{}, nil, err
		}
		entries = append(entries, e)
	}
}

func (r *Reader) readHeader() (Header, error) {
	b, err := r.readLine()
	if err == io.EOF {
		return Header{}, lineError(r.line+1, "missing header, "+headerForm)
	}
	if err != nil {
		return Header{}, err
	}
	f := r.fields(b, "+ ", 4)
	var v [4]int64
	for i, s := range f {
		n, err := number(s)
		if errors.Is(err, errRange) {
			return Header{}, lineError(r.line, "tag does not fit in 63 bits")
		}
		if err != nil {
			return Header{}, lineError(r.line, headerForm)
		}
		v[i] = n
	}
	switch {
	case len(f) == 2 && v[0] > 0:
		return Header{Server: v[0], Channel: v[1]}, nil
	case len(f) == 4 && v[0] == 0 && v[1] > 0 && v[2] == 0 && v[3] > 0:
		return Header{Me: v[1], Other: v[3]}, nil
	}
	return Header{}, lineError(r.line, headerForm)
}

func (r *Reader) readEntry() (Entry, error) {
	b, err := r.nonEmptyLine()
	if err != nil {
		return Entry{}, err
	}
	e, err := r.parseMeta(b)
	if err != nil {
		return Entry{}, err
	}
	meta := r.line
	b, err = r.readLine()
	if err == io.EOF {
		return Entry{}, lineError(meta, "'#' line not followed by '> text' or '* file_name'")
	}
	if err != nil {
		return Entry{}, err
	}
	var problem string
	if text, ok := bytes.CutPrefix(b, []byte("> ")); ok {
		e.Text = string(text)
		problem = textProblem(e.Text)
	} else if file, ok := bytes.CutPrefix(b, []byte("* ")); ok {
		e.File = string(file)
		problem = fileProblem(e.File)
	} else {
		problem = bodyForm
	}
	if problem != "" {
		return Entry{}, lineError(r.line, problem)
	}
	return e, nil
}

// parseMeta parses "# 0 tag D M YY h m s".
func (r *Reader) parseMeta(b []byte) (Entry, error) {
	f := r.fields(b, "# ", 8)
	if len(f) != 8 {
		return Entry{}, lineError(r.line, metaForm)
	}
	var v [8]int64
	for i, s := range f {
		n, err := number(s)
		switch {
		case errors.Is(err, errRange) && i == 1:
			return Entry{}, lineError(r.line, "author tag does not fit in 63 bits")
		case errors.Is(err, errRange):
			n = -1 // out of every range checked below
		case err != nil:
			return Entry{}, lineError(r.line, metaForm)
		}
		v[i] = n
	}
	day, month, yy, hour, min, sec := v[2], v[3], v[4], v[5], v[6], v[7]
	switch {
	case v[0] != 0:
		return Entry{}, lineError(r.line, metaForm)
	case v[1] == 0:
		return Entry{}, lineError(r.line, "author tag must be > 0")
	case month < 1 || month > 12 || yy < 0 || yy > 99 || day < 1 || day > daysIn(month, 2000+yy):
		return Entry{}, lineError(r.line, fmt.Sprintf("invalid date %s %s %s", f[2], f[3], f[4]))
	case hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 59:
		return Entry{}, lineError(r.line, fmt.Sprintf("invalid time %s %s %s", f[5], f[6], f[7]))
	}
	t := time.Date(int(2000+yy), time.Month(month), int(day), int(hour), int(min), int(sec), 0, time.UTC)
	return Entry{Author: v[1], Time: t}, nil
}

// nonEmptyLine returns the next line that is not empty. Empty lines are
// allowed at the end of the file only: a file that ends in a few extra
// "\n" is fine, a blank line inside one is damage.
func (r *Reader) nonEmptyLine() ([]byte, error) {
	blank := 0
	for {
		b, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if len(b) > 0 {
			if blank > 0 {
				return nil, lineError(blank, "empty line")
			}
			return b, nil
		}
		if blank == 0 {
			blank = r.line
		}
	}
}

// readLine returns the next line without its "\n" or "\r\n", or io.EOF at
// the end. The slice is only valid until the next call.
func (r *Reader) readLine() ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	if len(b) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	r.line++
	if errors.Is(err, bufio.ErrBufferFull) || len(b) > maxLine {
		return nil, lineError(r.line, fmt.Sprintf("line longer than %d bytes", maxLine))
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("save.txt:%d: %w", r.line, err)
	}
	if b, ok := bytes.CutSuffix(b, []byte("\n")); ok {
		return bytes.TrimSuffix(b, []byte("\r")), nil
	}
	return b, nil
}

// fields splits what follows prefix on single spaces. It returns nil
// if the prefix is missing, a field is empty (two spaces, a space at
// the end) or there are more than max fields (at most len(r.f)).
func (r *Reader) fields(b []byte, prefix string, max int) [][]byte {
	b, ok := bytes.CutPrefix(b, []byte(prefix))
	if !ok {
		return nil
	}
	f := r.f[:0:max]
	for len(f) < cap(f) {
		field, rest, more := bytes.Cut(b, []byte(" "))
		if len(field) == 0 {
			return nil
		}
		f = append(f, field)
		if !more {
			return f
		}
		b = rest
	}
	return nil
}

// lineError is the error of a bad line: "save.txt:LINE: reason".
func lineError(line int, reason string) error {
	return fmt.Errorf("save.txt:%d: %s", line, reason)
}

var (
	errSyntax = errors.New("not a decimal number")
	errRange  = errors.New("does not fit in 63 bits")
)

// number parses a decimal field. Unlike strconv.ParseInt it refuses signs,
// and it accepts leading zeros however many there are.
func number(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, errSyntax
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errSyntax
		}
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, errRange
		}
		n = n*10 + d
	}
	return n, nil
}

// daysIn returns the number of days of a month.
func daysIn(month, year int64) int64 {
	return int64(time.Date(int(year), time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day())
}
