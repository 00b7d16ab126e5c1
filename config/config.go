// Package config loads salond's HCL configuration file: its schema, its
// defaults and its validation.
//
// Every problem found in a file, from a syntax error to a number out of range,
// is reported as "file:line:col: message", one problem per line, so that an
// operator can jump straight to the offending attribute.
package config

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Config is salond's whole configuration.
type Config struct {
	File      string // the file it was loaded from; "" for defaults
	Listen    string // TCP address, default "127.0.0.1:7777"
	DataDir   string // data folder, default "./data"; in a file, a relative path is resolved against the file's folder
	Log       Log
	Passwords Passwords
	Limits    Limits
	Storage   Storage
	Files     Files
	TLS       TLS
	Web       Web
	Calls     Calls

	// Plugins are parsed and checked for shape, but nothing runs them yet.
	Plugins []Plugin
}

// Log configures the server's logger.
type Log struct {
	Level  string // trace|debug|info|warn|error, default info
	Format string // text|json, default text
}

// Passwords holds the argon2id parameters. They are read at start-up only;
// hashes made with older parameters keep verifying because each stored hash
// records its own parameters.
type Passwords struct {
	Time          uint32 // iterations, default 2, 1..16
	MemoryKiB     uint32 // default 19456, 64..4194304 (4 GiB)
	Threads       uint8  // default 1, 1..16
	MaxConcurrent int    // hashes computed at once, default 4, 1..256: bounds memory in a login storm
}

// Limits bound what one session may cost the server.
type Limits struct {
	SendQueueBytes    int           // per session, default 1<<20, 4096..1<<30; over it the session is disconnected
	PendingPerSession int           // commands of one session awaiting commit, default 64, 1..4096
	WriteTimeout      time.Duration // default 30s, written in HCL as a string "30s"; >= 1s
	LoginTimeout      time.Duration // a connection must log in within it, default 60s; >= 1s

	ConnectionsPerAddress int           // open connections from one IP address, default 32, 1..100000
	RegistrationsPerHour  int           // new accounts from one IP address per hour, default 10, 1..100000
	IdleTimeout           time.Duration // silence after which the server sends PING, default 5m; >= 1s
	PingTimeout           time.Duration // silence after that PING before disconnecting, default 1m; >= 1s
	MessagesPerSecond     int           // sustained MSG rate of one user, default 10, 1..100000
	MessageBurst          int           // MSG lines one user may send at once, default 30, 1..100000
	FloodDelay            time.Duration // how far behind a flooding user may fall before it is disconnected, default 10s; >= 1s
	MembersPerChannel     int           // members of one channel (general included), default 10000, 2..10000000
	ServersPerUser        int           // servers one user owns, default 20, 1..100000
	ChannelsPerUser       int           // channels one user created (still existing), default 100, 1..100000
	InvitationsSent       int           // pending invitations one user has sent, default 100, 1..100000
	InvitationsReceived   int           // pending invitations one user has received, default 200, 1..100000
	PluginDeliveries      int           // lines a plugin may deliver per second (a line to N members is N), with a burst of twice as many; default 20000, 1..10000000
}

// TLS configures the TLS listener. It is off unless Listen is set.
type TLS struct {
	Listen string // TCP address of the TLS listener, "" for none
	Cert   string // PEM certificate chain file; relative paths are resolved against the file's folder
	Key    string // PEM private key file

	// PlaintextLoopbackOnly refuses a plaintext listen address that is not
	// on a loopback interface: with it, remote clients can only use TLS.
	PlaintextLoopbackOnly bool
}

// Web configures the HTTP listener that serves the web client and the
// line protocol over WebSocket (/ws). It is off unless Listen is set. It
// speaks HTTPS with the tls block's key pair when tls.cert is set.
type Web struct {
	Listen string // TCP address of the HTTP listener, "" for none

	// AllowedOrigins are the pages, besides the server's own, whose
	// scripts may open a WebSocket session: origins such as
	// "https://chat.example.org", lower case, without a default port.
	AllowedOrigins []string

	// TrustedProxies are the peers whose X-Forwarded-For or Forwarded
	// header is believed: a WebSocket session from one of them counts
	// against the address the header names (the rightmost hop that is not
	// itself a trusted proxy) for the per-address limits. A single address
	// is a prefix of its full length.
	TrustedProxies []netip.Prefix
}

// Calls configures the forwarding unit of calls (docs/calls.md). Calls
// are off unless UDP is set.
type Calls struct {
	UDP      string // the UDP host:port of every call's media (ICE-lite, one port), "" for no calls
	PublicIP string // the address clients are told to send media to, when UDP's host is not it (NAT, 0.0.0.0)

	MaxParticipants   int // in one call, default 25, 2..1000
	MaxCalls          int // at once on the instance, direct calls included, default 100, 1..100000
	MaxCallsPerServer int // at once in the channels of one server, default 10, 1..100000
	MaxTracks         int // a participant may send: 1 (microphone), 2 (and camera), 3 (and screen), default 3
	AudioKbps         int // a microphone's allowance, default 64, 8..512
	VideoKbps         int // a camera's, default 600, 50..20000
	ScreenKbps        int // a screen share's, default 1500, 50..20000
	RenewAfter        int // tracks ended in one participant's connection before salond gives it a new one, default 64, 4..100000

	// TURN are the relays handed to clients that cannot reach UDP directly.
	TURN []TURN
}

// TURN is one `turn { ... }` block: a relay (or STUN server) the clients use.
type TURN struct {
	URLs       []string      // turn:, turns: or stun: URLs
	Username   string        // fixed credentials, or
	Credential string        //
	Secret     string        // coturn's use-auth-secret: time-limited credentials made per call
	TTL        time.Duration // how long those live, default 12h
}

// Storage configures the embedded database.
type Storage struct {
	Sync string // "full" (default) or "normal"
}

// Files bounds uploads and downloads.
type Files struct {
	MaxBytes        int64 // the largest upload, default 25 MiB, 1..1<<40
	MaxDownloads    int   // downloads being read from disk or the database at once, default 16, 1..1024
	UserDownloads   int   // downloads one user has streaming at once, default 2, 1..1024
	QueuedDownloads int   // downloads one connection may have asked for and not yet received, default 8, 1..1024
}

// Plugin is one `plugin "name" { ... }` block.
type Plugin struct {
	Name    string   // the block's label, unique within the file
	Command string   // path of the executable; a relative path is resolved against the file's folder
	Args    []string // arguments passed to Command
	SHA256  string   // expected checksum of Command, lower-case hex; "" when not given

	// Body is the plugin's own `config { ... }` block, left undecoded because
	// only the plugin knows its schema. It is never nil: a plugin without a
	// config block gets an empty body located at the plugin block, so that
	// errors about missing settings still carry a file:line:col.
	Body hcl.Body

	// Where the block was written, for errors about the plugin that are
	// found later, when salond starts it: Range is the block's label,
	// CommandRange and SHA256Range those attributes (SHA256Range is zero
	// when sha256 is not set).
	Range        hcl.Range
	CommandRange hcl.Range
	SHA256Range  hcl.Range

	// ConfigSource is the source text of the config block's body, between
	// its braces, and ConfigStart where that text starts in the file. The
	// plugin runs in another process and parses it there with its own
	// schema; starting from ConfigStart, its errors carry the file's own
	// line and column. Without a config block, ConfigSource is empty and
	// ConfigStart is the start of the plugin block.
	ConfigSource []byte
	ConfigStart  hcl.Pos
}

// Defaults, in one place so that Default, the docs and the example file can
// be checked against each other.
const (
	defaultListen            = "127.0.0.1:7777"
	defaultDataDir           = "./data"
	defaultLogLevel          = "info"
	defaultLogFormat         = "text"
	defaultPasswordTime      = 2
	defaultPasswordMemoryKiB = 19456
	defaultPasswordThreads   = 1
	defaultMaxConcurrent     = 4
	defaultSendQueueBytes    = 1 << 20
	defaultPendingPerSession = 64
	defaultWriteTimeout      = 30 * time.Second
	defaultLoginTimeout      = 60 * time.Second
	defaultSync              = "full"
	defaultFileMaxBytes      = 25 << 20
	defaultConnsPerAddress   = 32
	defaultRegistrationsHour = 10
	defaultIdleTimeout       = 5 * time.Minute
	defaultPingTimeout       = time.Minute
	defaultMessagesPerSecond = 10
	defaultMessageBurst      = 30
	defaultFloodDelay        = 10 * time.Second
	defaultMembersPerChannel = 10000
	defaultServersPerUser    = 20
	defaultChannelsPerUser   = 100
	defaultMaxDownloads      = 16
	defaultUserDownloads     = 2
	defaultQueuedDownloads   = 8
	defaultInvitationsSent   = 100
	defaultInvitationsRecv   = 200
	defaultPluginDeliveries  = 20000
)

// Default returns the configuration used when no file is given.
func Default() *Config {
	return &Config{
		Listen:  defaultListen,
		DataDir: defaultDataDir,
		Log: Log{
			Level:  defaultLogLevel,
			Format: defaultLogFormat,
		},
		Passwords: Passwords{
			Time:          defaultPasswordTime,
			MemoryKiB:     defaultPasswordMemoryKiB,
			Threads:       defaultPasswordThreads,
			MaxConcurrent: defaultMaxConcurrent,
		},
		Limits: Limits{
			SendQueueBytes:    defaultSendQueueBytes,
			PendingPerSession: defaultPendingPerSession,
			WriteTimeout:      defaultWriteTimeout,
			LoginTimeout:      defaultLoginTimeout,

			ConnectionsPerAddress: defaultConnsPerAddress,
			RegistrationsPerHour:  defaultRegistrationsHour,
			IdleTimeout:           defaultIdleTimeout,
			PingTimeout:           defaultPingTimeout,
			MessagesPerSecond:     defaultMessagesPerSecond,
			MessageBurst:          defaultMessageBurst,
			FloodDelay:            defaultFloodDelay,
			MembersPerChannel:     defaultMembersPerChannel,
			ServersPerUser:        defaultServersPerUser,
			ChannelsPerUser:       defaultChannelsPerUser,
			InvitationsSent:       defaultInvitationsSent,
			InvitationsReceived:   defaultInvitationsRecv,
			PluginDeliveries:      defaultPluginDeliveries,
		},
		Storage: Storage{
			Sync: defaultSync,
		},
		Calls: Calls{
			MaxParticipants:   25,
			MaxCalls:          100,
			MaxCallsPerServer: 10,
			MaxTracks:         3,
			AudioKbps:         64,
			VideoKbps:         600,
			ScreenKbps:        1500,
			RenewAfter:        64,
		},
		Files: Files{
			MaxBytes:        defaultFileMaxBytes,
			MaxDownloads:    defaultMaxDownloads,
			UserDownloads:   defaultUserDownloads,
			QueuedDownloads: defaultQueuedDownloads,
		},
	}
}

// Load reads the file at path and parses it; see Parse.
func Load(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(src, path)
}

// Parse parses src, the contents of the file named filename, over the
// defaults. filename is used in error messages and to resolve relative paths
// (data_dir, plugin commands) against its folder.
func Parse(src []byte, filename string) (*Config, error) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, newError(filename, diags)
	}
	if diags := checkExpressions(f.Body.(*hclsyntax.Body)); diags.HasErrors() {
		return nil, newError(filename, diags)
	}
	var raw file
	if diags := gohcl.DecodeBody(f.Body, nil, &raw); diags.HasErrors() {
		return nil, newError(filename, diags)
	}
	c := Default()
	c.File = filename
	if diags := raw.apply(c, filepath.Dir(filename), src); diags.HasErrors() {
		return nil, newError(filename, diags)
	}
	return c, nil
}
