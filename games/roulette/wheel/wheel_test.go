package wheel

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The tests check the package against a model of the layout written
// differently: each number 1-36 at (row, column) of a 12x3 grid, zero
// above the first row, and the bets as sets of grid cells.

func cell(n int) (row, col int) { return (n - 1) / 3, (n - 1) % 3 }

func at(row, col int) int { return row*3 + col + 1 }

// adjacent: side by side on the layout, zero touching 1, 2 and 3.
func adjacent(a, b int) bool {
	if a > b {
		a, b = b, a
	}
	if a == 0 {
		return b >= 1 && b <= 3
	}
	ra, ca := cell(a)
	rb, cb := cell(b)
	return ra == rb && (cb-ca == 1) || ca == cb && (rb-ra == 1)
}

// modelBets lists every valid bet of the layout with the numbers it covers
// and its odds, built from the grid.
type modelBet struct {
	text   string // the canonical form
	covers []int
	odds   int64
}

func modelBets() []modelBet {
	var bs []modelBet
	add := func(kind string, odds int64, ns ...int) {
		ns = slices.Sorted(slices.Values(ns))
		words := []string{kind}
		for _, n := range ns {
			words = append(words, strconv.Itoa(n))
		}
		bs = append(bs, modelBet{strings.Join(words, " "), ns, odds})
	}
	for n := 0; n <= 36; n++ {
		add("straight", 35, n)
	}
	for a := 0; a <= 36; a++ {
		for b := a + 1; b <= 36; b++ {
			if adjacent(a, b) {
				add("split", 17, a, b)
			}
		}
	}
	add("street", 11, 0, 1, 2)
	add("street", 11, 0, 2, 3)
	for r := 0; r < 12; r++ {
		add("street", 11, at(r, 0), at(r, 1), at(r, 2))
	}
	add("corner", 8, 0, 1, 2, 3)
	for r := 0; r < 11; r++ {
		for c := 0; c < 2; c++ {
			add("corner", 8, at(r, c), at(r, c+1), at(r+1, c), at(r+1, c+1))
		}
	}
	for r := 0; r < 11; r++ {
		var ns []int
		for c := 0; c < 3; c++ {
			ns = append(ns, at(r, c), at(r+1, c))
		}
		add("sixline", 5, ns...)
	}
	for d := 1; d <= 3; d++ {
		var ns []int
		for n := 12*(d-1) + 1; n <= 12*d; n++ {
			ns = append(ns, n)
		}
		bs = append(bs, modelBet{"dozen " + strconv.Itoa(d), ns, 2})
	}
	for c := 1; c <= 3; c++ {
		var ns []int
		for r := 0; r < 12; r++ {
			ns = append(ns, at(r, c-1))
		}
		bs = append(bs, modelBet{"column " + strconv.Itoa(c), ns, 2})
	}
	outside := map[string]func(n int) bool{
		"red":   func(n int) bool { return slices.Contains(reds, n) },
		"black": func(n int) bool { return !slices.Contains(reds, n) },
		"odd":   func(n int) bool { return n%2 == 1 },
		"even":  func(n int) bool { return n%2 == 0 },
		"low":   func(n int) bool { return n <= 18 },
		"high":  func(n int) bool { return n >= 19 },
	}
	for _, name := range []string{"red", "black", "odd", "even", "low", "high"} {
		var ns []int
		for n := 1; n <= 36; n++ { // never zero
			if outside[name](n) {
				ns = append(ns, n)
			}
		}
		bs = append(bs, modelBet{name, ns, 1})
	}
	return bs
}

// reds, as printed on every European wheel.
var reds = []int{1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36}

func TestColour(t *testing.T) {
	count := map[string]int{}
	for n := 0; n <= 36; n++ {
		want := "black"
		switch {
		case n == 0:
			want = "green"
		case slices.Contains(reds, n):
			want = "red"
		}
		if got := Colour(n); got != want {
			t.Errorf("Colour(%d) = %s, want %s", n, got, want)
		}
		count[Colour(n)]++
	}
	if count["red"] != 18 || count["black"] != 18 || count["green"] != 1 {
		t.Errorf("colours: %v", count)
	}
}

func TestKinds(t *testing.T) {
	want := []struct {
		name string
		odds int64
	}{
		{"straight", 35}, {"split", 17}, {"street", 11}, {"corner", 8}, {"sixline", 5},
		{"dozen", 2}, {"column", 2}, {"red", 1}, {"black", 1}, {"odd", 1}, {"even", 1},
		{"low", 1}, {"high", 1},
	}
	ks := Kinds()
	if len(ks) != len(want) {
		t.Fatalf("%d kinds, want %d", len(ks), len(want))
	}
	for i, k := range ks {
		if k.String() != want[i].name || k.Odds() != want[i].odds {
			t.Errorf("kind %d = %s %d:1, want %s %d:1", i, k, k.Odds(), want[i].name, want[i].odds)
		}
	}
	if s := Kind(99).String(); s != "Kind(99)" {
		t.Errorf("Kind(99) = %s", s)
	}
}

// Every valid bet parses, in any order of its numbers, to its canonical
// form, and covers exactly the model's numbers; the layout has the number
// of bets of each kind a real table has.
func TestEveryValidBet(t *testing.T) {
	count := map[string]int{}
	for _, m := range modelBets() {
		kind, _, _ := strings.Cut(m.text, " ")
		count[kind]++
		words := strings.Fields(m.text)
		r := rand.New(rand.NewPCG(uint64(len(m.text)), 7))
		r.Shuffle(len(words)-1, func(i, j int) { words[i+1], words[j+1] = words[j+1], words[i+1] })
		for _, in := range []string{m.text, strings.Join(words, " "), strings.ToUpper(m.text), "  " + strings.Join(words, "   ") + " "} {
			b, err := Parse(in)
			if err != nil {
				t.Errorf("Parse(%q): %v", in, err)
				continue
			}
			if b.String() != m.text {
				t.Errorf("Parse(%q).String() = %q, want %q", in, b, m.text)
			}
			if b.Kind().Odds() != m.odds {
				t.Errorf("%s pays %d:1, want %d:1", m.text, b.Kind().Odds(), m.odds)
			}
			if !slices.Equal(b.Numbers(), m.covers) {
				t.Errorf("%s covers %v, want %v", m.text, b.Numbers(), m.covers)
			}
		}
	}
	want := map[string]int{
		"straight": 37, "split": 60, "street": 14, "corner": 23, "sixline": 11,
		"dozen": 3, "column": 3, "red": 1, "black": 1, "odd": 1, "even": 1, "low": 1, "high": 1,
	}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("the model has %d %s bets, want %d", count[k], k, n)
		}
	}
}

// Payouts on every outcome 0..36, for every bet: stake*(odds+1) on a
// covered number, nothing otherwise. Summed over the 37 outcomes a chip
// always returns 36: the single zero's 1/37 house edge, bet for bet.
func TestPayoutEveryOutcome(t *testing.T) {
	for _, m := range modelBets() {
		b, err := Parse(m.text)
		if err != nil {
			t.Fatalf("Parse(%q): %v", m.text, err)
		}
		var total int64
		for n := 0; n <= 36; n++ {
			want := int64(0)
			if slices.Contains(m.covers, n) {
				want = 10 * (m.odds + 1)
			}
			if got := b.Payout(10, n); got != want {
				t.Errorf("%s on %d pays %d for 10, want %d", m.text, n, got, want)
			}
			if b.Wins(n) != (want > 0) {
				t.Errorf("%s Wins(%d) = %v", m.text, n, b.Wins(n))
			}
			total += b.Payout(1, n)
		}
		if total != 36 {
			t.Errorf("%s: one chip returns %d over the 37 outcomes, want 36", m.text, total)
		}
		for _, n := range []int{-1, 37, 63, 64} {
			if b.Wins(n) || b.Payout(1, n) != 0 {
				t.Errorf("%s wins on %d, which is not on the wheel", m.text, n)
			}
		}
	}
}

// Zero loses every outside bet: no la partage.
func TestZeroLosesOutside(t *testing.T) {
	for _, s := range []string{"red", "black", "odd", "even", "low", "high", "dozen 1", "dozen 2", "dozen 3", "column 1", "column 2", "column 3"} {
		b, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Payout(100, 0); got != 0 {
			t.Errorf("%s on zero pays %d", s, got)
		}
	}
}

// parses reports whether Parse accepts s, with the covered numbers.
func parses(s string) ([]int, bool) {
	b, err := Parse(s)
	if err != nil {
		return nil, false
	}
	return b.Numbers(), true
}

func join(kind string, ns ...int) string {
	s := kind
	for _, n := range ns {
		s += " " + strconv.Itoa(n)
	}
	return s
}

func TestStraightEveryNumber(t *testing.T) {
	for n := -5; n <= 100; n++ {
		got, ok := parses(join("straight", n))
		if want := n >= 0 && n <= 36; ok != want || ok && !slices.Equal(got, []int{n}) {
			t.Errorf("straight %d: %v %v", n, got, ok)
		}
	}
}

// Every pair of numbers, in both orders: a split iff side by side.
func TestSplitEveryPair(t *testing.T) {
	valid := 0
	for a := 0; a <= 36; a++ {
		for b := 0; b <= 36; b++ {
			_, ok := parses(join("split", a, b))
			want := a != b && adjacent(a, b)
			if ok != want {
				t.Errorf("split %d %d: accepted %v, want %v", a, b, ok, want)
			}
			if ok && a < b {
				valid++
			}
		}
	}
	if valid != 60 {
		t.Errorf("%d splits, want 60", valid)
	}
}

// combinations calls f with every k-subset of 0..36, in increasing order.
func combinations(k int, f func(ns []int)) {
	ns := make([]int, k)
	var rec func(i, from int)
	rec = func(i, from int) {
		if i == k {
			f(ns)
			return
		}
		for n := from; n <= 36; n++ {
			ns[i] = n
			rec(i+1, n+1)
		}
	}
	rec(0, 0)
}

func TestStreetEveryTriple(t *testing.T) {
	valid := 0
	combinations(3, func(ns []int) {
		_, ok := parses(join("street", ns[2], ns[0], ns[1]))
		r, c := cell(ns[0])
		want := ns[0] == 0 && (ns[1] == 1 && ns[2] == 2 || ns[1] == 2 && ns[2] == 3) ||
			ns[0] > 0 && c == 0 && ns[1] == at(r, 1) && ns[2] == at(r, 2)
		if ok != want {
			t.Errorf("street %v: accepted %v, want %v", ns, ok, want)
		}
		if ok {
			valid++
		}
	})
	if valid != 14 {
		t.Errorf("%d streets, want 14", valid)
	}
	// By its first number: the rows' starts only (0 would be ambiguous).
	for n := -1; n <= 40; n++ {
		got, ok := parses(join("street", n))
		want := n >= 1 && n <= 34 && n%3 == 1
		if ok != want || ok && !slices.Equal(got, []int{n, n + 1, n + 2}) {
			t.Errorf("street %d: %v %v, want accepted %v", n, got, ok, want)
		}
	}
}

func TestCornerEveryQuadruple(t *testing.T) {
	valid := 0
	combinations(4, func(ns []int) {
		_, ok := parses(join("corner", ns[3], ns[1], ns[0], ns[2]))
		want := slices.Equal(ns, []int{0, 1, 2, 3})
		if ns[0] > 0 {
			r, c := cell(ns[0])
			want = c < 2 && r < 11 && ns[1] == at(r, c+1) && ns[2] == at(r+1, c) && ns[3] == at(r+1, c+1)
		}
		if ok != want {
			t.Errorf("corner %v: accepted %v, want %v", ns, ok, want)
		}
		if ok {
			valid++
		}
	})
	if valid != 23 {
		t.Errorf("%d corners, want 23", valid)
	}
	// By its lowest number: the top left cell of a square.
	for n := -1; n <= 40; n++ {
		got, ok := parses(join("corner", n))
		want := n >= 1 && n <= 32 && n%3 != 0
		if ok != want || ok && !slices.Equal(got, []int{n, n + 1, n + 3, n + 4}) {
			t.Errorf("corner %d: %v %v, want accepted %v", n, got, ok, want)
		}
	}
}

func TestSixLine(t *testing.T) {
	isSixLine := func(ns []int) bool {
		r, c := cell(ns[0])
		return ns[0] > 0 && c == 0 && r < 11 && slices.Equal(ns, []int{ns[0], ns[0] + 1, ns[0] + 2, ns[0] + 3, ns[0] + 4, ns[0] + 5})
	}
	check := func(ns []int) {
		t.Helper()
		shuffled := slices.Clone(ns)
		slices.Reverse(shuffled)
		_, ok := parses(join("sixline", shuffled...))
		if want := isSixLine(ns); ok != want {
			t.Errorf("sixline %v: accepted %v, want %v", ns, ok, want)
		}
	}
	// All 2.3 million 6-subsets are too many for a unit test. Those that
	// come close, every subset within nine consecutive numbers, are where
	// mistakes would be, so all of them; then random ones.
	valid := 0
	for lo := 0; lo <= 31; lo++ {
		combinations(5, func(rest []int) {
			if rest[4] > 8 || rest[0] == 0 {
				return
			}
			ns := []int{lo}
			for _, d := range rest {
				if lo+d > 36 {
					return
				}
				ns = append(ns, lo+d)
			}
			check(ns)
			if isSixLine(ns) {
				valid++
			}
		})
	}
	if valid != 11 {
		t.Errorf("%d six lines, want 11", valid)
	}
	r := rand.New(rand.NewPCG(6, 6))
	for range 20000 {
		ns := slices.Sorted(slices.Values(r.Perm(37)[:6]))
		check(ns)
	}
	for n := -1; n <= 40; n++ {
		got, ok := parses(join("sixline", n))
		want := n >= 1 && n <= 31 && n%3 == 1
		if ok != want || ok && !slices.Equal(got, []int{n, n + 1, n + 2, n + 3, n + 4, n + 5}) {
			t.Errorf("sixline %d: %v %v, want accepted %v", n, got, ok, want)
		}
	}
}

func TestDozenAndColumnEveryArgument(t *testing.T) {
	for _, kind := range []string{"dozen", "column"} {
		for a := -1; a <= 40; a++ {
			got, ok := parses(join(kind, a))
			if want := a >= 1 && a <= 3; ok != want {
				t.Errorf("%s %d: accepted %v, want %v", kind, a, ok, want)
			}
			if !ok {
				continue
			}
			for n := 0; n <= 36; n++ {
				_, c := cell(n)
				want := n > 0 && (kind == "dozen" && (n+11)/12 == a || kind == "column" && c == a-1)
				if slices.Contains(got, n) != want {
					t.Errorf("%s %d covers %d: %v", kind, a, n, !want)
				}
			}
		}
	}
}

// Wrong counts of numbers, for every kind.
func TestNumberCounts(t *testing.T) {
	takes := map[string][]int{
		"straight": {1}, "split": {2}, "street": {1, 3}, "corner": {1, 4}, "sixline": {1, 6},
		"dozen": {1}, "column": {1}, "red": {0}, "black": {0}, "odd": {0}, "even": {0}, "low": {0}, "high": {0},
	}
	for kind, counts := range takes {
		for count := 0; count <= 7; count++ {
			ns := make([]int, count)
			for i := range ns {
				ns[i] = i + 1
			}
			_, err := Parse(join(kind, ns...))
			if slices.Contains(counts, count) {
				continue // validity by content is tested above
			}
			if err == nil || !strings.Contains(err.Error(), "takes") {
				t.Errorf("%s with %d numbers: error %v, want one saying what it takes", kind, count, err)
			}
		}
	}
}

// Errors name the problem in the player's terms.
func TestParseErrors(t *testing.T) {
	bad := map[string]string{
		"":                     "no bet",
		"   ":                  "no bet",
		"rouge":                `unknown bet "rouge"`,
		"straight 37":          `straight: "37" is not a number from 0 to 36`,
		"straight 017":         `"017" is not a number`,
		"straight 07":          `"07" is not a number`,
		"straight +7":          `"+7" is not a number`,
		"straight -1":          `"-1" is not a number`,
		"straight seven":       `"seven" is not a number`,
		"straight 100":         `"100" is not a number`,
		"split 17 17":          "split: 17 is there twice",
		"split 17 19":          "split: 17 and 19 are not next to each other on the layout",
		"split 3 4":            "3 and 4 are not next to each other",
		"split 0 4":            "0 and 4 are not next to each other",
		"street 14":            "street: 14 does not start a row",
		"street 0":             "0 does not start a row",
		"street 14 15 16":      "14 15 16 is not a row of the layout, nor 0 1 2 or 0 2 3",
		"street 0 1 3":         "0 1 3 is not a row",
		"corner 3":             "corner: no square has 3 as its lowest number",
		"corner 33":            "no square has 33",
		"corner 17 18 19 20":   "17 18 19 20 is not a square of the layout, nor 0 1 2 3",
		"sixline 2":            "sixline: 2 does not start two rows",
		"sixline 34":           "34 does not start two rows",
		"sixline 2 3 4 5 6 7":  "2 3 4 5 6 7 is not two rows next to each other",
		"sixline 0 1 2 3 4 5":  "0 1 2 3 4 5 is not two rows",
		"dozen 0":              "dozen: 0: there are dozens and columns 1, 2 and 3",
		"column 4":             "column: 4: there are dozens and columns 1, 2 and 3",
		"red 1":                "red: takes no number",
		"straight":             "straight: takes one number",
		"split 1":              "split: takes 2 numbers",
		"street 1 2":           "street: takes 1 or 3 numbers",
		"corner 1 2 4":         "corner: takes 1 or 4 numbers",
		"sixline 1 2 3 4 5":    "sixline: takes 1 or 6 numbers",
		"dozen":                "dozen: takes one number",
		"corner 1 2 4 5 7":     "corner: takes 1 or 4 numbers",
		"straight 1 2":         "straight: takes one number",
		"sixline 1 2 3 4 5 5":  "sixline: 5 is there twice",
		"column 1\x002":        "is not a number",
		"straight 1\u00a0":     "is not a number",
		"high 19":              "high: takes no number",
		"low 0":                "low: takes no number",
		"odd x":                `odd: "x" is not a number`,
		"even 2":               "even: takes no number",
		"black 2":              "black: takes no number",
		"straight 3 6 9 12 15": "takes one number",
	}
	for in, want := range bad {
		_, err := Parse(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func ExampleParse() {
	b, _ := Parse("corner 21 17 20 18")
	fmt.Println(b, b.Kind().Odds(), b.Payout(10, 20), b.Payout(10, 19))
	b, _ = Parse("sixline 13")
	fmt.Println(b)
	// Output:
	// corner 17 18 20 21 8 90 0
	// sixline 13 14 15 16 17 18
}
