package client

import (
	"encoding/base64"
	"fmt"

	"github.com/salon-chat/salon/core/wire"
)

// PublicKey is KEY 0 U base64: U's published OpenPGP public key (binary,
// as client/pgp.ParsePublic reads it), the answer to FetchKey and what
// everyone who can see U receives when U publishes a new one.
type PublicKey struct {
	User int64
	Key  []byte
}

func (p parser) key() (Line, error) {
	f, err := p.fields(3, false)
	if err != nil {
		return nil, err
	}
	u, err := p.user(f[0], f[1])
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(k) == 0 {
		return nil, p.errorf("invalid base64 key")
	}
	return PublicKey{User: u, Key: k}, nil
}

// PublishKey sends KEY base64: this user's public key replaces its
// published one.
func (c *Client) PublishKey(pub []byte) error {
	return c.Send("KEY " + base64.StdEncoding.EncodeToString(pub))
}

// FetchKey sends KEY 0 U; the answer is a PublicKey line, or ERR KEY.
func (c *Client) FetchKey(user int64) error {
	return c.Send(fmt.Sprintf("KEY %s", wire.User(user)))
}

func (k PublicKey) String() string {
	return "KEY " + wire.User(k.User).String() + " " + base64.StdEncoding.EncodeToString(k.Key)
}
