package chat

import (
	"github.com/salon-chat/salon/core/pluginhost"
	"github.com/salon-chat/salon/core/wire"
)

// Message hooks and plugin calls run in plugins, which may be slow, so
// neither a session's reader nor the loop may wait for them.
//
// A hooked MSG is parked: the hooks run in a goroutine of their own, and
// until their verdict comes back to the loop every later request of the
// same session is parked behind it, so the session's commands are still
// handled, and answered, in the order they were sent.
//
// A JEU or claimed verb is not: a player may have several calls in flight,
// and chat goes on meanwhile. Each call keeps its slot until the plugin
// answers (so a session has at most PendingPerSession of them). Its answer
// is one of the session's background answers (see background), which a
// PING's PONG waits for. Other sessions are never held up.

// hooksFor returns the hooks that apply to a message to a, leaving out the
// plugin that posts it (a plugin never hooks its own bots' messages).
func (h *Hub) hooksFor(a wire.Addr, byPlugin string) []*pluginhost.Plugin {
	t := h.table.Load()
	if t == nil {
		return nil
	}
	hooks := t.ChannelHooks
	if a.IsUser() {
		hooks = t.DirectHooks
	}
	if byPlugin == "" || len(hooks) == 0 {
		return hooks
	}
	var out []*pluginhost.Plugin
	for _, p := range hooks {
		if p.Name() != byPlugin {
			out = append(out, p)
		}
	}
	return out
}

// park holds r, a message (or a reply or an edit) to a, until hooks have
// judged its text.
func (h *Hub) park(r *request, me *user, hooks []*pluginhost.Plugin, a wire.Addr) effect {
	s := r.s
	s.held = append(s.held, r)
	m := pluginhost.Message{Author: pluginUser(me), Conversation: pluginConversation(a), Text: r.cmd.Text}
	// Hooks are told which command it is, so that one may judge an edit
	// (of a message already seen) or a reply differently from a message.
	switch r.cmd.Op {
	case wire.OpReply:
		m.Kind, m.Ref = pluginhost.KindReply, r.cmd.ID
	case wire.OpEdit:
		m.Kind, m.Ref = pluginhost.KindEdit, r.cmd.ID
	}
	h.async(func() {
		v := runHooks(h, hooks, m)
		h.submit(&request{kind: reqResume, s: s, verdict: &v})
	})
	return effect{parked: true}
}

// callPlugin runs call, a JEU or claimed verb's plugin call, once r's
// batch is delivered; call returns the ERR line to answer when the plugin
// failed, or nil. r keeps its slot until the answer.
func (h *Hub) callPlugin(r *request, call func() []byte) effect {
	s := r.s
	seq := s.bg.start()
	return effect{parked: true, deliver: func() {
		h.async(func() {
			h.submit(&request{kind: reqResume, s: s, called: true, seq: seq, line: call()})
		})
	}}
}

// resume goes on with a session: after the hooks' verdict on its parked
// message (the message first, then whatever queued up behind it, which may
// park again), or after a plugin's answer to one of its calls (its ERR, if
// any) or the end of one of its downloads, and then with the PONGs that
// waited for them.
func (h *Hub) resume(r *request) effect {
	s := r.s
	if r.called {
		if r.download {
			s.downloads--
		}
		line, pongs := r.line, s.bg.finish(r.seq)
		call := !r.download
		return effect{deliver: func() {
			if line != nil {
				s.push(line)
			}
			if call {
				<-s.slots // the call's
			}
			for _, p := range pongs {
				s.push(p)
				<-s.slots // the PING's
			}
		}}
	}
	if len(s.held) > 0 {
		s.held[0].verdict = r.verdict
		h.release(s)
	}
	return effect{}
}

// release hands a parked session's requests back to the batch, in order.
func (h *Hub) release(s *Session) {
	h.ready = append(h.ready, s.held...)
	s.held = nil
}

// runHooks asks each hook in turn; each sees the text as the previous one
// left it, and a rejection ends the round. A hook that fails or times out
// lets the message through (the host logs it).
func runHooks(h *Hub, hooks []*pluginhost.Plugin, m pluginhost.Message) pluginhost.Verdict {
	original, text := m.Text, m.Text
	for _, p := range hooks {
		m.Text = text
		v, err := p.HookMessage(h.ctx, m)
		if err != nil {
			continue
		}
		switch v.Action {
		case pluginhost.Reject:
			if v.Reason == "" || !wire.ValidText(v.Reason) || len(v.Reason) > 200 {
				v.Reason = "refused by " + p.Name()
			}
			return v
		case pluginhost.Replace:
			if validMessage(v.Text) {
				text = v.Text
			} else {
				h.log.Warn("a hook's replacement text is not a valid message: ignored", "plugin", p.Name())
			}
		}
	}
	if text != original {
		return pluginhost.Verdict{Action: pluginhost.Replace, Text: text}
	}
	return pluginhost.Verdict{Action: pluginhost.Allow}
}

// validMessage reports whether text may be a message: 1 to 4000 bytes of
// line text.
func validMessage(text string) bool {
	return text != "" && len(text) <= wire.MaxText && wire.ValidText(text)
}

func pluginUser(u *user) pluginhost.User {
	return pluginhost.User{Tag: u.id, Pseudo: u.pseudo, Online: u.online(), Bot: u.bot}
}

func pluginConversation(a wire.Addr) pluginhost.Conversation {
	if a.IsUser() {
		return pluginhost.Conversation{Peer: a.UserTag()}
	}
	return pluginhost.Conversation{Server: a.Server, Channel: a.Channel}
}

// addrOf is the address a plugin's conversation names, or false.
func addrOf(c pluginhost.Conversation) (wire.Addr, bool) {
	if c.Server == 0 {
		return wire.User(c.Peer), c.Peer > 0 && c.Channel == 0
	}
	return wire.Addr{Server: c.Server, Channel: c.Channel}, c.Server > 0 && c.Channel >= 0 && c.Peer == 0
}
