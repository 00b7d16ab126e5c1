package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salon-chat/salon/games/holdem/poker"
	"github.com/salon-chat/salon/sdk"
)

// tableKey names a table: channel `channel` of server `server`, or the
// direct conversation of users a < b (server 0), which each of them
// writes "0 <the other>".
type tableKey struct{ server, channel, a, b int64 }

func (k tableKey) direct() bool { return k.server == 0 }

// addrFor is the table's address as user writes it.
func (k tableKey) addrFor(user int64) string {
	switch {
	case !k.direct():
		return sdk.Channel(k.server, k.channel).String()
	case user == k.a:
		return sdk.Direct(k.b).String()
	}
	return sdk.Direct(k.a).String()
}

// String names the table in the store, logs and ledger: "5/2", "0/3/9".
func (k tableKey) String() string {
	if k.direct() {
		return fmt.Sprintf("0/%d/%d", k.a, k.b)
	}
	return fmt.Sprintf("%d/%d", k.server, k.channel)
}

// seat is a player sitting at a table.
type seat struct {
	sit    string // this sitting's id: its wallet keys derive from it
	user   int64
	buyIn  int64
	stack  int64 // chips behind between hands; during one, see stackOf
	paid   bool  // the buy-in was taken from the wallet
	left   bool  // leaving: not dealt in, freed once cashed out and out of the hand
	cashed bool  // the stack went back to the wallet
	away   bool  // sitting out after a timeout: not dealt in until back
}

// table is the table of one conversation. Every method expects mu held:
// commands and timers take it, so a table does one thing at a time and
// its lines go out in order.
type table struct {
	p   *holdem
	key tableKey

	mu     sync.Mutex
	seats  [poker.MaxPlayers]*seat
	button int // seat index of the last button; -1 before the first hand
	handNo int
	hand   *poker.Hand
	handID string
	timer  timer // the start delay or turn timeout running, or nil
	gen    int   // bumped when a timer is armed or stopped: a stale one does nothing
}

func (t *table) seatOf(user int64) *seat {
	for _, s := range t.seats {
		if s != nil && s.user == user {
			return s
		}
	}
	return nil
}

// stackOf is a seat's chips behind, those of the hand in play if dealt in.
func (t *table) stackOf(s *seat) int64 {
	if p := t.player(s); p != nil {
		return p.Stack
	}
	return s.stack
}

// player is the seat's player in the hand in play, or nil.
func (t *table) player(s *seat) *poker.Player {
	if t.hand == nil {
		return nil
	}
	return t.hand.Player(s.user)
}

func (t *table) sit(ctx context.Context, user, chips int64) error {
	t.sweep(ctx) // a seat whose buy-in failed may be waiting to be settled
	r := t.p.rules
	if chips < r.minBuyIn || chips > r.maxBuyIn {
		return mistake("a buy-in is %d to %d chips", r.minBuyIn, r.maxBuyIn)
	}
	if s := t.seatOf(user); s != nil {
		if s.left {
			return mistake("you are leaving this table; sit again when this hand is over")
		}
		return mistake("you are seated at this table already")
	}
	i := slices.Index(t.seats[:], nil)
	if i < 0 {
		return mistake("the table is full: %d seats", poker.MaxPlayers)
	}
	s := &seat{sit: t.p.newID(), user: user, buyIn: chips, stack: chips}
	t.seats[i] = s
	// The seat is stored before the buy-in is taken: if the plugin dies
	// in between, the restart finds it and settles the buy-in.
	if err := t.save(ctx); err != nil {
		t.seats[i] = nil
		return err
	}
	ok, balance, err := t.p.host.Wallet().DebitOnce(ctx, "sit/"+s.sit, user, chips, "holdem: buy-in at table "+t.key.String())
	if err != nil {
		// Taken or not, nobody knows: the seat stays out of play until
		// sweep settles it.
		s.left = true
		return err
	}
	if !ok {
		t.seats[i] = nil
		t.saveOrLog(ctx)
		return mistake("you have %d chips; the buy-in is %d", balance, chips)
	}
	s.paid = true
	t.saveOrLog(ctx)
	t.announce(ctx, "sit", fmt.Sprintf("%d %d %d", user, i+1, chips))
	t.schedule()
	return nil
}

func (t *table) leave(ctx context.Context, user int64) error {
	s := t.seatOf(user)
	if s == nil || s.left {
		return mistake("you are not seated at this table")
	}
	s.left = true
	if t.player(s) == nil {
		t.sweep(ctx)
		return nil
	}
	if evs := t.hand.Forfeit(user); len(evs) > 0 {
		t.play(ctx, evs) // if that ends the hand, its sweep cashes the seat out
	}
	// Folded, the stack can only stay as it is: it goes back now. All in,
	// it waits for the end of the hand.
	if p := t.player(s); p != nil && p.Folded && t.saveOrLog(ctx) == nil && t.cashOut(ctx, s) == nil {
		t.saveOrLog(ctx) // a restart need not pay it again
	}
	return nil
}

func (t *table) back(ctx context.Context, user int64) error {
	s := t.seatOf(user)
	switch {
	case s == nil || s.left:
		return mistake("you are not seated at this table")
	case !s.away:
		return mistake("you are not sitting out")
	}
	s.away = false
	t.announce(ctx, "back", strconv.FormatInt(user, 10))
	t.schedule()
	return nil
}

func (t *table) act(ctx context.Context, user int64, a poker.Action, to int64) error {
	s := t.seatOf(user)
	if s == nil || s.left {
		return mistake("you are not seated at this table")
	}
	if s.away {
		// Whoever plays is back.
		s.away = false
		t.announce(ctx, "back", strconv.FormatInt(user, 10))
		t.schedule()
	}
	if t.hand == nil {
		return mistake("no hand in play; one starts when two players are seated")
	}
	evs, err := t.hand.Act(user, a, to)
	if err != nil {
		return mistake("%v", err)
	}
	t.play(ctx, evs)
	return nil
}

// schedule starts the next hand after the start delay, if two players can
// play and nothing is running.
func (t *table) schedule() {
	if t.hand != nil || t.timer != nil || len(t.ready()) < poker.MinPlayers {
		return
	}
	t.arm(t.p.rules.startDelay, func(ctx context.Context) { t.deal(ctx) })
}

// ready lists the seats to deal in, in seat order.
func (t *table) ready() []int {
	var idx []int
	for i, s := range t.seats {
		if s != nil && s.paid && !s.left && !s.away && s.stack > 0 {
			idx = append(idx, i)
		}
	}
	return idx
}

// arm runs f after d with the table locked, unless another timer replaces
// it or disarm stops it first.
func (t *table) arm(d time.Duration, f func(ctx context.Context)) {
	t.disarm()
	gen := t.gen
	t.timer = t.p.clock.AfterFunc(d, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.gen != gen {
			return // stopped or replaced while it fired
		}
		t.timer = nil
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f(ctx)
	})
}

func (t *table) disarm() {
	t.gen++
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// deal starts a hand, the button moving to the next player dealt in.
func (t *table) deal(ctx context.Context) {
	idx := t.ready()
	if t.hand != nil || len(idx) < poker.MinPlayers {
		return
	}
	btn := slices.IndexFunc(idx, func(i int) bool { return i > t.button })
	if btn < 0 {
		btn = 0
	}
	seats := make([]poker.Seat, len(idx))
	stacks := make([]string, len(idx))
	for k, i := range idx {
		s := t.seats[i]
		seats[k] = poker.Seat{ID: s.user, Stack: s.stack}
		stacks[k] = fmt.Sprintf("%d:%d", s.user, s.stack)
	}
	h, evs, err := poker.NewHand(seats, btn, t.p.rules.smallBlind, t.p.rules.bigBlind, t.p.deck())
	if err != nil {
		t.p.host.Log().Error("cannot deal", "table", t.key.String(), "error", err)
		return
	}
	t.hand, t.handID, t.button = h, t.p.newID(), idx[btn]
	t.handNo++
	t.announce(ctx, "hand", fmt.Sprintf("%d %d %s", t.handNo, seats[btn].ID, strings.Join(stacks, " ")))
	for _, p := range h.Players {
		t.private(ctx, p.ID, "cards", poker.FormatCards(p.Hole[:]))
	}
	t.play(ctx, evs)
}

// play stores the hand as the events left it, tells the table, and moves
// on: the next player's turn, or the end of the hand.
func (t *table) play(ctx context.Context, evs []poker.Event) {
	h := t.hand
	var busted []int64
	if h.Done() {
		t.disarm()
		busted = t.endHand()
	}
	saveErr := t.saveOrLog(ctx)
	for _, e := range evs {
		event, rest := eventLine(e)
		t.announce(ctx, event, rest)
	}
	if !h.Done() {
		t.prompt(ctx)
		return
	}
	stacks := make([]string, len(h.Players))
	for i, p := range h.Players {
		stacks[i] = fmt.Sprintf("%d:%d", p.ID, p.Stack)
	}
	t.announce(ctx, "end", fmt.Sprintf("%d %s", t.handNo, strings.Join(stacks, " ")))
	for _, u := range busted {
		t.announce(ctx, "bust", strconv.FormatInt(u, 10))
	}
	if saveErr == nil {
		t.sweep(ctx)
	}
	t.schedule()
}

// endHand keeps the hand's final stacks in the seats and frees the seats
// of players left without chips, whom it returns.
func (t *table) endHand() (busted []int64) {
	for i, s := range t.seats {
		if s == nil {
			continue
		}
		if p := t.player(s); p != nil {
			s.stack = p.Stack
			if s.stack == 0 && !s.left {
				busted = append(busted, s.user)
				t.seats[i] = nil
			}
		}
	}
	t.hand, t.handID = nil, ""
	return busted
}

// prompt tells the table whose turn it is and starts their clock. A
// player sitting out is not waited for: they check or fold at once.
func (t *table) prompt(ctx context.Context) {
	id, _ := t.hand.ToAct()
	if s := t.seatOf(id); s != nil && s.away {
		t.play(ctx, t.autoAct(id))
		return
	}
	o := t.hand.Options()
	t.announce(ctx, "toact", fmt.Sprintf("%d %d %d %d %d", id, o.ToCall, o.MinTo, o.MaxTo, t.turnSeconds()))
	hand := t.handID
	t.arm(t.p.rules.turnTimeout, func(ctx context.Context) {
		if t.hand == nil || t.handID != hand {
			return
		}
		id, _ := t.hand.ToAct()
		if s := t.seatOf(id); s != nil {
			s.away = true
		}
		t.announce(ctx, "timeout", strconv.FormatInt(id, 10))
		t.play(ctx, t.autoAct(id))
	})
}

// turnSeconds is the time to act, in whole seconds rounded up.
func (t *table) turnSeconds() int64 {
	return int64((t.p.rules.turnTimeout + time.Second - 1) / time.Second)
}

// autoAct plays for an absent player: a check if it costs nothing, else
// a fold.
func (t *table) autoAct(id int64) []poker.Event {
	a := poker.Fold
	if t.hand.Options().ToCall == 0 {
		a = poker.Check
	}
	evs, err := t.hand.Act(id, a, 0)
	if err != nil {
		panic(fmt.Sprintf("holdem: %v for absent player %d: %v", a, id, err)) // a check or fold is always allowed
	}
	return evs
}

// cashOut gives a leaving seat's stack back to its owner's wallet, once:
// the stored table must list the seat with this stack when it runs, so
// that a restart never pays it a second time (the wallet key is the
// same). A seat whose buy-in is in doubt gets it taken, if it was not,
// then given back.
func (t *table) cashOut(ctx context.Context, s *seat) error {
	if s.cashed {
		return nil
	}
	w := t.p.host.Wallet()
	where := " table " + t.key.String()
	if !s.paid {
		ok, _, err := w.DebitOnce(ctx, "sit/"+s.sit, s.user, s.buyIn, "holdem: buy-in at"+where)
		if err != nil {
			return err
		}
		if !ok {
			s.cashed = true // it never was taken: nothing to give back
			return nil
		}
		if _, err := w.CreditOnce(ctx, "out/"+s.sit, s.user, s.buyIn, "holdem: buy-in returned at"+where); err != nil {
			return err
		}
		s.cashed = true
		return nil
	}
	stack := t.stackOf(s)
	if stack > 0 {
		if _, err := w.CreditOnce(ctx, "out/"+s.sit, s.user, stack, "holdem: cash-out from"+where); err != nil {
			t.p.host.Log().Warn("cash-out failed; retried after the hand", "table", t.key.String(), "user", s.user, "error", err)
			return err
		}
	}
	s.cashed = true
	t.announce(ctx, "leave", fmt.Sprintf("%d %d", s.user, stack))
	return nil
}

// sweep cashes out the leaving seats not in a hand, and frees them.
func (t *table) sweep(ctx context.Context) {
	var leaving []int
	for i, s := range t.seats {
		if s != nil && s.left && t.player(s) == nil {
			leaving = append(leaving, i)
		}
	}
	if len(leaving) == 0 || t.saveOrLog(ctx) != nil {
		return // (the store must know the stacks before the wallet moves)
	}
	for _, i := range leaving {
		if t.cashOut(ctx, t.seats[i]) == nil {
			t.seats[i] = nil
		}
	}
	t.saveOrLog(ctx)
}

// show answers `table`: the seats, and the hand in play as the asker may
// see it.
func (t *table) show(ctx context.Context, user int64) error {
	var seats []string
	for i, s := range t.seats {
		if s == nil || !s.paid {
			continue
		}
		state := "waiting"
		switch p := t.player(s); {
		case s.left:
			state = "leaving"
		case p != nil && p.Folded:
			state = "folded"
		case p != nil && p.AllIn:
			state = "allin"
		case p != nil:
			state = "playing"
		case s.away:
			state = "away"
		}
		seats = append(seats, fmt.Sprintf("%d:%d:%d:%s", i+1, s.user, t.stackOf(s), state))
	}
	addr := t.key.addrFor(user)
	lines := []string{strings.TrimSpace("table " + addr + " " + strings.Join(seats, " "))}
	if h := t.hand; h != nil {
		if len(h.Board) > 0 {
			lines = append(lines, fmt.Sprintf("board %s %v %s", addr, h.Street, poker.FormatCards(h.Board)))
		}
		if p := h.Player(user); p != nil {
			lines = append(lines, "cards "+addr+" "+poker.FormatCards(p.Hole[:]))
		}
		if id, ok := h.ToAct(); ok {
			o := h.Options()
			lines = append(lines, fmt.Sprintf("toact %s %d %d %d %d %d", addr, id, o.ToCall, o.MinTo, o.MaxTo, t.turnSeconds()))
		}
	}
	for _, l := range lines {
		if err := t.p.host.SendGame(ctx, user, game, l); err != nil {
			return err
		}
	}
	return nil
}

// eventLine writes an event of the hand as a line's event and arguments
// (after the table's address).
func eventLine(e poker.Event) (string, string) {
	switch e.Kind {
	case poker.EventBlind:
		size := "small"
		if e.Big {
			size = "big"
		}
		return "blind", fmt.Sprintf("%d %s %d %d", e.Player, size, e.Amount, e.Stack)
	case poker.EventAction:
		return "act", fmt.Sprintf("%d %v %d %d", e.Player, e.Action, e.Bet, e.Stack)
	case poker.EventBoard:
		return "board", fmt.Sprintf("%v %s", e.Street, poker.FormatCards(e.Cards))
	case poker.EventShow:
		return "show", fmt.Sprintf("%d %s %s %v", e.Player, poker.FormatCards(e.Cards), poker.FormatCards(e.Best), e.Value)
	case poker.EventReturn:
		return "return", fmt.Sprintf("%d %d", e.Player, e.Amount)
	case poker.EventWin:
		pot := "main"
		if e.Pot > 0 {
			pot = "side" + strconv.Itoa(e.Pot)
		}
		return "win", fmt.Sprintf("%d %d %s", e.Player, e.Amount, pot)
	}
	return "note", fmt.Sprintf("event %d", e.Kind)
}

// announce tells everyone in the conversation: `event <address> rest`.
// A line that cannot be sent is logged; the game goes on.
func (t *table) announce(ctx context.Context, event, rest string) {
	line := func(user int64) string {
		l := event + " " + t.key.addrFor(user)
		if rest != "" {
			l += " " + rest
		}
		return l
	}
	host := t.p.host
	if !t.key.direct() {
		c := sdk.Channel(t.key.server, t.key.channel)
		if err := host.SendGameTo(ctx, c, game, line(0)); err != nil {
			host.Log().Warn("cannot announce", "table", t.key.String(), "event", event, "error", err)
		}
		return
	}
	for _, u := range []int64{t.key.a, t.key.b} {
		if err := host.SendGame(ctx, u, game, line(u)); err != nil {
			host.Log().Warn("cannot announce", "table", t.key.String(), "event", event, "user", u, "error", err)
		}
	}
}

// private tells one player alone: their hole cards.
func (t *table) private(ctx context.Context, user int64, event, rest string) {
	if err := t.p.host.SendGame(ctx, user, game, event+" "+t.key.addrFor(user)+" "+rest); err != nil {
		t.p.host.Log().Warn("cannot send", "table", t.key.String(), "event", event, "user", user, "error", err)
	}
}
