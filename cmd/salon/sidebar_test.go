package main

import "testing"

func TestCountBadge(t *testing.T) {
	for n, want := range map[int]string{1: "1", 42: "42", 999: "999", 1000: "999+", 5000: "999+"} {
		if got := countBadge(n); got != want {
			t.Errorf("countBadge(%d) = %q, want %q", n, got, want)
		}
	}
}
