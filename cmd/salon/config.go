package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// config is the client's settings: the server, the account, and a few
// preferences. It is read from a small file of "key = value" lines ('#'
// starts a comment), by default $XDG_CONFIG_HOME/salon/config, and the
// command line overrides it.
type config struct {
	Addr               string
	TLS                bool
	InsecureSkipVerify bool
	Pseudo             string
	Password           string // optional: with it, salon logs in without asking
	Downloads          string // where /download saves by default
	Timestamps         bool
	ImagePreviews      bool // fetch shared images to announce their size and dimensions
	SidebarWidth       int
	Members            bool // show the member list when the terminal is wide enough

	Dir string // the config file's folder: key.asc and known_keys live there (not a setting)
}

func defaultConfig() config {
	return config{Addr: "127.0.0.1:7777", Downloads: ".", Timestamps: true, ImagePreviews: true,
		SidebarWidth: 24, Members: true}
}

// defaultConfigPath returns where the configuration file lives, or "" if
// the system has no configuration folder.
func defaultConfigPath() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "salon", "config")
}

// loadConfig reads path over the defaults. A missing file is no error when
// it is the default one (missingOK).
func loadConfig(path string, missingOK bool) (config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if os.IsNotExist(err) && missingOK {
		return cfg, nil
	}
	if err != nil {
		return cfg, err
	}
	defer f.Close()
	return cfg, parseConfig(&cfg, path, bufio.NewScanner(f))
}

// parseConfig applies the lines of sc to cfg; errors say file:line.
func parseConfig(cfg *config, name string, sc *bufio.Scanner) error {
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: expected key = value", name, n)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if err := cfg.set(key, unquote(value)); err != nil {
			return fmt.Errorf("%s:%d: %s: %w", name, n, key, err)
		}
	}
	return sc.Err()
}

// unquote accepts "value" as well as value, for those who quote by habit.
func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
	}
	return v
}

func (c *config) set(key, value string) error {
	boolean := func(dst *bool) error {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("expected true or false, got %q", value)
		}
		*dst = b
		return nil
	}
	switch key {
	case "addr":
		c.Addr = value
	case "tls":
		return boolean(&c.TLS)
	case "insecure_skip_verify":
		return boolean(&c.InsecureSkipVerify)
	case "pseudo":
		c.Pseudo = value
	case "password":
		c.Password = value
	case "downloads":
		c.Downloads = value
	case "timestamps":
		return boolean(&c.Timestamps)
	case "image_previews":
		return boolean(&c.ImagePreviews)
	case "members":
		return boolean(&c.Members)
	case "sidebar_width":
		n, err := strconv.Atoi(value)
		if err != nil || n < 12 || n > 60 {
			return fmt.Errorf("expected a number from 12 to 60, got %q", value)
		}
		c.SidebarWidth = n
	default:
		return fmt.Errorf("unknown setting")
	}
	return nil
}

// expandHome turns a leading ~ into the home folder.
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}
