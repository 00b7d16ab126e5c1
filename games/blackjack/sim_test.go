package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salon-chat/salon/sdk"
)

// TestSeededRounds plays many rounds from a seeded shoe with random
// choices, idle turns included, and checks after each that every chip
// taken or paid is the one the results announced.
func TestSeededRounds(t *testing.T) {
	f := newFixtureWith(t, "decks = 1\ndealer_hits_soft_17 = true\n")
	rnd := rand.New(rand.NewPCG(9, 9))
	users := map[string]int64{"1": alice, "2": bob}
	want := map[int64]int64{alice: 100000, bob: 100000}
	f.h.SetBalance(alice, want[alice])
	f.h.SetBalance(bob, want[bob])
	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")
	f.take()
	shuffles, outcomes := 0, map[string]int{}
	for round := range 300 {
		betting := false
		for _, u := range []int64{alice, bob} {
			if rnd.IntN(8) > 0 {
				f.do(u, "bet 5 2 "+strconv.Itoa(10+rnd.IntN(491)))
				betting = true
			}
		}
		if !betting {
			continue
		}
		f.clock.Advance(15 * time.Second)
		for steps := 0; ; steps++ {
			if steps > 50 {
				t.Fatalf("round %d does not end", round)
			}
			var turn int64
			insuring, ended := false, false
			for _, l := range f.take() {
				w := strings.Fields(l)
				switch w[0] {
				case "turn":
					turn = users[w[3]]
				case "insurance":
					insuring = true
				case "shuffle":
					shuffles++
				case "result":
					bet, _ := strconv.ParseInt(w[6], 10, 64)
					paid, _ := strconv.ParseInt(w[7], 10, 64)
					want[users[w[3]]] += paid - bet
					outcomes[w[5]]++
				case "end":
					ended = true
				}
			}
			if ended {
				break
			}
			switch {
			case insuring:
				for _, u := range []int64{alice, bob} {
					f.do(u, []string{"insurance 5 2", "insurance 5 2 no", "balance"}[rnd.IntN(3)])
				}
				f.clock.Advance(20 * time.Second) // for those who said nothing
			case turn != 0 && rnd.IntN(10) == 0:
				f.clock.Advance(20 * time.Second) // idle
			case turn != 0:
				f.do(turn, []string{"hit", "stand", "double", "split"}[rnd.IntN(4)]+" 5 2")
				f.do(turn, "stand 5 2") // after a mistake (or on the next hand)
			default:
				f.clock.Advance(20 * time.Second)
			}
		}
		f.balances(want)
		if t.Failed() {
			t.Fatalf("after round %d", round)
		}
		if got := f.openBets(); len(got) != 0 {
			t.Fatalf("round %d left open bets %q", round, got)
		}
	}
	t.Logf("shuffles %d, outcomes %v", shuffles, outcomes)
	// The seeds must have reached every corner of the game.
	if shuffles == 0 || outcomes["blackjack"] == 0 || outcomes["push"] == 0 || outcomes["win"] == 0 || outcomes["lose"] == 0 {
		t.Errorf("shuffles %d, outcomes %v", shuffles, outcomes)
	}
}

// TestConcurrentTables has players at three tables act at once while
// time passes, for the race detector, and checks that the chips add up.
func TestConcurrentTables(t *testing.T) {
	f := newFixture(t)
	const dave, erin, frank = 4, 5, 6
	other := sdk.Channel(5, 3)
	f.h.AddMember(other, dave, erin)
	tables := map[int64]string{alice: "5 2", bob: "5 2", dave: "5 3", erin: "5 3", carol: "0 6", frank: "0 3"}
	for u := range tables {
		f.h.SetBalance(u, 1000)
	}
	var wg sync.WaitGroup
	for u, table := range tables {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(u), 1))
			play := func(cmd string) {
				cmd, arg, _ := strings.Cut(cmd, " ")
				if err := f.h.Game(u, game, strings.TrimSpace(cmd+" "+table+" "+arg)); err != nil {
					t.Errorf("%d %s: %v", u, cmd, err)
				}
			}
			play("sit")
			for range 200 {
				play([]string{"bet 50", "hit", "stand", "double", "split", "insurance", "insurance no"}[rnd.IntN(7)])
			}
		})
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for {
			select {
			case <-stop:
				return
			default:
				f.clock.Advance(3 * time.Second)
			}
		}
	}()
	wg.Wait()
	close(stop)
	<-ticked
	for range 10 {
		f.clock.Advance(time.Minute) // every round to its end
	}
	if got := f.openBets(); len(got) != 0 {
		t.Fatalf("open bets %q", got)
	}
	// Who sits where, from the tables' own words; then every result.
	owner := map[string]int64{}
	want := map[int64]int64{}
	for u := range tables {
		want[u] = 1000
	}
	results := 0
	for _, l := range f.h.Sent() {
		w := strings.Fields(strings.TrimPrefix(l.Line, "JEU blackjack "))
		if w[0] != "sat" && w[0] != "result" {
			continue
		}
		table := w[1] + " " + w[2]
		if l.To != 0 {
			if l.To > atoi(w[2]) {
				continue // a direct table's line, counted once: as its lower party got it
			}
			table = fmt.Sprint("0 ", min(l.To, atoi(w[2])), max(l.To, atoi(w[2])))
		}
		switch w[0] {
		case "sat":
			owner[table+" "+w[3]] = atoi(w[4])
		case "result":
			want[owner[table+" "+w[3]]] += atoi(w[7]) - atoi(w[6])
			results++
		}
	}
	t.Logf("%d results", results)
	if results == 0 {
		t.Fatal("no round was played")
	}
	f.balances(want)
}

func atoi(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
