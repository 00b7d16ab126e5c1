//go:build linux

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The console is read from a terminal, and not from /dev/null, which is a
// character device too, nor from a file.
func TestIsTerminal(t *testing.T) {
	open := func(name string, flag int) *os.File {
		t.Helper()
		f, err := os.OpenFile(name, flag, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	// The master side of a new pseudo-terminal answers as a terminal
	// (opened without becoming the test's controlling terminal).
	if pty := open("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY); !isTerminal(pty) {
		t.Error("a pseudo-terminal is not a terminal")
	}
	if null := open(os.DevNull, os.O_RDONLY); isTerminal(null) {
		t.Errorf("%s is taken for a terminal", os.DevNull)
	}
	if file := open(filepath.Join(t.TempDir(), "commands"), os.O_RDWR|os.O_CREATE); isTerminal(file) {
		t.Error("a file is taken for a terminal")
	}
}
