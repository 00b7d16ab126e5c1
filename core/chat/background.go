package chat

// background keeps track of a session's answers that come from outside the
// loop, plugin calls and downloads, so that a PONG comes after every answer
// to the commands sent before its PING (PROTOCOL.md section 13) without
// holding up the commands sent after it: a PING sent while a game thinks or
// a download streams is answered once they are done, and the session's
// other commands go on meanwhile (their answers may come before the PONG,
// never the other way round). Owned by the loop.
type background struct {
	last    int64          // the sequence number of the latest answer started
	pending map[int64]bool // started and not finished
	pongs   []heldPong     // PONGs (and refusals) waiting, oldest first
}

type heldPong struct {
	after int64 // the answers up to this one come first
	line  []byte
}

// start counts one more answer under way and returns its number.
func (b *background) start() int64 {
	if b.pending == nil {
		b.pending = map[int64]bool{}
	}
	b.last++
	b.pending[b.last] = true
	return b.last
}

// busy reports whether an answer is under way.
func (b *background) busy() bool { return len(b.pending) > 0 }

// hold keeps a line (a PONG, or a refusal that must not overtake the
// answers before it) until every answer under way now is finished.
func (b *background) hold(line []byte) {
	b.pongs = append(b.pongs, heldPong{after: b.last, line: line})
}

// finish marks answer seq done and returns the PONGs that may now go, in
// order.
func (b *background) finish(seq int64) [][]byte {
	delete(b.pending, seq)
	oldest := b.last + 1
	for n := range b.pending {
		oldest = min(oldest, n)
	}
	var out [][]byte
	for len(b.pongs) > 0 && b.pongs[0].after < oldest {
		out = append(out, b.pongs[0].line)
		b.pongs = b.pongs[1:]
	}
	if len(b.pongs) == 0 {
		b.pongs = nil
	}
	return out
}
