package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A roll expression is a sum of terms: dice ("2d6", "d20": one die when
// the count is left out) and constants ("+1", "-2"), e.g. "2d6+1d4-1".

// Limits keep one roll cheap and its answer short.
const (
	maxDice  = 100
	maxSides = 1000
	maxConst = 1_000_000
	maxTerms = 20
)

type term struct {
	count, sides int // dice, when sides > 0
	constant     int // otherwise
	negative     bool
}

// parseRoll reads an expression; spaces are not allowed inside it.
func parseRoll(expr string) ([]term, error) {
	if expr == "" {
		return nil, errors.New("nothing to roll: try 2d6+1")
	}
	var terms []term
	dice := 0
	rest := strings.ToLower(expr)
	first := true
	for rest != "" {
		t := term{}
		switch rest[0] {
		case '+':
			rest = rest[1:]
		case '-':
			t.negative, rest = true, rest[1:]
		default:
			if !first {
				return nil, fmt.Errorf("expected + or - in %q", expr)
			}
		}
		first = false
		end := strings.IndexAny(rest, "+-")
		if end < 0 {
			end = len(rest)
		}
		tok := rest[:end]
		rest = rest[end:]
		if count, sides, ok := strings.Cut(tok, "d"); ok {
			n, s := 1, 0
			var err error
			if count != "" {
				if n, err = number(count); err != nil {
					return nil, err
				}
			}
			if s, err = number(sides); err != nil {
				return nil, err
			}
			if n < 1 || s < 1 || s > maxSides {
				return nil, fmt.Errorf("dice are 1 or more dice of 1 to %d sides", maxSides)
			}
			dice += n
			t.count, t.sides = n, s
		} else {
			c, err := number(tok)
			if err != nil {
				return nil, err
			}
			if c > maxConst {
				return nil, fmt.Errorf("constants are at most %d", maxConst)
			}
			t.constant = c
		}
		terms = append(terms, t)
	}
	if dice == 0 {
		return nil, errors.New("roll at least one die")
	}
	if dice > maxDice {
		return nil, fmt.Errorf("at most %d dice at once", maxDice)
	}
	if len(terms) > maxTerms {
		return nil, fmt.Errorf("at most %d terms", maxTerms)
	}
	return terms, nil
}

func number(s string) (int, error) {
	if s == "" || len(s) > 7 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}

// roll throws the dice with intn (uniform in [0, n)) and describes the
// result: "3 + 5 + 1 = 9".
func roll(terms []term, intn func(n int) int) (total int, detail string) {
	var parts []string
	for _, t := range terms {
		sign := 1
		if t.negative {
			sign = -1
		}
		if t.sides == 0 {
			total += sign * t.constant
			parts = append(parts, signed(sign, t.constant, len(parts) == 0))
			continue
		}
		for range t.count {
			v := intn(t.sides) + 1
			total += sign * v
			parts = append(parts, signed(sign, v, len(parts) == 0))
		}
	}
	if len(parts) == 1 {
		return total, parts[0]
	}
	return total, strings.Join(parts, " ") + " = " + strconv.Itoa(total)
}

func signed(sign, v int, first bool) string {
	switch {
	case sign < 0:
		return "- " + strconv.Itoa(v)
	case first:
		return strconv.Itoa(v)
	}
	return "+ " + strconv.Itoa(v)
}
