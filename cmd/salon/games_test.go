package main

import (
	"slices"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// gameSay is a game's line and how the client words it.
type gameSay struct {
	line   string // after "JEU "
	want   string // "" : shown as it came
	failed bool
}

// playLines hands each line to a client logged in as alice (1), with bob
// (2) and carol (3), club/#games (5 2) on screen, and checks its wording.
func playLines(t *testing.T, says []gameSay) {
	t.Helper()
	games := wire.Addr{Server: 5, Channel: 2}
	h := loggedIn(t)
	h.open("club/#games")
	for _, s := range says {
		h.lines("JEU " + s.line)
		h.inspect(func(m *model) {
			c := m.st.Convs[games]
			it := c.Items[len(c.Items)-1]
			if it.Kind != client.Played || it.Shown != s.want || it.Error != s.failed {
				t.Errorf("%q shows %q (error %v), want %q (error %v)", s.line, it.Shown, it.Error, s.want, s.failed)
			}
		})
	}
}

// Every line of docs/games/roulette.md.
func TestRouletteLines(t *testing.T) {
	playLines(t, []gameSay{
		{"roulette help bet S C <bet> <chips>: bet 1 to 1000 chips", "bet S C <bet> <chips>: bet 1 to 1000 chips", false},
		{"roulette balance 1000", "you have 1000 chips", false},
		{"roulette balance 1", "you have 1 chip", false},
		{"roulette open 5 2 30", "bets are open: the wheel spins in 30 s", false},
		{"roulette placed 5 2 alice red 100", "alice bets 100 chips on red", false},
		{"roulette placed 5 2 bob corner 17 18 20 21 30", "bob bets 30 chips on corner 17 18 20 21", false},
		{"roulette error split: 17 and 19 are not next to each other on the layout", "split: 17 and 19 are not next to each other on the layout", true},
		{"roulette spin 5 2 17 black", "the ball lands on 17 black", false},
		{"roulette payout 5 2 alice 100 0", "alice staked 100, paid 0: lost 100", false},
		{"roulette payout 5 2 bob 40 450", "bob staked 40, paid 450: won 410", false},
		{"roulette payout 5 2 carol 10 10", "carol staked 10, paid 10: even", false},
		{"roulette over 5 2", "the round is over: the next bet opens a new one", false},
		{"roulette refund 5 2 alice 10", "alice gets 10 chips back: the round was called off by a restart", false},
		// Unknown or malformed: as it came.
		{"roulette jackpot 5 2 alice", "", false},
		{"roulette open 5 2 soon", "", false},
	})
}

// Every line of docs/games/blackjack.md, in the order of a round.
func TestBlackjackLines(t *testing.T) {
	playLines(t, []gameSay{
		{"blackjack help sit S C: take a seat", "sit S C: take a seat", false},
		{"blackjack balance 900", "you have 900 chips", false},
		{"blackjack sat 5 2 1 1", "alice sits at seat 1", false},
		{"blackjack sat 5 2 2 2", "bob sits at seat 2", false},
		{"blackjack betting 5 2 15", "bets are open: the cards are dealt in 15 s", false},
		{"blackjack bet 5 2 1 1 100", "alice bets 100", false},
		{"blackjack shuffle 5 2", "the shoe is shuffled", false},
		{"blackjack card 5 2 1 1 8h 8", "alice: 8♥, total 8", false},
		{"blackjack dealer 5 2 6d 6", "dealer: 6♦, total 6", false},
		{"blackjack card 5 2 2 1 Td 10", "bob: 10♦, total 10", false},
		{"blackjack dealer 5 2 hidden", "dealer: a card face down", false},
		{"blackjack insurance 5 2 20", "the dealer shows an ace: insurance (or insurance no) within 20 s", false},
		{"blackjack insured 5 2 1 50", "alice insures for 50", false},
		{"blackjack insured 5 2 2 0", "bob declines insurance", false},
		{"blackjack peek 5 2 none", "the dealer has no blackjack: the players play", false},
		{"blackjack turn 5 2 1 1 20", "your turn: 20 s to act (hit, stand, double, split)", false},
		{"blackjack split 5 2 1 100", "alice splits, staking 100 on a second hand", false},
		{"blackjack card 5 2 1 2 Kd 18", "alice (hand 2): K♦, total 18", false},
		{"blackjack turn 5 2 1 1 20", "your turn (hand 1): 20 s to act (hit, stand, double, split)", false},
		{"blackjack double 5 2 1 1 200", "alice (hand 1) doubles: the bet is now 200", false},
		{"blackjack stand 5 2 1 2", "alice (hand 2) stands", false},
		{"blackjack turn 5 2 2 1 20", "bob to play: 20 s", false},
		{"blackjack error it is not your turn", "it is not your turn", true},
		{"blackjack timeout 5 2 2", "bob ran out of time: the hands left stand", false},
		{"blackjack result 5 2 1 1 win 200 400", "alice (hand 1) wins: bet 200, paid 400", false},
		{"blackjack result 5 2 1 insurance lose 50 0", "alice's insurance loses: bet 50, paid 0", false},
		{"blackjack result 5 2 2 1 push 50 50", "bob pushes: bet 50, paid 50", false},
		{"blackjack result 5 2 2 1 blackjack 50 125", "bob wins with blackjack: bet 50, paid 125", false},
		{"blackjack end 5 2", "the round is over: the next bet opens a new one", false},
		{"blackjack card 5 2 1 1 As 11", "alice: A♠, total 11", false}, // no split this round
		{"blackjack card 5 2 4 1 2c 2", "seat 4: 2♣, total 2", false},  // a seat taken before this client came
		{"blackjack left 5 2 2 2", "bob leaves seat 2", false},
		{"blackjack refund 5 2 1 150", "alice gets 150 chips back: the round was called off by a restart", false},
		{"blackjack paid 5 2 3 200", "carol is paid 200 chips: a bet settled after a restart", false},
		{"blackjack sat 5 2 one 1", "", false},
	})
}

// Every line of docs/games/holdem.md.
func TestHoldemLines(t *testing.T) {
	playLines(t, []gameSay{
		{"holdem help table S C: the table as it stands", "table S C: the table as it stands", false},
		{"holdem balance 1200", "you have 1200 chips", false},
		{"holdem sit 5 2 1 1 100", "alice sits at seat 1 with 100 chips", false},
		{"holdem hand 5 2 1 1 1:100 2:300 3:600", "hand 1: alice 100, bob 300, carol 600 (button: alice)", false},
		{"holdem cards 5 2 As Td", "your cards: A♠ 10♦", false},
		{"holdem blind 5 2 2 small 5 295", "bob posts the small blind, 5 (295 behind)", false},
		{"holdem blind 5 2 3 big 10 590", "carol posts the big blind, 10 (590 behind)", false},
		{"holdem toact 5 2 1 10 20 100 20", "your turn: 20 s to act (call 10, raise to 20 or more, all in for 100, fold)", false},
		{"holdem toact 5 2 1 0 0 100 30", "your turn: 30 s to act (check, all in for 100, fold)", false},
		{"holdem toact 5 2 2 95 190 300 20", "bob to act: 20 s", false},
		{"holdem act 5 2 1 allin 100 0", "alice is all in: 100", false},
		{"holdem act 5 2 2 raise 60 240", "bob raises to 60 (240 behind)", false},
		{"holdem act 5 2 3 call 300 300", "carol calls 300 (300 behind)", false},
		{"holdem act 5 2 3 bet 20 280", "carol bets 20 (280 behind)", false},
		{"holdem act 5 2 3 check 0 280", "carol checks", false},
		{"holdem act 5 2 3 fold 0 490", "carol folds", false},
		{"holdem board 5 2 flop 2c 7d 9h", "flop: 2♣ 7♦ 9♥", false},
		{"holdem board 5 2 turn 2c 7d 9h Js", "turn: 2♣ 7♦ 9♥ J♠", false},
		{"holdem board 5 2 river 2c 7d 9h Js 3c", "river: 2♣ 7♦ 9♥ J♠ 3♣", false},
		{"holdem show 5 2 2 Ks Kd Ks Kd 7d 9h Js pair of kings", "bob shows K♠ K♦: pair of kings (K♠ K♦ 7♦ 9♥ J♠)", false},
		{"holdem return 5 2 2 50", "50 uncalled chips go back to bob", false},
		{"holdem return 5 2 2 1", "1 uncalled chip goes back to bob", false},
		{"holdem win 5 2 1 300 main", "alice wins 300 from the main pot", false},
		{"holdem win 5 2 2 400 side1", "bob wins 400 from side pot 1", false},
		{"holdem end 5 2 1 1:300 2:400 3:300", "hand 1 is over: alice 300, bob 400, carol 300", false},
		{"holdem timeout 5 2 1", "alice ran out of time and sits out", false},
		{"holdem back 5 2 1", "alice is dealt in again", false},
		{"holdem bust 5 2 3", "carol has no chips left and loses the seat", false},
		{"holdem leave 5 2 1 300", "alice leaves with 300 chips", false},
		{"holdem table 5 2 1:1:300:playing 2:2:400:away", "table: seat 1 alice 300 playing, seat 2 bob 400 away", false},
		{"holdem table 5 2", "the table is empty", false},
		{"holdem refund 5 2 3 10", "carol gets 10 chips back: the table was called off by a restart", false},
		{"holdem error the smallest raise is to 20", "the smallest raise is to 20", true},
		{"holdem note 5 2 event 9", "", false},
		{"holdem win 5 2 1 300 jackpot", "", false},
	})
}

// A game the client does not know shows its lines as they came, and a
// game's error reads as one on screen.
func TestGameScreen(t *testing.T) {
	h := loggedIn(t)
	h.open("club/#games")
	h.lines("JEU dice rolled 5 2 alice 3 4", "JEU holdem cards 5 2 Qh 5d", "JEU holdem error it is not your turn")
	h.expectScreen("⚂ dice │ rolled 5 2 alice 3 4", "⚂ holdem │ your cards: Q♥ 5♦", "⚂ holdem │ error: it is not your turn")
}

// Table commands of the bundled games need no address: the conversation
// on screen is put in; one given by the user is kept.
func TestJeuFillsTheTable(t *testing.T) {
	tests := []struct {
		where, input string
		lines        []string
		screen       string
	}{
		{"club/#games", "/jeu roulette bet red 50", []string{"JEU roulette bet 5 2 red 50"}, ""},
		{"club/#games", "/jeu roulette bet split 17 18 10", []string{"JEU roulette bet 5 2 split 17 18 10"}, ""},
		{"club/#games", "/jeu roulette bet 5 0 red 50", []string{"JEU roulette bet 5 0 red 50"}, ""},
		{"club/#games", "/jeu roulette bet . red 50", []string{"JEU roulette bet 5 2 red 50"}, ""},
		{"club/#games", "/jeu roulette balance", []string{"JEU roulette balance"}, ""},
		{"club/#games", "/jeu blackjack sit", []string{"JEU blackjack sit 5 2"}, ""},
		{"club/#games", "/jeu blackjack bet 100", []string{"JEU blackjack bet 5 2 100"}, ""},
		{"club/#games", "/jeu blackjack insurance no", []string{"JEU blackjack insurance 5 2 no"}, ""},
		{"club/#games", "/jeu blackjack hit 5 2", []string{"JEU blackjack hit 5 2"}, ""},
		{"@bob", "/jeu holdem sit 200", []string{"JEU holdem sit 0 2 200"}, ""},
		{"club/#games", "/jeu holdem raise 60", []string{"JEU holdem raise 5 2 60"}, ""},
		{"club/#games", "/jeu holdem call", []string{"JEU holdem call 5 2"}, ""},
		{"club/#games", "/jeu dice roll 2d6", []string{"JEU dice roll 2d6"}, ""},
		{"home", "/jeu roulette bet red 50", nil, "error: /jeu roulette bet plays at the table of a conversation"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			h := loggedIn(t)
			if tt.where == "@bob" {
				h.typeLine("/msg bob")
				h.sent()
			} else {
				h.open(tt.where)
			}
			h.typeLine(tt.input)
			if got := h.sent(); !slices.Equal(got, tt.lines) {
				t.Errorf("sent %q, want %q", got, tt.lines)
			}
			if tt.screen != "" {
				h.expectScreen(tt.screen)
			}
		})
	}
}
