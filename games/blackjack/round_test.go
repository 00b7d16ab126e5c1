package main

import (
	"slices"
	"testing"
	"time"

	"github.com/salon-chat/salon/sdk/sdktest"
)

// TestFullRound plays a round with every action, and the mistakes a
// player can make on the way.
func TestFullRound(t *testing.T) {
	f := newFixture(t)
	f.h.SetBalance(bob, 60)

	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")
	f.do(carol, "sit 5 2")
	f.do(alice, "sit 5 2")
	f.expect(
		"sat 5 2 1 1",
		"sat 5 2 2 2",
		"@3 error you are not a member of 5 2",
		"@1 error you already sit at seat 1",
	)

	f.do(carol, "bet 5 2 100")
	f.do(alice, "hit 5 2")
	f.do(alice, "bet 5 2 5")
	f.do(alice, "bet 5 2 lots")
	f.do(alice, "bet 5 2")
	f.do(alice, "bet 5 2 100")
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 100")
	f.do(bob, "bet 5 2 50")
	f.do(bob, "insurance 5 2")
	f.expect(
		"@3 error you are not a member of 5 2",
		"@1 error no hand is being played at this table now",
		`@1 error a bet is 10 to 500 chips, not "5"`,
		`@1 error a bet is 10 to 500 chips, not "lots"`,
		"@1 error usage: bet S C chips",
		"betting 5 2 10",
		"bet 5 2 1 1 100",
		"@1 balance 900",
		"@1 error you have bet 100 on this round already",
		"@2 error not enough chips: you have 60",
		"bet 5 2 2 2 50",
		"@2 balance 10",
		"@2 error insurance is offered only while the dealer shows an ace, before the players play",
	)
	f.balances(map[int64]int64{alice: 900, bob: 10})
	if got := f.openBets(); len(got) != 2 {
		t.Fatalf("open bets %q, want alice's and bob's", got)
	}

	// Alice: 8h 8s, a pair. Bob: 9c 2c. Dealer: 6d up, Td in the hole.
	f.stack(room, "8h 9c 6d 8s 2c Td 3h Kd 9s 7h 8c")
	f.clock.Advance(9 * time.Second)
	f.expect() // the betting window is still open
	f.clock.Advance(time.Second)
	f.expect(
		"card 5 2 1 1 8h 8",
		"card 5 2 2 1 9c 9",
		"dealer 5 2 6d 6",
		"card 5 2 1 1 8s 16",
		"card 5 2 2 1 2c 11",
		"dealer 5 2 hidden",
		"turn 5 2 1 1 20",
	)

	f.do(bob, "hit 5 2")
	f.do(alice, "insurance 5 2")
	f.do(alice, "bet 5 2 10")
	f.do(alice, "split 5 2")
	f.do(alice, "double 5 2")
	f.do(alice, "split 5 2")
	f.do(alice, "stand 5 2")
	f.expect(
		"@2 error it is not your turn",
		"@1 error insurance is offered only while the dealer shows an ace, before the players play",
		"@1 error a round is in play: bet when it ends",
		"split 5 2 1 100",
		"card 5 2 1 1 3h 11",
		"card 5 2 1 2 Kd 18",
		"@1 balance 800",
		"turn 5 2 1 1 20",
		"double 5 2 1 1 200",
		"card 5 2 1 1 9s 20",
		"@1 balance 700",
		"turn 5 2 1 2 20",
		"@1 error you may split only once",
		"stand 5 2 1 2",
		"turn 5 2 2 1 20",
	)
	f.balances(map[int64]int64{alice: 700, bob: 10})

	f.do(bob, "double 5 2")
	f.do(bob, "split 5 2")
	f.do(bob, "hit 5 2")
	f.do(alice, "hit 5 2")
	f.do(bob, "stand 5 2")
	f.expect(
		"@2 error not enough chips: you have 10, this takes 50",
		"@2 error you may split only two cards of the same value",
		"card 5 2 2 1 7h 18",
		"turn 5 2 2 1 20",
		"@1 error it is not your turn",
		"stand 5 2 2 1",
		"dealer 5 2 Td 16",
		"dealer 5 2 8c 24",
		"result 5 2 1 1 win 200 400",
		"result 5 2 1 2 win 100 200",
		"result 5 2 2 1 win 50 100",
		"end 5 2",
	)
	f.balances(map[int64]int64{alice: 1300, bob: 110})
	if got := f.openBets(); len(got) != 0 {
		t.Errorf("open bets left: %q", got)
	}
	if n := f.clock.Pending(); n != 0 {
		t.Errorf("%d timers left after the round", n)
	}
	want := []sdktest.LedgerEntry{
		{User: alice, Delta: -100, Balance: 900, Reason: "blackjack bet at 5 2"},
		{User: bob, Delta: -50, Balance: 10, Reason: "blackjack bet at 5 2"},
		{User: alice, Delta: -100, Balance: 800, Reason: "blackjack split at 5 2"},
		{User: alice, Delta: -100, Balance: 700, Reason: "blackjack double1 at 5 2"},
		{User: alice, Delta: 600, Balance: 1300, Reason: "blackjack payout at 5 2"},
		{User: bob, Delta: 100, Balance: 110, Reason: "blackjack payout at 5 2"},
	}
	if got := f.h.Ledger(); !slices.Equal(got, want) {
		t.Errorf("ledger %v\nwant %v", got, want)
	}

	// The seats stay for the next round, which the next bet opens.
	f.do(bob, "bet 5 2 10")
	f.expect("betting 5 2 10", "bet 5 2 2 2 10", "@2 balance 100")
}

// TestInsurance: the dealer shows an ace, one player insures, one cannot
// afford to and declines, and the dealer has blackjack.
func TestInsurance(t *testing.T) {
	f := newFixture(t)
	f.h.SetBalance(bob, 50)
	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 50")
	f.stack(room, "Th 9h Ac Td 9d Kc")
	f.clock.Advance(10 * time.Second)
	f.take()

	f.do(alice, "hit 5 2")
	f.do(alice, "insurance 5 2 yes")
	f.do(alice, "insurance 5 2")
	f.do(alice, "insurance 5 2")
	f.do(bob, "insurance 5 2")
	f.do(bob, "insurance 5 2 no")
	f.expect(
		"@1 error no hand is being played at this table now",
		"@1 error usage: insurance S C [no]",
		"insured 5 2 1 50",
		"@1 balance 850",
		"@1 error you have already decided on insurance",
		"@2 error not enough chips: you have 0, this takes 25",
		"insured 5 2 2 0",
		"dealer 5 2 Kc 21",
		"result 5 2 1 1 lose 100 0",
		"result 5 2 1 insurance win 50 150",
		"result 5 2 2 1 lose 50 0",
		"end 5 2",
	)
	f.balances(map[int64]int64{alice: 1000, bob: 0})
	if n := f.clock.Pending(); n != 0 {
		t.Errorf("%d timers left after the round", n)
	}
}

// TestTimeouts: nobody answers the insurance, alice idles through her
// turn and is skipped, bob plays; the dealer peeks and plays on.
func TestTimeouts(t *testing.T) {
	f := newFixture(t)
	f.do(alice, "sit 5 2")
	f.do(bob, "sit 5 2")
	f.do(alice, "bet 5 2 100")
	f.do(bob, "bet 5 2 100")
	// Alice 5h 6h (11, she would double). Bob 9d 9s. Dealer Ac up, 7c.
	f.stack(room, "5h 9d Ac 6h 9s 7c")
	f.clock.Advance(10 * time.Second)
	f.expect(
		"sat 5 2 1 1",
		"sat 5 2 2 2",
		"betting 5 2 10",
		"bet 5 2 1 1 100",
		"@1 balance 900",
		"bet 5 2 2 2 100",
		"@2 balance 900",
		"card 5 2 1 1 5h 5",
		"card 5 2 2 1 9d 9",
		"dealer 5 2 Ac 11",
		"card 5 2 1 1 6h 11",
		"card 5 2 2 1 9s 18",
		"dealer 5 2 hidden",
		"insurance 5 2 20",
	)
	f.clock.Advance(19 * time.Second)
	f.expect()
	f.clock.Advance(time.Second)
	f.expect("peek 5 2 none", "turn 5 2 1 1 20")
	f.clock.Advance(20 * time.Second)
	f.expect("timeout 5 2 1", "turn 5 2 2 1 20")
	f.do(alice, "double 5 2")
	f.do(bob, "stand 5 2")
	f.expect(
		"@1 error it is not your turn",
		"stand 5 2 2 1",
		"dealer 5 2 7c 18",
		"result 5 2 1 1 lose 100 0",
		"result 5 2 2 1 push 100 100",
		"end 5 2",
	)
	f.balances(map[int64]int64{alice: 900, bob: 1000})

	// A player's every hand is skipped at once: after a split, one timeout
	// stands both.
	f.do(alice, "bet 5 2 100")
	f.stack(room, "8h 6d 8s Td 3h 4h 5c")
	f.clock.Advance(10 * time.Second)
	f.do(alice, "split 5 2")
	f.take()
	f.clock.Advance(20 * time.Second)
	f.expect(
		"timeout 5 2 1",
		"dealer 5 2 Td 16",
		"dealer 5 2 5c 21",
		"result 5 2 1 1 lose 100 0",
		"result 5 2 1 2 lose 100 0",
		"end 5 2",
	)
	f.balances(map[int64]int64{alice: 700})
}
