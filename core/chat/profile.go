package chat

import (
	"encoding/base64"

	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// What a user says about itself: an away note (PROTOCOL.md section 18) and
// its OpenPGP public key (section 20). Both are stored like everything
// else; the server never reads a key, it only relays it.

// awayLine is "AWAY 0 U text", or "AWAY 0 U" for a user who is back.
func awayLine(uid int64, text string) []byte {
	if text == "" {
		return wire.Line("AWAY", wire.User(uid))
	}
	return wire.Line("AWAY", wire.User(uid), text)
}

// away handles AWAY [text], told to everyone online who can see the user.
func (h *Hub) away(s *Session, me *user, c wire.Command) effect {
	me.away = c.Text
	uid, text := me.id, c.Text
	line := awayLine(uid, text)
	to := append(h.st.onlineOthers(h.st.canSee(me), uid), uid)
	return effect{
		change:  func(tx *store.Tx) error { return tx.SetAway(uid, text) },
		deliver: func() { h.sendTags(to, s, line) },
	}
}

// keyLine is "KEY 0 U base64".
func keyLine(uid int64, key []byte) []byte {
	return wire.Line("KEY", wire.User(uid), base64.StdEncoding.EncodeToString(key))
}

// publishKey handles KEY base64: the key replaces the user's, and everyone
// online who can see the user gets it.
func (h *Hub) publishKey(s *Session, me *user, c wire.Command) effect {
	uid, key := me.id, c.Key
	h.batchKeys[uid] = key // not stored until the batch commits
	line := keyLine(uid, key)
	to := append(h.st.onlineOthers(h.st.canSee(me), uid), uid)
	return effect{
		change:  func(tx *store.Tx) error { return tx.SetKey(uid, key) },
		deliver: func() { h.sendTags(to, s, line) },
	}
}

// fetchKey answers KEY 0 U with U's key. Keys are public: any user's may
// be asked for, as WHO may ask whether any pseudo exists.
func (h *Hub) fetchKey(s *Session, c wire.Command) effect {
	them := h.st.users[c.Addr.UserTag()]
	if them == nil {
		return h.fail(s, "KEY", "no such user")
	}
	key, ok := h.batchKeys[them.id]
	var err error
	if !ok {
		key, ok, err = h.store.Key(h.ctx, them.id)
	}
	switch {
	case err != nil:
		h.log.Error("reading a key", "user", them.pseudo, "error", err)
		return h.fail(s, "KEY", "could not read the key, try again")
	case !ok:
		return h.fail(s, "KEY", "no key")
	}
	return h.only(s, keyLine(them.id, key))
}
