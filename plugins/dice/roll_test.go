package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseRoll(t *testing.T) {
	ok := map[string]string{
		"2d6+1":     "[{2 6 0 false} {0 0 1 false}]",
		"d20":       "[{1 20 0 false}]",
		"1D4-1":     "[{1 4 0 false} {0 0 1 true}]",
		"3d6+2d4+5": "[{3 6 0 false} {2 4 0 false} {0 0 5 false}]",
		"-1+d6":     "[{0 0 1 true} {1 6 0 false}]",
	}
	for expr, want := range ok {
		terms, err := parseRoll(expr)
		if err != nil {
			t.Errorf("parseRoll(%q): %v", expr, err)
			continue
		}
		if got := fmt.Sprint(terms); got != want {
			t.Errorf("parseRoll(%q) = %s, want %s", expr, got, want)
		}
	}
	bad := map[string]string{
		"":             "nothing to roll",
		"5":            "at least one die",
		"2d0":          "1 to 1000 sides",
		"2d1001":       "1 to 1000 sides",
		"0d6":          "1 or more dice",
		"101d6":        "at most 100 dice",
		"60d6+41d6":    "at most 100 dice",
		"2d6+":         "is not a number",
		"2d":           "is not a number",
		"dd6":          "is not a number",
		"2d6 +1":       "is not a number",
		"2d6*3":        "is not a number",
		"1d6+99999999": "is not a number",
		"1d6+2000000":  "at most 1000000",
		"d99999999":    "is not a number",
	}
	for expr, want := range bad {
		if _, err := parseRoll(expr); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseRoll(%q) error %v, want one mentioning %q", expr, err, want)
		}
	}
	many := strings.Repeat("d2+", 25) + "d2"
	if _, err := parseRoll(many); err == nil || !strings.Contains(err.Error(), "terms") {
		t.Errorf("26 terms: %v", err)
	}
}

func TestRollDetail(t *testing.T) {
	faces := []int{2, 4, 0} // intn results: dice show 3, 5, then 1
	i := 0
	intn := func(n int) int { v := faces[i]; i++; return v }
	terms, _ := parseRoll("2d6+1d4-1")
	total, detail := roll(terms, intn)
	if total != 8 || detail != "3 + 5 + 1 - 1 = 8" {
		t.Fatalf("roll = %d %q", total, detail)
	}
	terms, _ = parseRoll("d20")
	if total, detail := roll(terms, func(int) int { return 10 }); total != 11 || detail != "11" {
		t.Fatalf("one die: %d %q", total, detail)
	}
}

// Every face comes up, and only faces that exist, with a seeded source.
func TestRollRange(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[int]bool{}
	terms, _ := parseRoll("d6")
	for range 1000 {
		v, _ := roll(terms, r.IntN)
		if v < 1 || v > 6 {
			t.Fatalf("d6 gave %d", v)
		}
		seen[v] = true
	}
	if len(seen) != 6 {
		t.Fatalf("faces seen: %v", seen)
	}
	if got := cryptoIntn(6); got < 0 || got > 5 {
		t.Fatalf("cryptoIntn(6) = %d", got)
	}
}
