//go:build unix

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// consoleInput gives the console a descriptor of its own for standard input
// and puts /dev/null in its place. go-plugin hands every plugin process the
// server's descriptor 0: a plugin that read it would take the operator's
// console lines, and one blocked on it would hold the terminal.
func consoleInput() *os.File {
	fd, err := unix.Dup(0)
	if err != nil {
		return os.Stdin // no standard input at all: nothing to protect
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		unix.Close(fd)
		return os.Stdin
	}
	defer null.Close()
	if err := unix.Dup2(int(null.Fd()), 0); err != nil {
		unix.Close(fd)
		return os.Stdin
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "console")
}
