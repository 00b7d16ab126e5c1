package client

import "testing"

func TestParseKey(t *testing.T) {
	checkParse(t, []parseTest{
		{"KEY 0 4 AQID", PublicKey{User: 4, Key: []byte{1, 2, 3}}},
	}, []string{
		"KEY 0 4",        // no key
		"KEY 0 4 !!",     // not base64
		"KEY 5 2 AQID",   // a place
		"KEY 0 4 AQID x", // a space in the key
		"KEY AQID",       // what a client sends, not the server
	})
}
