package engine

import (
	"errors"
	"slices"
)

// Phase is where a round stands.
type Phase int

const (
	// Insurance: the dealer shows an ace and has not yet looked at the hole
	// card; players decide whether to insure.
	Insurance Phase = iota + 1
	// Playing: the players play their hands in seat order, then the dealer.
	Playing
	// Done: the dealer has played (or had blackjack); Results are final.
	Done
)

// Errors a player may get for an action; their text is meant for them.
var (
	ErrNoHand         = errors.New("you have no hand in this round")
	ErrNotYourTurn    = errors.New("it is not your turn")
	ErrNotPlaying     = errors.New("the players are not playing now")
	ErrDoubleTwoCards = errors.New("you may double only on your first two cards")
	ErrSplitPair      = errors.New("you may split only two cards of the same value")
	ErrSplitOnce      = errors.New("you may split only once")
	ErrNoInsurance    = errors.New("insurance is offered only while the dealer shows an ace, before the players play")
	ErrInsuredAlready = errors.New("you have already decided on insurance")
	ErrInsuranceSmall = errors.New("a bet of 1 chip is too small to insure")
)

// PlayerHand is one hand of a seat: two after a split.
type PlayerHand struct {
	Cards     Hand
	Bet       int64 // the stake on this hand, doubled included
	Doubled   bool
	FromSplit bool
	// Stood: the hand takes no more cards. It stood, busted, doubled, made
	// 21, is a blackjack, is a split ace, or its player was idle or left.
	Stood bool
}

// Blackjack reports a natural as dealt: 21 made after a split is only 21.
func (p *PlayerHand) Blackjack() bool { return !p.FromSplit && p.Cards.Natural() }

// Seat is a player's place in a round.
type Seat struct {
	Number    int
	Hands     []*PlayerHand
	Insurance int64 // the insurance stake; 0 when not insured
	insured   bool  // decided on insurance, either way
}

// Bet is a seat's stake when the cards are dealt.
type Bet struct {
	Seat   int
	Amount int64
}

// Round is one deal at a table, from the first card to the results.
type Round struct {
	rules  Rules
	shoe   *Shoe
	dealer Hand
	seats  []*Seat
	phase  Phase
}

// NewRound deals a round to the seats that bet (in seat order, whatever
// the order of bets): one card each, the dealer's up card, a second card
// each, the dealer's hole card. The dealer then peeks at the hole card when
// the up card is a ten (a blackjack ends the round at once), and after the
// insurance phase when it is an ace; this is the American "peek" rule, so
// a player never loses a double or split to a dealer's blackjack.
func NewRound(rules Rules, shoe *Shoe, bets []Bet) *Round {
	r := &Round{rules: rules, shoe: shoe}
	bets = slices.Clone(bets)
	slices.SortFunc(bets, func(a, b Bet) int { return a.Seat - b.Seat })
	for _, b := range bets {
		r.seats = append(r.seats, &Seat{Number: b.Seat, Hands: []*PlayerHand{{Bet: b.Amount}}})
	}
	for range 2 {
		for _, s := range r.seats {
			s.Hands[0].Cards = append(s.Hands[0].Cards, shoe.Draw())
		}
		r.dealer = append(r.dealer, shoe.Draw())
	}
	for _, s := range r.seats {
		s.Hands[0].Stood = s.Hands[0].Blackjack()
	}
	if r.Up().Rank == Ace {
		r.phase = Insurance
	} else {
		r.peek()
	}
	return r
}

// Phase is where the round stands.
func (r *Round) Phase() Phase { return r.phase }

// Up is the dealer's card shown to the table.
func (r *Round) Up() Card { return r.dealer[0] }

// Dealer is the dealer's hand, the hole card second. Do not show it to the
// players before the round is Done.
func (r *Round) Dealer() Hand { return r.dealer }

// Seats are the seats in play, in seat order.
func (r *Round) Seats() []*Seat { return r.seats }

// Seat is the seat numbered n, or nil if it has no hand this round.
func (r *Round) Seat(n int) *Seat {
	for _, s := range r.seats {
		if s.Number == n {
			return s
		}
	}
	return nil
}

// Peeks reports whether the dealer looks at the hole card for a
// blackjack: when the up card is an ace or worth ten.
func (r *Round) Peeks() bool { return r.Up().Rank == Ace || r.Up().Value() == 10 }

// DealerBlackjack reports a dealer's natural. The players know it only
// once the dealer has peeked.
func (r *Round) DealerBlackjack() bool { return r.dealer.Natural() }

func (r *Round) peek() {
	if r.Peeks() && r.DealerBlackjack() {
		r.phase = Done
		return
	}
	r.phase = Playing
}

// InsuranceCost is what insuring seat n costs (half its bet, rounded down)
// and whether it may insure now. A player holding a blackjack may insure
// too: that is "even money".
func (r *Round) InsuranceCost(n int) (int64, error) {
	s := r.Seat(n)
	switch {
	case s == nil:
		return 0, ErrNoHand
	case r.phase != Insurance:
		return 0, ErrNoInsurance
	case s.insured:
		return 0, ErrInsuredAlready
	case s.Hands[0].Bet/2 == 0:
		return 0, ErrInsuranceSmall
	}
	return s.Hands[0].Bet / 2, nil
}

// Insure takes insurance for seat n (the plugin has taken InsuranceCost).
func (r *Round) Insure(n int) error {
	cost, err := r.InsuranceCost(n)
	if err != nil {
		return err
	}
	s := r.Seat(n)
	s.Insurance, s.insured = cost, true
	return nil
}

// DeclineInsurance records that seat n does not insure.
func (r *Round) DeclineInsurance(n int) error {
	s := r.Seat(n)
	switch {
	case s == nil:
		return ErrNoHand
	case r.phase != Insurance:
		return ErrNoInsurance
	case s.insured:
		return ErrInsuredAlready
	}
	s.insured = true
	return nil
}

// InsuranceDecided reports that every seat has insured or declined, so
// the insurance phase need not wait for its timeout.
func (r *Round) InsuranceDecided() bool {
	for _, s := range r.seats {
		if !s.insured {
			return false
		}
	}
	return true
}

// EndInsurance closes the insurance phase (the undecided decline) and
// the dealer peeks.
func (r *Round) EndInsurance() {
	if r.phase != Insurance {
		return
	}
	for _, s := range r.seats {
		s.insured = true
	}
	r.peek()
}

// Turn is the hand to play: seat number and hand index (0, or 1 for the
// second hand of a split). ok is false when no player has anything left to
// do, or the round is not in its playing phase.
func (r *Round) Turn() (seat, hand int, ok bool) {
	if r.phase != Playing {
		return 0, 0, false
	}
	for _, s := range r.seats {
		for i, h := range s.Hands {
			if !h.Stood {
				return s.Number, i, true
			}
		}
	}
	return 0, 0, false
}

// current is the hand seat n plays now, if it is its turn.
func (r *Round) current(n int) (*Seat, *PlayerHand, error) {
	s := r.Seat(n)
	if s == nil {
		return nil, nil, ErrNoHand
	}
	if r.phase != Playing {
		return nil, nil, ErrNotPlaying
	}
	seat, hand, ok := r.Turn()
	if !ok || seat != n {
		return nil, nil, ErrNotYourTurn
	}
	return s, s.Hands[hand], nil
}

// draw gives h a card, and stands it when it can take no more: over 21,
// or 21 (another card could only spoil it).
func (r *Round) draw(h *PlayerHand) Card {
	c := r.shoe.Draw()
	h.Cards = append(h.Cards, c)
	if h.Cards.Value() >= 21 {
		h.Stood = true
	}
	return c
}

// Hit draws a card to seat n's hand.
func (r *Round) Hit(n int) (Card, error) {
	_, h, err := r.current(n)
	if err != nil {
		return Card{}, err
	}
	return r.draw(h), nil
}

// Stand ends seat n's hand.
func (r *Round) Stand(n int) error {
	_, h, err := r.current(n)
	if err != nil {
		return err
	}
	h.Stood = true
	return nil
}

// DoubleCost is what doubling seat n's hand costs (its bet again), if it
// may double: on its first two cards, after a split too.
func (r *Round) DoubleCost(n int) (int64, error) {
	_, h, err := r.current(n)
	if err != nil {
		return 0, err
	}
	if len(h.Cards) != 2 {
		return 0, ErrDoubleTwoCards
	}
	return h.Bet, nil
}

// Double doubles seat n's bet (the plugin has taken DoubleCost) and draws
// its one and last card.
func (r *Round) Double(n int) (Card, error) {
	cost, err := r.DoubleCost(n)
	if err != nil {
		return Card{}, err
	}
	_, h, _ := r.current(n)
	h.Bet += cost
	h.Doubled = true
	c := r.draw(h)
	h.Stood = true
	return c, nil
}

// SplitCost is what splitting seat n's hand costs (its bet again), if it
// may split: once, two cards of the same value. Any two ten-value cards
// are a pair (K-Q splits), as in most casinos.
func (r *Round) SplitCost(n int) (int64, error) {
	s, h, err := r.current(n)
	if err != nil {
		return 0, err
	}
	switch {
	case len(s.Hands) > 1:
		return 0, ErrSplitOnce
	case len(h.Cards) != 2 || h.Cards[0].Value() != h.Cards[1].Value():
		return 0, ErrSplitPair
	}
	return h.Bet, nil
}

// Split splits seat n's pair into two hands with the same bet each (the
// plugin has taken SplitCost) and draws a second card to each, first
// hand first. Split aces get that one card and no more.
func (r *Round) Split(n int) ([2]Card, error) {
	if _, err := r.SplitCost(n); err != nil {
		return [2]Card{}, err
	}
	s := r.Seat(n)
	first := s.Hands[0]
	second := &PlayerHand{Cards: Hand{first.Cards[1]}, Bet: first.Bet, FromSplit: true}
	first.Cards, first.FromSplit = first.Cards[:1:1], true
	s.Hands = append(s.Hands, second)
	aces := first.Cards[0].Rank == Ace
	var drawn [2]Card
	for i, h := range s.Hands {
		drawn[i] = r.draw(h)
		if aces {
			h.Stood = true
		}
	}
	return drawn, nil
}

// StandAll stands every hand seat n has left to play: its player was idle
// past the turn timeout, or left the table.
func (r *Round) StandAll(n int) {
	if s := r.Seat(n); s != nil && r.phase == Playing {
		for _, h := range s.Hands {
			h.Stood = true
		}
	}
}

// live reports a hand the dealer's total decides: not busted, not a
// blackjack (paid whatever the dealer draws).
func live(h *PlayerHand) bool { return !h.Cards.Busted() && !h.Blackjack() }

// PlayDealer turns the hole card over and draws to the dealer's hand by
// the rules, once every player is done, and returns the cards drawn after
// the hole card. The dealer draws nothing when no hand is left for the
// dealer's total to decide.
func (r *Round) PlayDealer() ([]Card, error) {
	if _, _, ok := r.Turn(); ok || r.phase != Playing {
		return nil, ErrNotPlaying
	}
	r.phase = Done
	if !slices.ContainsFunc(r.seats, func(s *Seat) bool { return slices.ContainsFunc(s.Hands, live) }) {
		return nil, nil
	}
	var drawn []Card
	for r.rules.DealerDraws(r.dealer) {
		c := r.shoe.Draw()
		r.dealer = append(r.dealer, c)
		drawn = append(drawn, c)
	}
	return drawn, nil
}

// Outcome is how a hand (or an insurance bet) ended.
type Outcome string

const (
	Lose      Outcome = "lose"
	Push      Outcome = "push"      // the stake comes back
	Win       Outcome = "win"       // 1:1 (2:1 for insurance)
	Blackjack Outcome = "blackjack" // 3:2
)

// HandResult is what a hand pays. Payout is every chip given back to the
// player, stake included: 0 for a loss, the stake for a push.
type HandResult struct {
	Outcome Outcome
	Bet     int64
	Payout  int64
}

// Settle says what hand h pays against the dealer's final hand. A
// blackjack pays 3 to 2, rounded down to a whole chip (a bet of 15 wins
// 22); a busted hand loses even if the dealer busts too.
func Settle(h *PlayerHand, dealer Hand) HandResult {
	res := HandResult{Bet: h.Bet}
	total, dealerTotal := h.Cards.Value(), dealer.Value()
	switch {
	case h.Cards.Busted():
		res.Outcome = Lose
	case dealer.Natural() && h.Blackjack():
		res.Outcome = Push
	case dealer.Natural():
		res.Outcome = Lose
	case h.Blackjack():
		res.Outcome = Blackjack
	case dealer.Busted() || total > dealerTotal:
		res.Outcome = Win
	case total == dealerTotal:
		res.Outcome = Push
	default:
		res.Outcome = Lose
	}
	switch res.Outcome {
	case Push:
		res.Payout = h.Bet
	case Win:
		res.Payout = 2 * h.Bet
	case Blackjack:
		res.Payout = h.Bet + h.Bet*3/2
	}
	return res
}

// SettleInsurance says what an insurance stake pays: 2 to 1 when the
// dealer has blackjack, nothing otherwise.
func SettleInsurance(stake int64, dealer Hand) HandResult {
	if dealer.Natural() {
		return HandResult{Outcome: Win, Bet: stake, Payout: 3 * stake}
	}
	return HandResult{Outcome: Lose, Bet: stake}
}

// SeatResult is what a seat gets at the end of a round.
type SeatResult struct {
	Seat      int
	Hands     []HandResult
	Insurance *HandResult // nil when not insured
}

// Paid is every chip the seat gets back.
func (s SeatResult) Paid() int64 {
	var n int64
	for _, h := range s.Hands {
		n += h.Payout
	}
	if s.Insurance != nil {
		n += s.Insurance.Payout
	}
	return n
}

// Staked is every chip the seat put on the table.
func (s SeatResult) Staked() int64 {
	var n int64
	for _, h := range s.Hands {
		n += h.Bet
	}
	if s.Insurance != nil {
		n += s.Insurance.Bet
	}
	return n
}

// Results settles every seat, once the round is Done.
func (r *Round) Results() ([]SeatResult, error) {
	if r.phase != Done {
		return nil, ErrNotPlaying
	}
	var out []SeatResult
	for _, s := range r.seats {
		res := SeatResult{Seat: s.Number}
		for _, h := range s.Hands {
			res.Hands = append(res.Hands, Settle(h, r.dealer))
		}
		if s.Insurance > 0 {
			ins := SettleInsurance(s.Insurance, r.dealer)
			res.Insurance = &ins
		}
		out = append(out, res)
	}
	return out, nil
}
