// Command salon is Salon's terminal client: a full-screen chat with a
// sidebar of servers, channels, direct conversations and friends, a
// message pane, a member list and an input line with slash commands.
//
//	salon [-addr host:port] [-tls] [-insecure-skip-verify] [-pseudo name] [-config file]
//
// See docs/client.md.
package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"github.com/salon-chat/salon/client"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	cfg, err := configure(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	opts := client.Options{Addr: cfg.Addr}
	if cfg.TLS || cfg.InsecureSkipVerify {
		// A nil RootCAs means the system's roots.
		opts.TLS = &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	}
	c := client.New(opts)
	m := newModel(c, cfg)
	if _, err := tea.NewProgram(m).Run(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// configure reads the configuration file and lets the flags override it.
func configure(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("salon", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration `file` (default "+defaultConfigPath()+")")
	addr := fs.String("addr", "", "server `host:port` (default from the configuration, else 127.0.0.1:7777)")
	useTLS := fs.Bool("tls", false, "connect with TLS, checking the certificate against the system's roots")
	insecure := fs.Bool("insecure-skip-verify", false, "with -tls, accept any certificate (for testing only)")
	pseudo := fs.String("pseudo", "", "log in as `pseudo`")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	path, missingOK := *configPath, false
	if path == "" {
		path, missingOK = defaultConfigPath(), true
	}
	cfg, err := loadConfig(path, missingOK)
	if err != nil {
		return cfg, err
	}
	if path != "" {
		cfg.Dir = filepath.Dir(path)
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr":
			cfg.Addr = *addr
		case "tls":
			cfg.TLS = *useTLS
		case "insecure-skip-verify":
			cfg.InsecureSkipVerify = *insecure
		case "pseudo":
			cfg.Pseudo = *pseudo
		}
	})
	return cfg, nil
}
