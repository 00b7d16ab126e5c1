package poker

import (
	"errors"
	"fmt"
	"slices"
)

// MinPlayers and MaxPlayers bound the players dealt into a hand.
const (
	MinPlayers = 2
	MaxPlayers = 9
)

// Action is what a player does on their turn.
type Action uint8

const (
	Fold Action = iota + 1
	Check
	Call
	Bet   // the first bet of a round: the amount is the player's bet after it
	Raise // the same, when there is a bet already
	AllIn // every chip the player has left
)

var actionNames = [...]string{Fold: "fold", Check: "check", Call: "call", Bet: "bet", Raise: "raise", AllIn: "allin"}

func (a Action) String() string {
	if a >= Fold && a <= AllIn {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", a)
}

// Street is a betting round.
type Street uint8

const (
	Preflop Street = iota
	Flop
	Turn
	River
	Showdown // the betting is over: the hand is decided
)

var streetNames = [...]string{"preflop", "flop", "turn", "river", "showdown"}

func (s Street) String() string {
	if int(s) < len(streetNames) {
		return streetNames[s]
	}
	return fmt.Sprintf("Street(%d)", s)
}

// Seat is a player dealt into a hand, with the chips they bring to it.
type Seat struct {
	ID    int64
	Stack int64
}

// Player is a player during a hand.
type Player struct {
	ID     int64
	Stack  int64 // chips behind, not bet yet; after the hand, with the winnings
	Bet    int64 // chips put in on the current street
	Total  int64 // chips put in during the hand, blinds included
	Hole   [2]Card
	Folded bool
	AllIn  bool

	acted bool  // has acted on this street (posting a blind is not acting)
	faced int64 // the bet to match just after the player last acted
}

// EventKind says what an Event reports.
type EventKind uint8

const (
	EventBlind  EventKind = iota + 1 // Player posted Amount as a blind (Big: the big one)
	EventAction                      // Player did Action, leaving Bet in front of them and Stack behind
	EventBoard                       // Street was dealt; Cards is the whole board
	EventShow                        // Player shows their Cards at showdown, making Value with Best
	EventReturn                      // nobody called Amount of Player's bet: it goes back to them
	EventWin                         // Player wins Amount of pot Pot (0 is the main pot)
)

// Event is one thing that happened in a hand, for the table to be told.
type Event struct {
	Kind   EventKind
	Player int64
	Action Action
	Big    bool
	Amount int64
	Bet    int64
	Stack  int64
	Street Street
	Cards  []Card
	Best   []Card
	Value  Value
	Pot    int
}

// Errors of Act: the player's mistakes, to tell them.
var (
	ErrHandOver    = errors.New("the hand is over")
	ErrNotYourTurn = errors.New("it is not your turn")
	ErrNotInHand   = errors.New("you are not in this hand")
)

// Hand is one deal of no-limit hold'em, from the blinds to the payouts.
// Players are in seat order (clockwise); Button is an index into them.
//
// The rules, where hold'em leaves a choice:
//   - Heads up, the button posts the small blind and acts first before the
//     flop, last after it. Otherwise the two players left of the button
//     post the blinds and the one after them acts first.
//   - A blind a player cannot cover puts them all in; the others still
//     have the full big blind to call.
//   - The smallest bet is the big blind; the smallest raise is to the
//     current bet plus the last full bet or raise of the round.
//   - An all-in raise smaller than that does not reopen the betting: a
//     player who already acted on the round may then only call or fold.
//   - Nobody may raise when every other player still in is all in; going
//     all in then is a call.
//   - Chips nobody called go back to their owner before the pots are made.
//   - Each pot goes to the best hand among those who put chips in it
//     (every player left shows); a tie splits it, and the odd chips go one
//     each to the winners nearest the button on its left.
//   - There are no burn cards: with a fair shuffle they change nothing.
type Hand struct {
	Players    []*Player
	Button     int
	SmallBlind int64
	BigBlind   int64
	Board      []Card
	Street     Street

	bet      int64 // the bet to match on this street
	minRaise int64 // the smallest raise on this street, by how much
	fullBet  int64 // the bet as the last full bet or raise made it
	toAct    int   // index of the player to act; -1 when the hand is over
	deck     []Card
	next     int // the next card of deck to deal
}

// NewHand deals a hand to seats (in seat order, each with chips) with the
// button at seats[button], posts the blinds and returns what happened so
// far. deck is a shuffled deck (see StackDeck for a chosen one).
func NewHand(seats []Seat, button int, smallBlind, bigBlind int64, deck []Card) (*Hand, []Event, error) {
	n := len(seats)
	switch {
	case n < MinPlayers || n > MaxPlayers:
		return nil, nil, fmt.Errorf("poker: %d players; a hand is for %d to %d", n, MinPlayers, MaxPlayers)
	case button < 0 || button >= n:
		return nil, nil, fmt.Errorf("poker: button %d out of %d seats", button, n)
	case smallBlind <= 0 || bigBlind < smallBlind:
		return nil, nil, fmt.Errorf("poker: blinds %d/%d", smallBlind, bigBlind)
	}
	if err := checkDeck(deck, n); err != nil {
		return nil, nil, err
	}
	h := &Hand{Button: button, SmallBlind: smallBlind, BigBlind: bigBlind, deck: deck}
	ids := map[int64]bool{}
	for _, s := range seats {
		if s.Stack <= 0 || ids[s.ID] {
			return nil, nil, fmt.Errorf("poker: player %d: every player has chips and one seat", s.ID)
		}
		ids[s.ID] = true
		h.Players = append(h.Players, &Player{ID: s.ID, Stack: s.Stack})
	}
	// One card at a time, starting left of the button: see dealIndex.
	for round := range 2 {
		for k := range n {
			h.Players[(button+1+k)%n].Hole[round] = h.deal()
		}
	}
	sb, bb := (button+1)%n, (button+2)%n
	if n == 2 {
		sb, bb = button, (button+1)%n
	}
	evs := []Event{h.post(sb, smallBlind, false), h.post(bb, bigBlind, true)}
	h.bet, h.fullBet, h.minRaise = bigBlind, bigBlind, bigBlind
	return h, append(evs, h.proceed(bb)...), nil
}

func (h *Hand) deal() Card {
	c := h.deck[h.next]
	h.next++
	return c
}

func (h *Hand) post(i int, blind int64, big bool) Event {
	p := h.Players[i]
	h.put(p, min(blind, p.Stack))
	return Event{Kind: EventBlind, Player: p.ID, Big: big, Amount: p.Bet, Bet: p.Bet, Stack: p.Stack}
}

// put moves chips from a player's stack to their bet.
func (h *Hand) put(p *Player, chips int64) {
	p.Stack -= chips
	p.Bet += chips
	p.Total += chips
	p.AllIn = p.Stack == 0
}

// Done reports whether the hand is over.
func (h *Hand) Done() bool { return h.toAct < 0 }

// ToAct returns the player whose turn it is (ok false when the hand is over).
func (h *Hand) ToAct() (id int64, ok bool) {
	if h.toAct < 0 {
		return 0, false
	}
	return h.Players[h.toAct].ID, true
}

// Player returns the player with this id, or nil.
func (h *Hand) Player(id int64) *Player {
	for _, p := range h.Players {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// CurrentBet is the bet to match on this street.
func (h *Hand) CurrentBet() int64 { return h.bet }

// Pot is every chip put in so far.
func (h *Hand) Pot() int64 {
	var t int64
	for _, p := range h.Players {
		t += p.Total
	}
	return t
}

// Options is what the player to act may do.
type Options struct {
	Player   int64
	ToCall   int64 // chips a call puts in (0: the player may check)
	CanRaise bool  // whether a bet or raise is allowed
	MinTo    int64 // the smallest bet or raise, as the player's bet after it
	MaxTo    int64 // the player's bet if they go all in
}

// Options returns what the player to act may do (zero when the hand is
// over).
func (h *Hand) Options() Options {
	if h.toAct < 0 {
		return Options{}
	}
	p := h.Players[h.toAct]
	o := Options{Player: p.ID, ToCall: min(h.bet-p.Bet, p.Stack), MaxTo: p.Bet + p.Stack}
	o.CanRaise = o.MaxTo > h.bet && (!p.acted || h.fullBet > p.faced) && h.othersCanAct(p)
	if o.CanRaise {
		o.MinTo = min(h.bet+h.minRaise, o.MaxTo)
	}
	return o
}

// othersCanAct reports whether some player other than p can still bet.
func (h *Hand) othersCanAct(p *Player) bool {
	for _, q := range h.Players {
		if q != p && !q.Folded && !q.AllIn {
			return true
		}
	}
	return false
}

// Act plays a player's turn. For Bet and Raise, to is what the player's
// bet on this street becomes (a raise TO, not BY); more than they have is
// all in. Bet and Raise are the same move: either word is accepted. All
// in when everyone else is all in already is a call: nobody could match
// more.
func (h *Hand) Act(id int64, a Action, to int64) ([]Event, error) {
	if h.toAct < 0 {
		return nil, ErrHandOver
	}
	p := h.Players[h.toAct]
	if p.ID != id {
		if h.Player(id) == nil {
			return nil, ErrNotInHand
		}
		return nil, ErrNotYourTurn
	}
	o := h.Options()
	if (a == Bet || a == Raise) && to >= o.MaxTo {
		a = AllIn
	}
	opened := h.bet == 0
	switch a {
	case Fold:
		p.Folded = true
	case Check:
		if o.ToCall > 0 {
			return nil, fmt.Errorf("you cannot check: %d to call", o.ToCall)
		}
	case Call:
		if o.ToCall == 0 {
			return nil, errors.New("nothing to call: check")
		}
		h.put(p, o.ToCall)
	case Bet, Raise:
		if !o.CanRaise {
			return nil, h.noRaise(o)
		}
		if to < o.MinTo {
			what := "raise"
			if opened {
				what = "bet"
			}
			return nil, fmt.Errorf("the smallest %s is to %d", what, o.MinTo)
		}
		h.raiseTo(p, to)
		a = Raise
		if opened {
			a = Bet
		}
	case AllIn:
		switch {
		case o.MaxTo > h.bet && !h.othersCanAct(p):
			// Nobody could call more: all in is as far as a call goes.
			a = Call
			h.put(p, o.ToCall)
		case o.MaxTo > h.bet && !o.CanRaise:
			return nil, h.noRaise(o)
		default:
			h.raiseTo(p, o.MaxTo)
		}
	default:
		return nil, fmt.Errorf("poker: unknown action %d", a)
	}
	p.acted, p.faced = true, h.bet
	if p.AllIn {
		a = AllIn // a call or raise with every chip left is reported as such
	}
	evs := []Event{{Kind: EventAction, Player: p.ID, Action: a, Bet: p.Bet, Stack: p.Stack, Street: h.Street}}
	return append(evs, h.proceed(h.toAct)...), nil
}

// noRaise says why the player to act may not raise.
func (h *Hand) noRaise(o Options) error {
	switch p := h.Players[h.toAct]; {
	case o.MaxTo <= h.bet:
		return errors.New("you cannot raise: you can only call all in, or fold")
	case !h.othersCanAct(p):
		return errors.New("everyone else is all in: call or fold")
	}
	return errors.New("the betting is not reopened: call or fold")
}

// raiseTo brings p's bet to `to` (at most all in). A raise of at least the
// last full one is full: it sets the new smallest raise and reopens the
// betting for everyone.
func (h *Hand) raiseTo(p *Player, to int64) {
	h.put(p, to-p.Bet)
	if to <= h.bet {
		return // an all-in call for less
	}
	if raise := to - h.bet; raise >= h.minRaise {
		h.minRaise, h.fullBet = raise, to
	}
	h.bet = to
}

// Forfeit folds a player out of turn (they left the table). It does
// nothing for a player not in the hand, folded already, or all in.
func (h *Hand) Forfeit(id int64) []Event {
	p := h.Player(id)
	if h.toAct < 0 || p == nil || p.Folded || p.AllIn {
		return nil
	}
	if h.Players[h.toAct] == p {
		evs, _ := h.Act(id, Fold, 0)
		return evs
	}
	p.Folded = true
	evs := []Event{{Kind: EventAction, Player: p.ID, Action: Fold, Bet: p.Bet, Stack: p.Stack, Street: h.Street}}
	// The player to act may not need to any more (no one left to bet
	// against): look again from just before them.
	return append(evs, h.proceed((h.toAct+len(h.Players)-1)%len(h.Players))...)
}

// proceed finds who acts after the player at index from, dealing the next
// streets when a round is over, up to the showdown.
func (h *Hand) proceed(from int) []Event {
	var evs []Event
	for {
		if h.live() == 1 {
			return append(evs, h.finish()...)
		}
		if i := h.nextToAct(from); i >= 0 {
			h.toAct = i
			return evs
		}
		if h.Street == River {
			h.Street = Showdown
			return append(evs, h.finish()...)
		}
		evs = append(evs, h.nextStreet())
		from = h.Button // the first to act sits left of the button
	}
}

// live counts the players who have not folded.
func (h *Hand) live() int {
	n := 0
	for _, p := range h.Players {
		if !p.Folded {
			n++
		}
	}
	return n
}

func (h *Hand) nextToAct(from int) int {
	n := len(h.Players)
	for k := 1; k <= n; k++ {
		if i := (from + k) % n; h.mustAct(h.Players[i]) {
			return i
		}
	}
	return -1
}

// mustAct reports whether p still has a decision on this street: a bet to
// match, or no action yet while someone else can still bet.
func (h *Hand) mustAct(p *Player) bool {
	if p.Folded || p.AllIn {
		return false
	}
	return p.Bet < h.bet || !p.acted && h.othersCanAct(p)
}

func (h *Hand) nextStreet() Event {
	for _, p := range h.Players {
		p.Bet, p.acted, p.faced = 0, false, 0
	}
	h.bet, h.fullBet, h.minRaise = 0, 0, h.BigBlind
	h.Street++
	cards := 1
	if h.Street == Flop {
		cards = 3
	}
	for range cards {
		h.Board = append(h.Board, h.deal())
	}
	return Event{Kind: EventBoard, Street: h.Street, Cards: append([]Card(nil), h.Board...)}
}

// finish ends the hand: uncalled chips go back, the players left show
// down (when more than one), and the pots are paid.
func (h *Hand) finish() []Event {
	h.toAct = -1
	var evs []Event
	contrib := make([]int64, len(h.Players))
	for i, p := range h.Players {
		contrib[i] = p.Total
	}
	if i, back := uncalled(contrib); back > 0 && !h.Players[i].Folded {
		contrib[i] -= back
		h.Players[i].Stack += back
		evs = append(evs, Event{Kind: EventReturn, Player: h.Players[i].ID, Amount: back})
	}
	order := h.fromButton()
	values := make([]Value, len(h.Players))
	if h.live() > 1 {
		for _, i := range order {
			p := h.Players[i]
			if p.Folded {
				continue
			}
			v, best := Best(append(p.Hole[:], h.Board...))
			values[i] = v
			evs = append(evs, Event{Kind: EventShow, Player: p.ID, Cards: p.Hole[:], Best: best, Value: v})
		}
	}
	folded := make([]bool, len(h.Players))
	for i, p := range h.Players {
		folded[i] = p.Folded
	}
	for k, pot := range Pots(contrib, folded) {
		var best Value
		var winners []int
		for _, i := range order {
			if !pot.Eligible[i] {
				continue
			}
			switch v := values[i]; {
			case winners == nil || v > best:
				best, winners = v, []int{i}
			case v == best:
				winners = append(winners, i)
			}
		}
		share, odd := pot.Amount/int64(len(winners)), pot.Amount%int64(len(winners))
		for j, i := range winners {
			won := share
			if int64(j) < odd {
				won++
			}
			h.Players[i].Stack += won
			evs = append(evs, Event{Kind: EventWin, Player: h.Players[i].ID, Amount: won, Pot: k})
		}
	}
	return evs
}

// fromButton lists the player indices clockwise from the one left of the
// button, the button last: the order of showing and of odd chips.
func (h *Hand) fromButton() []int {
	n := len(h.Players)
	order := make([]int, n)
	for k := range n {
		order[k] = (h.Button + 1 + k) % n
	}
	return order
}

// uncalled finds the part of the biggest contribution that nobody
// matched: the index of its owner and how much.
func uncalled(contrib []int64) (int, int64) {
	top, second := -1, int64(0)
	for i, c := range contrib {
		switch {
		case top < 0 || c > contrib[top]:
			if top >= 0 {
				second = contrib[top]
			}
			top = i
		case c > second:
			second = c
		}
	}
	return top, contrib[top] - second
}

// Pot is one of the pots of a hand: the main one, then side pots.
type Pot struct {
	Amount   int64
	Eligible []bool // by player index: may win it
}

// Pots splits the chips put in (contrib, by player) into a main pot and
// side pots: each all-in amount of a player still in closes a pot that
// only those who put in as much can win. Chips of folded players above
// every live player's amount go to the last pot.
func Pots(contrib []int64, folded []bool) []Pot {
	var levels []int64
	for i, c := range contrib {
		if !folded[i] && c > 0 && !slices.Contains(levels, c) {
			levels = append(levels, c)
		}
	}
	slices.Sort(levels)
	var pots []Pot
	prev := int64(0)
	for _, l := range levels {
		pot := Pot{Eligible: make([]bool, len(contrib))}
		for i, c := range contrib {
			pot.Amount += min(c, l) - min(c, prev)
			pot.Eligible[i] = !folded[i] && c >= l
		}
		pots = append(pots, pot)
		prev = l
	}
	if len(pots) == 0 {
		// Nobody still in put anything in (the others left before they
		// acted): whatever there is goes to those still in.
		pot := Pot{Eligible: make([]bool, len(contrib))}
		for i := range contrib {
			pot.Eligible[i] = !folded[i]
		}
		pots = append(pots, pot)
	}
	for _, c := range contrib {
		if c > prev {
			pots[len(pots)-1].Amount += c - prev
		}
	}
	return pots
}
