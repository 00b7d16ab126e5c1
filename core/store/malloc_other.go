//go:build !linux

package store

// releaseFreedMemory does nothing where the C library is not glibc's.
func releaseFreedMemory() {}

// mallocArenas is unknown there.
func mallocArenas() int { return -1 }
