package main

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"unsafe"
)

// stampedReader reads a TCP connection with recvmsg and keeps the time the
// kernel received what the last read returned (SO_TIMESTAMPNS). For TCP the
// kernel reports the newest segment a read consumed, so every line a read
// completes is stamped no earlier than it arrived: latencies taken from
// these stamps may be too long, never too short. They leave out the load
// generator's own delay between a segment's arrival and its reader running,
// which is not the server's. The kernel turns receive timestamps on a
// moment after the first socket asks (from a work queue), so the first
// segments may come without one: those reads leave last at 0, and their
// lines count in the reader's latencies only.
type stampedReader struct {
	raw  syscall.RawConn
	oob  [64]byte
	last int64 // unix ns of the last read's newest segment; 0 when unknown
}

// newStampedReader asks the kernel for receive times on conn. It returns
// nil where that is not possible (not TCP, option refused).
func newStampedReader(conn net.Conn) *stampedReader {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	return &stampedReader{raw: raw}
}

func (r *stampedReader) Read(p []byte) (int, error) {
	var n, oobn int
	var err error
	rerr := r.raw.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = syscall.Recvmsg(int(fd), p, r.oob[:], 0)
		return err != syscall.EAGAIN
	})
	if rerr != nil {
		return 0, rerr
	}
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, io.EOF
	}
	r.last = receiveTime(r.oob[:oobn])
	return n, nil
}

// receiveTime finds the SCM_TIMESTAMPNS message among the control messages
// of one recvmsg, without allocating.
func receiveTime(oob []byte) int64 {
	const hdr = int(unsafe.Sizeof(syscall.Cmsghdr{}))
	for len(oob) >= hdr {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		size := int(h.Len)
		if size < hdr || size > len(oob) {
			return 0
		}
		if h.Level == syscall.SOL_SOCKET && h.Type == syscall.SCM_TIMESTAMPNS && size >= hdr+16 {
			data := oob[hdr:size]
			sec := int64(binary.NativeEndian.Uint64(data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(data[8:16]))
			return sec*1e9 + nsec
		}
		oob = oob[cmsgSpace(size):]
	}
	return 0
}

// cmsgSpace rounds a control message's length up to the alignment the
// kernel pads them to.
func cmsgSpace(n int) int {
	const align = int(unsafe.Sizeof(uintptr(0)))
	return (n + align - 1) &^ (align - 1)
}
