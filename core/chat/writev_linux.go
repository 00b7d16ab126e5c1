package chat

import (
	"net"
	"syscall"
	"unsafe"
)

// rawConn is the descriptor of a plain TCP connection, which the sweeper
// writes without blocking; nil for anything else.
func rawConn(c net.Conn) syscall.RawConn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// maxIovecs is the most buffers one writev takes on Linux (IOV_MAX).
const maxIovecs = 1024

// writeAll writes the current queue's lines to the non-blocking socket fd
// until all are written (the queue is then empty) or the socket is full
// (errWouldBlock; the queue keeps what was not written).
func (sw *sweeper) writeAll(fd int) error {
	used, err := sw.writev(fd)
	clear(sw.iov[:used]) // hold on to no line once written
	return err
}

// writev is writeAll's loop; it reports how much of sw.iov it filled.
func (sw *sweeper) writev(fd int) (used int, err error) {
	q := sw.current
	for len(q.lines) > 0 {
		iov := sw.iov[:0]
		for _, l := range q.lines {
			if len(l) == 0 {
				continue
			}
			v := syscall.Iovec{Base: &l[0]}
			v.SetLen(len(l))
			iov = append(iov, v)
			if len(iov) == maxIovecs {
				break
			}
		}
		sw.iov = iov
		used = max(used, len(iov))
		if len(iov) == 0 {
			q.lines = q.lines[:0]
			return used, nil
		}
		n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		switch errno {
		case 0:
			consume(&q.lines, int(n))
		case syscall.EINTR:
		case syscall.EAGAIN:
			return used, errWouldBlock
		default:
			return used, errno
		}
	}
	return used, nil
}

// consume drops the first n bytes of lines, as a write took them.
func consume(lines *net.Buffers, n int) {
	for len(*lines) > 0 {
		l := (*lines)[0]
		if len(l) > n {
			(*lines)[0] = l[n:]
			return
		}
		n -= len(l)
		(*lines)[0] = nil
		*lines = (*lines)[1:]
	}
}
