//go:build !linux

package chat

import (
	"net"
	"syscall"
)

// rawConn is nil off Linux: every session writes with a goroutine of its
// own, as TLS sessions do everywhere.
func rawConn(net.Conn) syscall.RawConn { return nil }

func (sw *sweeper) writeAll(int) error { return errWouldBlock }
