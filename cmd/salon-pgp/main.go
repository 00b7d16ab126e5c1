// Command salon-pgp makes keys and private messages exactly as the terminal
// client does (package client/pgp), for interop tests with the web client:
//
//	salon-pgp gen -pseudo alice -pass P -out alice.asc -pub alice.pub
//	salon-pgp encrypt -key alice.asc -pass P -to bob.pub < text > msg
//	salon-pgp decrypt -key bob.asc -pass P -from alice.pub < msg
//
// KEYFILE is the armored, passphrase-protected private key (key.asc's
// form); PUBFILE the binary public key KEY publishes. encrypt writes the
// "pgp:" text; decrypt writes {"text","verdict","signer"} as JSON, signer
// the signing key's fingerprint in hex ("" when unknown).
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/salon-chat/salon/client/pgp"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "salon-pgp:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: salon-pgp gen|encrypt|decrypt [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	keyFile := fs.String("key", "", "armored private key file")
	pass := fs.String("pass", "", "passphrase of the private key")
	to := fs.String("to", "", "recipient's public key file (binary)")
	from := fs.String("from", "", "sender's public key file (binary)")
	pseudo := fs.String("pseudo", "", "user id of a new key")
	out := fs.String("out", "", "where gen writes the armored private key")
	pub := fs.String("pub", "", "where gen writes the binary public key")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "gen":
		if *pseudo == "" || *pass == "" || *out == "" || *pub == "" {
			return errors.New("gen needs -pseudo, -pass, -out and -pub")
		}
		k, err := pgp.Generate(*pseudo)
		if err != nil {
			return err
		}
		a, err := k.ExportArmored(*pass)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, []byte(a), 0o600); err != nil {
			return err
		}
		return os.WriteFile(*pub, k.Public(), 0o644)
	case "encrypt":
		me, err := loadKey(*keyFile, *pass)
		if err != nil {
			return err
		}
		them, err := loadPublic(*to)
		if err != nil {
			return err
		}
		text, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		msg, err := pgp.Encrypt(text, them, me)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, msg)
		return err
	case "decrypt":
		me, err := loadKey(*keyFile, *pass)
		if err != nil {
			return err
		}
		var them *pgp.Public
		if *from != "" {
			if them, err = loadPublic(*from); err != nil {
				return err
			}
		}
		msg, err := io.ReadAll(stdin)
		if err != nil {
			return err
		}
		p, err := pgp.Decrypt(strings.TrimSpace(string(msg)), me, them)
		if err != nil {
			return err
		}
		signer := ""
		if p.Signer != ([20]byte{}) {
			signer = hex.EncodeToString(p.Signer[:])
		}
		return json.NewEncoder(stdout).Encode(struct {
			Text    string `json:"text"`
			Verdict string `json:"verdict"`
			Signer  string `json:"signer"`
		}{string(p.Text), p.Verdict.String(), signer})
	}
	return fmt.Errorf("unknown command %q (gen, encrypt, decrypt)", args[0])
}

func loadKey(file, pass string) (*pgp.Key, error) {
	if file == "" {
		return nil, errors.New("-key is required")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return pgp.ImportArmored(string(b), pass)
}

func loadPublic(file string) (*pgp.Public, error) {
	if file == "" {
		return nil, errors.New("a public key file is required")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return pgp.ParsePublic(b)
}
