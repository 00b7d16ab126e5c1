// Package wheel is the rules of European roulette, without players, chips
// or time: the 37 pockets of a single-zero wheel and their colours, the
// bets of the table layout as players write them, and what a bet pays on
// each number.
//
// The layout is the usual one: zero on top, then twelve rows of three
// numbers (1 2 3, 4 5 6, ... 34 35 36), so that the three columns are the
// numbers of a given remainder modulo 3.
package wheel

import (
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// Pockets is how many numbers the wheel has: 0 to 36.
const Pockets = 37

// redNumbers are the red pockets. Colours follow no formula on a real
// wheel, so they are listed.
var redNumbers = set(1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36)

// Colour returns "green" for 0, "red" or "black" for the other numbers.
func Colour(n int) string {
	switch {
	case n == 0:
		return "green"
	case redNumbers.has(n):
		return "red"
	}
	return "black"
}

// Kind is a kind of bet.
type Kind int

// The kinds of bets, inside bets first.
const (
	Straight Kind = iota // one number
	Split                // two numbers next to each other on the layout
	Street               // a row of three, or a trio with zero (0 1 2, 0 2 3)
	Corner               // four numbers in a square, or the first four (0 1 2 3)
	SixLine              // two rows next to each other
	Dozen                // 1-12, 13-24, 25-36
	Column               // a column of twelve
	Red
	Black
	Odd
	Even
	Low  // 1-18
	High // 19-36
)

// kinds holds each kind's name, as players write it, and its odds.
var kinds = [...]struct {
	name string
	odds int64
}{
	Straight: {"straight", 35},
	Split:    {"split", 17},
	Street:   {"street", 11},
	Corner:   {"corner", 8},
	SixLine:  {"sixline", 5},
	Dozen:    {"dozen", 2},
	Column:   {"column", 2},
	Red:      {"red", 1},
	Black:    {"black", 1},
	Odd:      {"odd", 1},
	Even:     {"even", 1},
	Low:      {"low", 1},
	High:     {"high", 1},
}

// Kinds lists every kind, in layout order.
func Kinds() []Kind {
	ks := make([]Kind, len(kinds))
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kinds) {
		return "Kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kinds[k].name
}

// Odds is what the kind pays for each chip staked, the stake itself not
// counted: 35 for 35 to 1.
func (k Kind) Odds() int64 { return kinds[k].odds }

// numbers is a set of pockets, bit n for number n.
type numbers uint64

func set(ns ...int) numbers {
	var s numbers
	for _, n := range ns {
		s |= 1 << n
	}
	return s
}

// span is the set of the count numbers from first on.
func span(first, count int) numbers {
	return numbers((uint64(1)<<count - 1) << first)
}

func (s numbers) has(n int) bool { return n >= 0 && n < Pockets && s&(1<<n) != 0 }

func (s numbers) list() []int {
	var ns []int
	for v := uint64(s); v != 0; v &= v - 1 {
		ns = append(ns, bits.TrailingZeros64(v))
	}
	return ns
}

// Bet is a valid bet of the layout. The zero Bet is not valid; get one
// from Parse.
type Bet struct {
	kind   Kind
	covers numbers
	arg    int // dozen or column: 1 to 3
}

// Kind is the bet's kind.
func (b Bet) Kind() Kind { return b.kind }

// Numbers lists the numbers the bet wins on, in increasing order.
func (b Bet) Numbers() []int { return b.covers.list() }

// Wins reports whether the bet wins when the ball lands on n.
func (b Bet) Wins(n int) bool { return b.covers.has(n) }

// Payout is what a bet of stake chips gives back when the ball lands on n:
// the stake and its winnings, stake*(odds+1), if the bet wins; 0 if it
// loses. Zero makes every outside bet lose (no la partage).
func (b Bet) Payout(stake int64, n int) int64 {
	if !b.Wins(n) {
		return 0
	}
	return stake * (b.kind.Odds() + 1)
}

// String writes the bet in its canonical form, which Parse reads back:
// inside bets with every number they cover ("corner 17 18 20 21"), dozens
// and columns with their number, the others by their name.
func (b Bet) String() string {
	switch b.kind {
	case Dozen, Column:
		return b.kind.String() + " " + strconv.Itoa(b.arg)
	case Red, Black, Odd, Even, Low, High:
		return b.kind.String()
	}
	var sb strings.Builder
	sb.WriteString(b.kind.String())
	for _, n := range b.Numbers() {
		sb.WriteByte(' ')
		sb.WriteString(strconv.Itoa(n))
	}
	return sb.String()
}

// evenMoney is what the bets that pay 1 to 1 cover: never zero.
var evenMoney = map[Kind]numbers{
	Red:   redNumbers,
	Black: span(1, 36) &^ redNumbers,
	Odd:   everyOther(1),
	Even:  everyOther(2),
	Low:   span(1, 18),
	High:  span(19, 18),
}

// everyOther is from, from+2, ... up to 36.
func everyOther(from int) numbers {
	var s numbers
	for n := from; n <= 36; n += 2 {
		s |= 1 << n
	}
	return s
}

// Parse reads a bet as players write it: a kind's name (any case), then
// its numbers, words separated by spaces (ASCII ones: a payload is one
// line of protocol text).
//
//	straight N            any number 0 to 36
//	split A B             two numbers next to each other on the layout,
//	                      in a row or a column, or 0 with 1, 2 or 3
//	street N              the row whose first number is N (1, 4, ... 34),
//	street A B C          or its three numbers; 0 1 2 and 0 2 3 are streets too
//	corner N              the square whose lowest number is N (N in the
//	corner A B C D        first or second column, N <= 32), or its four
//	                      numbers; 0 1 2 3 (the first four) is a corner too
//	sixline N             the two rows from row start N (1, 4, ... 31),
//	sixline A B C D E F   or their six numbers
//	dozen D               D = 1 (1-12), 2 (13-24), 3 (25-36)
//	column C              C = 1 (1, 4, ... 34), 2 (2, 5, ... 35), 3 (3, 6, ... 36)
//	red black odd even low high
//
// Numbers are decimal, without sign or leading zeros, in any order.
// Errors say what is wrong in words a player understands.
func Parse(s string) (Bet, error) {
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' })
	if len(words) == 0 {
		return Bet{}, fmt.Errorf("no bet; try straight 17, split 17 18, red, dozen 2...")
	}
	k, ok := kindNamed(strings.ToLower(words[0]))
	if !ok {
		return Bet{}, fmt.Errorf("unknown bet %q; bets are straight, split, street, corner, sixline, dozen, column, red, black, odd, even, low, high", words[0])
	}
	ns := make([]int, 0, len(words)-1)
	for _, w := range words[1:] {
		n, ok := number(w)
		if !ok {
			return Bet{}, fmt.Errorf("%s: %q is not a number from 0 to 36", k, w)
		}
		if slices.Contains(ns, n) {
			return Bet{}, fmt.Errorf("%s: %d is there twice", k, n)
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	b, err := build(k, ns)
	if err != nil {
		return Bet{}, fmt.Errorf("%s: %w", k, err)
	}
	return b, nil
}

func kindNamed(name string) (Kind, bool) {
	for k, x := range kinds {
		if x.name == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// number reads a pocket number, 0 to 36.
func number(w string) (int, bool) {
	if w == "" || len(w) > 2 || (len(w) == 2 && w[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return 0, false
		}
		n = n*10 + int(w[i]-'0')
	}
	return n, n < Pockets
}

// build checks the numbers (sorted, distinct) of a bet of kind k.
func build(k Kind, ns []int) (Bet, error) {
	want := func(counts ...int) error {
		if slices.Contains(counts, len(ns)) {
			return nil
		}
		switch {
		case len(counts) == 1 && counts[0] == 0:
			return fmt.Errorf("takes no number")
		case len(counts) == 1 && counts[0] == 1:
			return fmt.Errorf("takes one number")
		case len(counts) == 1:
			return fmt.Errorf("takes %d numbers", counts[0])
		}
		return fmt.Errorf("takes %d or %d numbers", counts[0], counts[1])
	}
	b := Bet{kind: k}
	switch k {
	case Straight:
		if err := want(1); err != nil {
			return Bet{}, err
		}
		b.covers = set(ns[0])

	case Split:
		if err := want(2); err != nil {
			return Bet{}, err
		}
		a, c := ns[0], ns[1]
		// In a row: consecutive numbers, the lower not at the row's end.
		// In a column: three apart. Zero touches the whole first row.
		ok := a == 0 && c <= 3 || a > 0 && (c-a == 3 || c-a == 1 && a%3 != 0)
		if !ok {
			return Bet{}, fmt.Errorf("%d and %d are not next to each other on the layout", a, c)
		}
		b.covers = set(a, c)

	case Street:
		if err := want(1, 3); err != nil {
			return Bet{}, err
		}
		if len(ns) == 1 {
			if ns[0] == 0 || ns[0]%3 != 1 {
				return Bet{}, fmt.Errorf("%d does not start a row; rows start at 1, 4, 7, ... 34 (0 1 2 and 0 2 3 are written in full)", ns[0])
			}
			ns = []int{ns[0], ns[0] + 1, ns[0] + 2}
		}
		s := set(ns...)
		ok := s == set(0, 1, 2) || s == set(0, 2, 3) || ns[0]%3 == 1 && s == span(ns[0], 3)
		if !ok {
			return Bet{}, fmt.Errorf("%d %d %d is not a row of the layout, nor 0 1 2 or 0 2 3", ns[0], ns[1], ns[2])
		}
		b.covers = s

	case Corner:
		if err := want(1, 4); err != nil {
			return Bet{}, err
		}
		if len(ns) == 1 {
			n := ns[0]
			if n == 0 || n%3 == 0 || n > 32 {
				return Bet{}, fmt.Errorf("no square has %d as its lowest number; that is 1 to 32, not in the third column (0 1 2 3 is written in full)", n)
			}
			ns = []int{n, n + 1, n + 3, n + 4}
		}
		s := set(ns...)
		n := ns[0]
		ok := s == set(0, 1, 2, 3) || n > 0 && n%3 != 0 && s == set(n, n+1, n+3, n+4)
		if !ok {
			return Bet{}, fmt.Errorf("%d %d %d %d is not a square of the layout, nor 0 1 2 3", ns[0], ns[1], ns[2], ns[3])
		}
		b.covers = s

	case SixLine:
		if err := want(1, 6); err != nil {
			return Bet{}, err
		}
		n := ns[0]
		if len(ns) == 1 && (n == 0 || n%3 != 1 || n > 31) {
			return Bet{}, fmt.Errorf("%d does not start two rows; that is 1, 4, 7, ... 31", n)
		}
		s := span(n, 6)
		if len(ns) == 6 && (n == 0 || n%3 != 1 || set(ns...) != s) {
			return Bet{}, fmt.Errorf("%s is not two rows next to each other", strings.Trim(fmt.Sprint(ns), "[]"))
		}
		b.covers = s

	case Dozen, Column:
		if err := want(1); err != nil {
			return Bet{}, err
		}
		d := ns[0]
		if d < 1 || d > 3 {
			return Bet{}, fmt.Errorf("%d: there are dozens and columns 1, 2 and 3", d)
		}
		b.arg = d
		for n := 1; n <= 36; n++ {
			if k == Dozen && (n-1)/12 == d-1 || k == Column && (n-1)%3 == d-1 {
				b.covers |= 1 << n
			}
		}

	default:
		if err := want(0); err != nil {
			return Bet{}, err
		}
		b.covers = evenMoney[k]
	}
	return b, nil
}
