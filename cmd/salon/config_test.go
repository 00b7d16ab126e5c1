package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	os.WriteFile(path, []byte(`# my salon
addr = chat.example.org:7777
tls = true

pseudo = "alice"
downloads = ~/Downloads
timestamps = false
image_previews = false
sidebar_width = 30
members = false
`), 0o600)
	cfg, err := loadConfig(path, false)
	if err != nil {
		t.Fatal(err)
	}
	want := config{Addr: "chat.example.org:7777", TLS: true, Pseudo: "alice", Downloads: "~/Downloads", SidebarWidth: 30}
	if cfg != want {
		t.Errorf("got %+v\nwant %+v", cfg, want)
	}
}

// Flags override the file.
func TestConfigure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	os.WriteFile(path, []byte("addr = a:1\npseudo = alice\n"), 0o600)
	cfg, err := configure([]string{"-config", path, "-addr", "127.0.0.1:9", "-tls", "-insecure-skip-verify"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9" || !cfg.TLS || !cfg.InsecureSkipVerify || cfg.Pseudo != "alice" {
		t.Errorf("got %+v", cfg)
	}
	if _, err := configure([]string{"-nope"}, io.Discard); err == nil {
		t.Error("an unknown flag is an error")
	}
	if got := expandHome("~/x"); got == "~/x" || !strings.HasSuffix(got, "/x") {
		t.Errorf("expandHome: %q", got)
	}
}

func TestConfigErrors(t *testing.T) {
	for text, msg := range map[string]string{
		"addr":                "config:1: expected key = value",
		"color = blue":        "config:1: color: unknown setting",
		"\n\ntls = maybe":     "config:3: tls: expected true or false",
		"sidebar_width = 5":   "config:1: sidebar_width: expected a number from 12 to 60",
		"image_previews = no": "config:1: image_previews: expected true or false",
	} {
		path := filepath.Join(t.TempDir(), "config")
		os.WriteFile(path, []byte(text), 0o600)
		_, err := loadConfig(path, false)
		if err == nil || !strings.HasSuffix(err.Error(), msg) && !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", text, err, msg)
		}
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "none"), true); err != nil {
		t.Errorf("a missing default file: %v", err)
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "none"), false); err == nil {
		t.Error("a missing file that was named is an error")
	}
}
