package main

import "time"

// clock schedules the table's timers: time.AfterFunc in play, a fake the
// tests move by hand, so that a test of a timeout takes no time.
type clock interface {
	AfterFunc(d time.Duration, f func()) timer
}

type timer interface {
	Stop() bool
}

type realClock struct{}

func (realClock) AfterFunc(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }
