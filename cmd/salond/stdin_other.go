//go:build !unix

package main

import "os"

// consoleInput is standard input itself where descriptors cannot be swapped.
func consoleInput() *os.File { return os.Stdin }
