package main

import (
	"slices"
	"strings"
	"testing"
)

// The attack scenarios themselves are benchmarks, run by make attacks;
// these tests cover the pure parts they judge with.

func TestExpandScenarios(t *testing.T) {
	got := expandScenarios("floor, attacks,rtt")
	if got[0] != "floor" || got[len(got)-1] != "rtt" || len(got) != 2+len(attackScenarios) {
		t.Fatalf("expandScenarios = %q", got)
	}
	for _, s := range attackScenarios {
		if !strings.HasPrefix(s.name, "attack-") || !slices.Contains(got, s.name) {
			t.Errorf("attack %q: not in the group, or not named attack-*", s.name)
		}
		if _, ok := findAttack(s.name); !ok {
			t.Errorf("findAttack(%q) found nothing", s.name)
		}
	}
	if _, ok := findAttack("fanout"); ok {
		t.Error("fanout is not an attack")
	}
}

func TestLogTally(t *testing.T) {
	l := newLogTally()
	// Lines arrive in pieces, as a pipe hands them over.
	l.Write([]byte("2026-01-02T03:04:05.678Z [INFO]  salond: listening: addr=127.0.0.1:1\n2026-01-02T03:04:06.000Z [WA"))
	l.Write([]byte("RN]  salond.hub: disconnecting a flooding session: user=3 addr=127.1.0.2\n"))
	l.Write([]byte("2026-01-02T03:04:07.000Z [ERROR] salond.hub: download failed: name=x error=y\n"))
	c := l.counts()
	if c.lines != 3 || c.warnings != 1 || c.errors != 1 {
		t.Fatalf("counts = %+v", c)
	}
	kinds := l.warningKinds()
	if kinds["salond.hub: disconnecting a flooding session"] != 1 || len(kinds) != 1 {
		t.Fatalf("warningKinds = %v", kinds)
	}
	at, ok := l.firstAt("addr=127.1.0.2 ")
	if !ok || at.Second() != 6 {
		t.Fatalf("firstAt = %v, %v", at, ok)
	}
	if _, ok := l.firstAt("addr=127.1.0.20 "); ok {
		t.Fatal("firstAt matched another address")
	}
}

func TestReadsAs(t *testing.T) {
	for _, v := range lookAlikes("alice", nil, nil) {
		if readsAs(v) != "alice" {
			t.Errorf("%q (%+q) reads as %q, not alice", v, v, readsAs(v))
		}
	}
	if readsAs("Jose\u0301") != readsAs("Jos\u00e9") {
		t.Error("NFD José reads differently from NFC")
	}
	// Another script's letters are other letters, to this fold.
	if readsAs("\u0430lice") == "alice" || readsAs("\u0455ave.txt") == "save.txt" {
		t.Error("a Cyrillic letter read as a Latin one")
	}
}

func TestFreshLoopback(t *testing.T) {
	seen := map[string]bool{}
	for range 100000 {
		a := freshLoopback()
		if seen[a] || a == "127.0.0.1" || strings.HasSuffix(a, ".0") || strings.HasSuffix(a, ".255") {
			t.Fatalf("freshLoopback gave %s", a)
		}
		seen[a] = true
	}
}
