package chat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/salon-chat/salon/core/wire"
)

// Files for the web page (issue 15). A browser loads images and voice
// messages with plain HTTP requests, so that it streams and caches them
// itself; those requests are authorized by a token that a logged-in
// session asks for with WEBTOKEN and the page turns into an HttpOnly
// cookie (core/web/filehttp). A token stands for its session and nothing
// else: it lives in the hub's memory only, and it ends when the session
// logs out, is disconnected or asks for a new one. Every request is then
// checked in the loop against the state as it is at that moment, exactly
// as GET is, so leaving a channel, a kick, a ban or a deletion refuses the
// next request at once.

// WebTokenLen is the length of a token: base64url, without padding, of 32
// random bytes.
const WebTokenLen = 43

// Errors of WebFile. ErrWebToken means the token does not stand for a
// logged-in session (401 for the page: ask for a new one); ErrNoWebFile
// covers every other refusal, from "no such file" to "not a member", so
// that the answer never tells a file that exists from one the user may not
// read.
var (
	ErrWebToken  = errors.New("chat: unknown web token")
	ErrNoWebFile = errors.New("chat: no such file")
)

// WebFile is what the web page's request may stream: the blob of a file,
// opened through the files store by the caller.
type WebFile struct {
	Blob string // the blob's id in core/files
	Size int64
}

// webToken answers WEBTOKEN: a new token for the session, which ends the
// one it had. The token is valid from the moment the loop handles this, so
// the page may use it as soon as it reads the answer.
func (h *Hub) webToken(s *Session) effect {
	var b [32]byte
	rand.Read(b[:]) // never fails: it crashes the program instead
	token := base64.RawURLEncoding.EncodeToString(b[:])
	h.endWebToken(s)
	s.webToken = token
	h.webTokens[token] = s
	return h.only(s, wire.Line("WEBTOKEN", token))
}

// endWebToken forgets the session's token, if it has one.
func (h *Hub) endWebToken(s *Session) {
	if s.webToken != "" {
		delete(h.webTokens, s.webToken)
		s.webToken = ""
	}
}

// webUser returns the user a token stands for, or nil when it stands for
// no session that is logged in now.
func (h *Hub) webUser(token string) *user {
	s := h.webTokens[token]
	if s == nil || s.uid == 0 || s.leaving || !h.sessions[s] {
		return nil
	}
	return h.st.users[s.uid]
}

// CheckWebToken reports whether token stands for a logged-in session now
// (ErrWebToken when it does not).
func (h *Hub) CheckWebToken(ctx context.Context, token string) error {
	if len(token) != WebTokenLen {
		return ErrWebToken
	}
	var found bool
	err := h.call(ctx, func() (effect, error) {
		found = h.webUser(token) != nil
		return effect{}, nil
	})
	if err != nil {
		return err
	}
	if !found {
		return ErrWebToken
	}
	return nil
}

// WebFile decides, in the loop, whether the user of token may read file
// name of conversation a (as that user names it) and returns its blob. The
// rule is GET's (conversation in files.go): a member of the channel, or
// either party of a direct conversation. The history (save.txt) is not a
// file here: the page reads it with HIST.
func (h *Hub) WebFile(ctx context.Context, token string, a wire.Addr, name string) (WebFile, error) {
	if len(token) != WebTokenLen {
		return WebFile{}, ErrWebToken
	}
	var f WebFile
	var why error
	err := h.call(ctx, func() (effect, error) {
		me := h.webUser(token)
		if me == nil {
			why = ErrWebToken
			return effect{}, nil
		}
		conv, refused := h.conversation(me, a, false)
		if refused != "" || name == HistoryName {
			why = ErrNoWebFile
			return effect{}, nil
		}
		e := h.st.files[conv][name]
		if e == nil {
			why = ErrNoWebFile
			return effect{}, nil
		}
		f = WebFile{Blob: e.blob, Size: e.size}
		return effect{}, nil
	})
	if err != nil {
		return WebFile{}, err
	}
	return f, why
}
