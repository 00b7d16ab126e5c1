package config

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

func TestDefault(t *testing.T) {
	want := &Config{
		Listen:    "127.0.0.1:7777",
		DataDir:   "./data",
		Log:       Log{Level: "info", Format: "text"},
		Passwords: Passwords{Time: 2, MemoryKiB: 19456, Threads: 1, MaxConcurrent: 4},
		Limits: Limits{
			SendQueueBytes:    1 << 20,
			PendingPerSession: 64,
			WriteTimeout:      30 * time.Second,
			LoginTimeout:      60 * time.Second,

			ConnectionsPerAddress: 32,
			RegistrationsPerHour:  10,
			IdleTimeout:           5 * time.Minute,
			PingTimeout:           time.Minute,
			MessagesPerSecond:     10,
			MessageBurst:          30,
			FloodDelay:            10 * time.Second,
			MembersPerChannel:     10000,
			ServersPerUser:        20,
			ChannelsPerUser:       100,
			InvitationsSent:       100,
			InvitationsReceived:   200,
			PluginDeliveries:      20000,
		},
		Storage: Storage{Sync: "full"},
		Files:   Files{MaxBytes: 25 << 20, MaxDownloads: 16, UserDownloads: 2, QueuedDownloads: 8},
		Calls: Calls{MaxParticipants: 25, MaxCalls: 100, MaxCallsPerServer: 10, MaxTracks: 3,
			AudioKbps: 64, VideoKbps: 600, ScreenKbps: 1500, RenewAfter: 64},
	}
	if got := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("Default() =\n%+v\nwant\n%+v", got, want)
	}
	if Default() == Default() {
		t.Error("Default returns a shared value; callers could change each other's defaults")
	}

	// A file that says nothing (or only comments, or empty blocks) is the defaults.
	for _, src := range []string{
		"",
		"# nothing here\n// nor here\n/* nor here */\n",
		"log {}\npasswords {}\nlimits {}\nstorage {}\n",
		"listen = null\nlimits {\n  write_timeout = null\n  send_queue_bytes = null\n}\n",
	} {
		got, err := Parse([]byte(src), "salon.hcl")
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		want := Default()
		want.File = "salon.hcl"
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", src, got, want)
		}
	}
}

func TestParseFull(t *testing.T) {
	const src = `
listen   = "0.0.0.0:7000"
data_dir = "/var/lib/salon"

log {
  level  = "debug"
  format = "json"
}

passwords {
  time           = 3
  memory_kib     = 65536
  threads        = 4
  max_concurrent = 8
}

limits {
  send_queue_bytes    = 65536
  pending_per_session = 16
  write_timeout       = "1m30s"
  login_timeout       = "2m"

  connections_per_address = 4
  registrations_per_hour  = 2
  idle_timeout            = "10m"
  ping_timeout            = "30s"
  messages_per_second     = 5
  message_burst           = 8
  flood_delay             = "3s"
  members_per_channel     = 500
  servers_per_user        = 3
  channels_per_user       = 7
  invitations_sent        = 9
  invitations_received    = 11
  plugin_deliveries_per_second = 500
}

tls {
  listen = "0.0.0.0:7001"
  cert   = "tls/cert.pem"
  key    = "/etc/salon/key.pem"
}

storage {
  sync = "normal"
}

files {
  max_bytes          = 1073741824
  max_downloads      = 4
  downloads_per_user = 3
  queued_downloads   = 5
}

plugin "dice" {
  command = "plugins/dice"
  args    = ["-v", "--seed", "7"]
  sha256  = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
  config {
    sides = 20
    names = ["d20"]
    table "default" {
      max_players = 4
    }
  }
}

plugin "echo" {
  command = "/usr/libexec/salon/echo"
}

calls {
  udp                  = "0.0.0.0:7779"
  public_ip            = "203.0.113.7"
  max_participants     = 12
  max_calls            = 40
  max_calls_per_server = 4
  max_tracks           = 2
  audio_kbps           = 48
  video_kbps           = 800
  screen_kbps          = 2000
  renew_after          = 16
  turn {
    urls       = ["turn:turn.example.org:3478", "turns:turn.example.org:5349"]
    username   = "salon"
    credential = "hunter2"
  }
  turn {
    urls   = ["turn:relay.example.org"]
    secret = "s3cret"
    ttl    = "1h"
  }
  turn {
    urls = ["stun:stun.example.org"]
  }
}
`
	c, err := Parse([]byte(src), "/etc/salon/salon.hcl")
	if err != nil {
		t.Fatal(err)
	}
	plugins := c.Plugins
	c.Plugins = nil
	want := &Config{
		File:      "/etc/salon/salon.hcl",
		Listen:    "0.0.0.0:7000",
		DataDir:   "/var/lib/salon",
		Log:       Log{Level: "debug", Format: "json"},
		Passwords: Passwords{Time: 3, MemoryKiB: 65536, Threads: 4, MaxConcurrent: 8},
		Limits: Limits{
			SendQueueBytes:    65536,
			PendingPerSession: 16,
			WriteTimeout:      90 * time.Second,
			LoginTimeout:      2 * time.Minute,

			ConnectionsPerAddress: 4,
			RegistrationsPerHour:  2,
			IdleTimeout:           10 * time.Minute,
			PingTimeout:           30 * time.Second,
			MessagesPerSecond:     5,
			MessageBurst:          8,
			FloodDelay:            3 * time.Second,
			MembersPerChannel:     500,
			ServersPerUser:        3,
			ChannelsPerUser:       7,
			InvitationsSent:       9,
			InvitationsReceived:   11,
			PluginDeliveries:      500,
		},
		TLS:     TLS{Listen: "0.0.0.0:7001", Cert: "/etc/salon/tls/cert.pem", Key: "/etc/salon/key.pem"},
		Storage: Storage{Sync: "normal"},
		Files:   Files{MaxBytes: 1 << 30, MaxDownloads: 4, UserDownloads: 3, QueuedDownloads: 5},
		Calls: Calls{
			UDP: "0.0.0.0:7779", PublicIP: "203.0.113.7",
			MaxParticipants: 12, MaxCalls: 40, MaxCallsPerServer: 4, MaxTracks: 2,
			AudioKbps: 48, VideoKbps: 800, ScreenKbps: 2000, RenewAfter: 16,
			TURN: []TURN{
				{URLs: []string{"turn:turn.example.org:3478", "turns:turn.example.org:5349"}, Username: "salon", Credential: "hunter2", TTL: 12 * time.Hour},
				{URLs: []string{"turn:relay.example.org"}, Secret: "s3cret", TTL: time.Hour},
				{URLs: []string{"stun:stun.example.org"}, TTL: 12 * time.Hour},
			},
		},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got\n%+v\nwant\n%+v", c, want)
	}

	if len(plugins) != 2 {
		t.Fatalf("got %d plugins, want 2", len(plugins))
	}
	dice, echo := plugins[0], plugins[1]
	if dice.Name != "dice" || dice.Command != "/etc/salon/plugins/dice" ||
		!reflect.DeepEqual(dice.Args, []string{"-v", "--seed", "7"}) ||
		dice.SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("dice plugin = %+v", dice)
	}
	if echo.Name != "echo" || echo.Command != "/usr/libexec/salon/echo" || echo.Args != nil || echo.SHA256 != "" {
		t.Errorf("echo plugin = %+v", echo)
	}

	// The config block is left for the plugin, which decodes it with its own
	// schema; its positions survive for the plugin's error messages.
	var dc struct {
		Sides  int      `hcl:"sides"`
		Names  []string `hcl:"names"`
		Tables []struct {
			Name       string `hcl:"name,label"`
			MaxPlayers int    `hcl:"max_players"`
		} `hcl:"table,block"`
	}
	if diags := gohcl.DecodeBody(dice.Body, nil, &dc); diags.HasErrors() {
		t.Fatalf("decoding dice config: %v", diags)
	}
	if dc.Sides != 20 || len(dc.Names) != 1 || len(dc.Tables) != 1 || dc.Tables[0].MaxPlayers != 4 {
		t.Errorf("dice config = %+v", dc)
	}
	var strict struct {
		Sides int `hcl:"sides"`
	}
	diags := gohcl.DecodeBody(dice.Body, nil, &strict)
	if got := newError("salon.hcl", diags).Error(); !strings.HasPrefix(got, "salon.hcl:61:5: Unsupported argument; An argument named \"names\"") {
		t.Errorf("plugin's own schema error = %q, want it at 61:5", got)
	}

	// Without a config block, the body is empty but still points at the
	// plugin block, so a plugin that requires settings can say where.
	var required struct {
		Token string `hcl:"token"`
	}
	diags = gohcl.DecodeBody(echo.Body, nil, &required)
	if got := newError("salon.hcl", diags).Error(); !strings.HasPrefix(got, "salon.hcl:68:1: Missing required argument") {
		t.Errorf("missing setting in empty plugin config = %q, want it at 68:1", got)
	}
}

func TestParseBounds(t *testing.T) {
	for _, tt := range []struct {
		name string
		src  string
		want func(*Config) bool
	}{
		{"low", `
passwords {
  time           = 1
  memory_kib     = 64
  threads        = 1
  max_concurrent = 1
}
limits {
  send_queue_bytes    = 4096
  pending_per_session = 1
  write_timeout       = "1s"
  login_timeout       = "1000ms"
}`, func(c *Config) bool {
			return c.Passwords == Passwords{1, 64, 1, 1} &&
				c.Limits.SendQueueBytes == 4096 && c.Limits.PendingPerSession == 1 &&
				c.Limits.WriteTimeout == time.Second && c.Limits.LoginTimeout == time.Second
		}},
		{"high", `
passwords {
  time           = 16
  memory_kib     = 4194304
  threads        = 16
  max_concurrent = 256
}
limits {
  send_queue_bytes    = 1073741824
  pending_per_session = 4096
  write_timeout       = "24h"
  login_timeout       = "1h"
}`, func(c *Config) bool {
			return c.Passwords == Passwords{16, 4 << 20, 16, 256} &&
				c.Limits.SendQueueBytes == 1<<30 && c.Limits.PendingPerSession == 4096 &&
				c.Limits.WriteTimeout == 24*time.Hour && c.Limits.LoginTimeout == time.Hour
		}},
		// HCL converts between numbers and strings where it can.
		{"converted", "listen = \":0\"\npasswords {\n  time = \"3\"\n}\n", func(c *Config) bool {
			return c.Listen == ":0" && c.Passwords.Time == 3
		}},
		{"ipv6", `listen = "[::1]:7777"`, func(c *Config) bool { return c.Listen == "[::1]:7777" }},
		{"all levels", `log { level = "trace" }`, func(c *Config) bool { return c.Log.Level == "trace" }},
		{"warn", `log { level = "warn" }`, func(c *Config) bool { return c.Log.Level == "warn" }},
		{"error", `log { level = "error" }`, func(c *Config) bool { return c.Log.Level == "error" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "salon.hcl")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(c) {
				t.Errorf("got %+v", c)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	for _, tt := range []struct {
		file, dataDir, wantDataDir string
		command, wantCommand       string
	}{
		// `make run` from the repository root.
		{"config/salon.hcl", "../data", "data", "../bin/dice", "bin/dice"},
		{"salon.hcl", "../data", "../data", "dice", "./dice"},
		{"./salon.hcl", "data", "data", "./dice", "./dice"},
		{"/etc/salon/salon.hcl", "data", "/etc/salon/data", "bin/dice", "/etc/salon/bin/dice"},
		{"/etc/salon/salon.hcl", "./data/", "/etc/salon/data", "../dice", "/etc/dice"},
		{"/etc/salon/salon.hcl", "/var/lib/salon/", "/var/lib/salon", "/usr/bin/dice", "/usr/bin/dice"},
		{"", "data", "data", "dice", "./dice"},
	} {
		src := "data_dir = \"" + tt.dataDir + "\"\nplugin \"dice\" {\n  command = \"" + tt.command + "\"\n}\n"
		c, err := Parse([]byte(src), tt.file)
		if err != nil {
			t.Errorf("file %q: %v", tt.file, err)
			continue
		}
		if c.DataDir != tt.wantDataDir {
			t.Errorf("file %q, data_dir %q: DataDir = %q, want %q", tt.file, tt.dataDir, c.DataDir, tt.wantDataDir)
		}
		if c.Plugins[0].Command != tt.wantCommand {
			t.Errorf("file %q, command %q: Command = %q, want %q", tt.file, tt.command, c.Plugins[0].Command, tt.wantCommand)
		}
	}

	// The default is not written in any file, so it stays relative to the
	// working directory.
	c, err := Parse([]byte(`listen = ":7777"`), "/etc/salon/salon.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" {
		t.Errorf("default DataDir = %q, want ./data", c.DataDir)
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		name, src, want string
	}{
		// Validation: each points at the attribute's name.
		{"listen without port", `listen = "localhost"`,
			`f.hcl:1:1: listen: "localhost" is not a host:port address`},
		{"listen empty", "\n\n  listen = \"\"",
			`f.hcl:3:3: listen: "" is not a host:port address`},
		{"listen named port", `listen = "localhost:http"`,
			`f.hcl:1:1: listen: the port of "localhost:http" is not a number from 0 to 65535`},
		{"listen port too big", `listen = ":65536"`,
			`f.hcl:1:1: listen: the port of ":65536" is not a number from 0 to 65535`},
		{"listen negative port", `listen = ":-1"`,
			`f.hcl:1:1: listen: the port of ":-1" is not a number from 0 to 65535`},
		{"data_dir empty", "listen = \":1\"\ndata_dir = \"\"",
			`f.hcl:2:1: data_dir: must not be empty`},
		{"log level", "log {\n  level = \"verbose\"\n}",
			`f.hcl:2:3: log.level: "verbose" is not one of trace, debug, info, warn, error`},
		{"log level case", "log {\n  level = \"INFO\"\n}",
			`f.hcl:2:3: log.level: "INFO" is not one of trace, debug, info, warn, error`},
		{"log format", "log {\n  format = \"xml\"\n}",
			`f.hcl:2:3: log.format: "xml" is not one of text, json`},
		{"time low", "passwords {\n  time = 0\n}",
			`f.hcl:2:3: passwords.time: 0 is out of range 1..16`},
		{"time high", "passwords {\n  time = 17\n}",
			`f.hcl:2:3: passwords.time: 17 is out of range 1..16`},
		{"time fraction", "passwords {\n  time = 2.5\n}",
			`f.hcl:2:3: passwords.time: 2.5 is not a whole number`},
		{"time large", "passwords {\n  time = 1e30\n}",
			`f.hcl:2:3: passwords.time: 1e+30 is out of range 1..16`},
		{"time enormous", "passwords {\n  time = 1e300 * 1e300\n}",
			`f.hcl:2:3: passwords.time: an enormous number is out of range 1..16`},
		{"time minuscule", "passwords {\n  time = 1e-300 / 1e300\n}",
			`f.hcl:2:3: passwords.time: a minuscule fraction is not a whole number`},
		{"huge literal", "passwords {\n  time = 1e9999999\n}",
			`f.hcl:2:10: Number out of range; Numbers in this file must be within the range of a 64-bit float (about 1e-308 to 1e308 in size).`},
		{"tiny literal in a string", "listen = \"${-1e-400}\"",
			`f.hcl:1:14: Number out of range; Numbers in this file must be within the range of a 64-bit float (about 1e-308 to 1e308 in size).`},
		{"huge literal in plugin config", "plugin \"p\" {\n  command = \"p\"\n  config {\n    x = [1e400]\n  }\n}",
			`f.hcl:4:10: Number out of range; Numbers in this file must be within the range of a 64-bit float (about 1e-308 to 1e308 in size).`},
		{"time not a number", "passwords {\n  time = \"two\"\n}",
			`f.hcl:2:3: passwords.time: a number is required`},
		{"time list", "passwords {\n  time = [2]\n}",
			`f.hcl:2:3: passwords.time: a number is required`},
		{"memory low", "passwords {\n  memory_kib = 63\n}",
			`f.hcl:2:3: passwords.memory_kib: 63 is out of range 64..4194304`},
		{"memory high", "passwords {\n  memory_kib = 4194305\n}",
			`f.hcl:2:3: passwords.memory_kib: 4194305 is out of range 64..4194304`},
		{"memory negative", "passwords {\n  memory_kib = -19456\n}",
			`f.hcl:2:3: passwords.memory_kib: -19456 is out of range 64..4194304`},
		{"threads low", "passwords {\n  threads = 0\n}",
			`f.hcl:2:3: passwords.threads: 0 is out of range 1..16`},
		{"threads past uint8", "passwords {\n  threads = 257\n}",
			`f.hcl:2:3: passwords.threads: 257 is out of range 1..16`},
		{"max_concurrent low", "passwords {\n  max_concurrent = 0\n}",
			`f.hcl:2:3: passwords.max_concurrent: 0 is out of range 1..256`},
		{"max_concurrent high", "passwords {\n  max_concurrent = 257\n}",
			`f.hcl:2:3: passwords.max_concurrent: 257 is out of range 1..256`},
		{"send queue low", "limits {\n  send_queue_bytes = 4095\n}",
			`f.hcl:2:3: limits.send_queue_bytes: 4095 is out of range 4096..1073741824`},
		{"send queue high", "limits {\n  send_queue_bytes = 1073741825\n}",
			`f.hcl:2:3: limits.send_queue_bytes: 1073741825 is out of range 4096..1073741824`},
		{"pending low", "limits {\n  pending_per_session = 0\n}",
			`f.hcl:2:3: limits.pending_per_session: 0 is out of range 1..4096`},
		{"pending high", "limits {\n  pending_per_session = 4097\n}",
			`f.hcl:2:3: limits.pending_per_session: 4097 is out of range 1..4096`},
		{"write_timeout without unit", "limits {\n  write_timeout = 30\n}",
			`f.hcl:2:3: limits.write_timeout: "30" is not a duration; write it with a unit, like "30s" or "2m"`},
		{"write_timeout garbage", "limits {\n  write_timeout = \"soon\"\n}",
			`f.hcl:2:3: limits.write_timeout: "soon" is not a duration; write it with a unit, like "30s" or "2m"`},
		{"write_timeout short", "limits {\n  write_timeout = \"999ms\"\n}",
			`f.hcl:2:3: limits.write_timeout: "999ms" is less than the minimum, 1s`},
		{"write_timeout negative", "limits {\n  write_timeout = \"-30s\"\n}",
			`f.hcl:2:3: limits.write_timeout: "-30s" is less than the minimum, 1s`},
		{"login_timeout zero", "limits {\n  login_timeout = \"0s\"\n}",
			`f.hcl:2:3: limits.login_timeout: "0s" is less than the minimum, 1s`},
		{"login_timeout garbage", "limits {\n  login_timeout = \"1 minute\"\n}",
			`f.hcl:2:3: limits.login_timeout: "1 minute" is not a duration; write it with a unit, like "30s" or "2m"`},
		{"sync", "storage {\n  sync = \"off\"\n}",
			`f.hcl:2:3: storage.sync: "off" is not one of full, normal`},
		{"plugin command empty", "plugin \"dice\" {\n  command = \"\"\n}",
			`f.hcl:2:3: plugin "dice": command must not be empty`},
		{"plugin sha256 short", "plugin \"dice\" {\n  command = \"dice\"\n  sha256 = \"abc\"\n}",
			`f.hcl:3:3: plugin "dice": sha256 "abc" is not 64 hexadecimal digits`},
		{"plugin sha256 not hex", "plugin \"dice\" {\n  command = \"dice\"\n  sha256 = \"" + strings.Repeat("z", 64) + "\"\n}",
			`f.hcl:3:3: plugin "dice": sha256 "` + strings.Repeat("z", 64) + `" is not 64 hexadecimal digits`},
		{"plugin name empty", "plugin \"\" {\n  command = \"dice\"\n}",
			`f.hcl:1:8: plugin: the name must not be empty`},
		{"duplicate plugin", "plugin \"dice\" {\n  command = \"a\"\n}\n\nplugin \"dice\" {\n  command = \"b\"\n}",
			`f.hcl:5:8: plugin "dice": defined twice, first at f.hcl:1:8`},

		// Shape errors, reported by HCL itself.
		{"unknown attribute", "listen = \":1\"\nport = 7777",
			`f.hcl:2:1: Unsupported argument; An argument named "port" is not expected here.`},
		{"unknown attribute in block", "log {\n  lvl = \"info\"\n}",
			`f.hcl:2:3: Unsupported argument; An argument named "lvl" is not expected here. Did you mean "level"?`},
		{"unknown block", "database {\n}",
			`f.hcl:1:1: Unsupported block type; Blocks of type "database" are not expected here.`},
		{"block as attribute", `log = "info"`,
			`f.hcl:1:1: Unsupported argument; An argument named "log" is not expected here. Did you mean to define a block of type "log"?`},
		{"attribute as block", "listen {\n}",
			`f.hcl:1:1: Unsupported block type; Blocks of type "listen" are not expected here. Did you mean to define argument "listen"? If so, use the equals sign to assign it a value.`},
		{"duplicate block", "storage {\n}\nstorage {\n}",
			`f.hcl:3:1: Duplicate storage block; Only one storage block is allowed. Another was defined at f.hcl:1,1-8.`},
		{"duplicate attribute", "listen = \":1\"\nlisten = \":2\"",
			`f.hcl:2:1: Attribute redefined; The argument "listen" was already set at f.hcl:1,1-7. Each argument may be set only once.`},
		{"wrong type", `listen = ["127.0.0.1:7777"]`,
			`f.hcl:1:10: Unsuitable value type; Unsuitable value: string required, but have tuple`},
		{"variable", `listen = addr`,
			`f.hcl:1:10: Variables not allowed; Variables may not be used here.`},
		{"plugin without name", "plugin {\n  command = \"dice\"\n}",
			`f.hcl:1:8: Missing name for plugin; All plugin blocks must have 1 labels (name).`},
		{"plugin without command", "plugin \"dice\" {\n}",
			`f.hcl:1:15: Missing required argument; The argument "command" is required, but no definition was found.`},
		{"syntax error", "listen = \"127.0.0.1:7777\"\nlog {\n  level = \n}",
			`f.hcl:3:11: Invalid expression; Expected the start of an expression, but found an invalid expression token.`},
		{"unterminated string", `listen = "127.0.0.1`,
			`f.hcl:1:20: Unterminated template string; No closing marker was found for the string.`},
		{"not utf-8", "listen = \"\xff\"",
			"f.hcl:1:11: Invalid character encoding; All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is selected in your editor.\n" +
				"f.hcl:1:11: Unterminated template string; No closing marker was found for the string."},

		{"for expression", "plugin \"p\" {\n  command = \"p\"\n  args = [for a in [\"x\", \"y\"] : a]\n}",
			`f.hcl:3:10: For expressions not allowed; This file holds plain values; write the list or the text out in full.`},
		{"for directive", "listen = \"%{for a in [1, 2]}${a}%{endfor}\"",
			`f.hcl:1:11: For expressions not allowed; This file holds plain values; write the list or the text out in full.`},
		{"long value shortened", "log {\n  level = \"" + strings.Repeat("é", 100) + "\"\n}",
			`f.hcl:2:3: log.level: "` + strings.Repeat("é", 64) + `"... is not one of trace, debug, info, warn, error`},

		// Several errors: all reported, one per line, in file order.
		{"several", "limits {\n  write_timeout = \"0s\"\n  pending_per_session = 0\n}\nlog {\n  level = \"loud\"\n}\nlisten = \"nowhere\"",
			"f.hcl:2:3: limits.write_timeout: \"0s\" is less than the minimum, 1s\n" +
				"f.hcl:3:3: limits.pending_per_session: 0 is out of range 1..4096\n" +
				"f.hcl:6:3: log.level: \"loud\" is not one of trace, debug, info, warn, error\n" +
				"f.hcl:8:1: listen: \"nowhere\" is not a host:port address"},
		{"several unknown", "a = 1\nb = 2\nc = 3",
			"f.hcl:1:1: Unsupported argument; An argument named \"a\" is not expected here.\n" +
				"f.hcl:2:1: Unsupported argument; An argument named \"b\" is not expected here.\n" +
				"f.hcl:3:1: Unsupported argument; An argument named \"c\" is not expected here."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.src), "f.hcl")
			if err == nil {
				t.Fatalf("no error; got %+v", c)
			}
			if c != nil {
				t.Errorf("got a config with the error: %+v", c)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestExample checks the file `make run` uses: it must load, and as the
// Makefile runs salond from the repository root, its data must land in the
// repository's data folder.
func TestExample(t *testing.T) {
	c, err := Load(filepath.Join("..", "config", "salon.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := filepath.Abs(c.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(filepath.Join("..", "data"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("DataDir = %q (%s), want %s", c.DataDir, got, want)
	}

	// It enables the bundled plugins, built by make into the repository's
	// bin folder.
	var names []string
	for _, p := range c.Plugins {
		names = append(names, p.Name+"="+filepath.ToSlash(filepath.Clean(p.Command)))
	}
	if got := strings.Join(names, " "); got != "dice=../bin/salon-dice wordfilter=../bin/salon-wordfilter roulette=../bin/salon-roulette blackjack=../bin/salon-blackjack holdem=../bin/salon-holdem" {
		t.Errorf("plugins: %s", got)
	}

	// It serves the web client, so that `make run` shows the page.
	if c.Web.Listen != "127.0.0.1:8080" {
		t.Errorf("web.listen = %q, want 127.0.0.1:8080", c.Web.Listen)
	}

	// It carries calls, on loopback only.
	if c.Calls.UDP != "127.0.0.1:7779" {
		t.Errorf("calls.udp = %q, want 127.0.0.1:7779", c.Calls.UDP)
	}

	// Apart from data_dir, plugins, the web listener and the calls port it documents the
	// defaults; keep them in step.
	def := Default()
	def.File, def.DataDir, def.Plugins, def.Web, def.Calls.UDP = c.File, c.DataDir, c.Plugins, c.Web, c.Calls.UDP
	if !reflect.DeepEqual(c, def) {
		t.Errorf("salon.hcl drifted from the defaults:\n got %+v\nwant %+v", c, def)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "salon.hcl")
	if err := os.WriteFile(path, []byte("data_dir = \"state\"\nlog {\n  level = \"debug\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || c.DataDir != filepath.Join(dir, "state") || c.Log.Level != "debug" {
		t.Errorf("Load = %+v", c)
	}

	if err := os.WriteFile(path, []byte("log {\n  level = \"chatty\"\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	if want := path + ":2:3: log.level:"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load of a bad file: %v, want it to start with %q", err, want)
	}

	missing := filepath.Join(dir, "missing.hcl")
	_, err = Load(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load of a missing file: %v", err)
	}
}

// The empty body given to plugins without a config block must behave like a
// real one for every hcl.Body method a plugin may call.
func TestEmptyPluginBody(t *testing.T) {
	c, err := Parse([]byte("plugin \"p\" {\n  command = \"p\"\n}\n"), "f.hcl")
	if err != nil {
		t.Fatal(err)
	}
	body := c.Plugins[0].Body
	attrs, diags := body.JustAttributes()
	if diags.HasErrors() || len(attrs) != 0 {
		t.Errorf("JustAttributes = %v, %v", attrs, diags)
	}
	content, diags := body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "x"}}})
	if diags.HasErrors() || len(content.Blocks) != 0 {
		t.Errorf("Content = %v, %v", content, diags)
	}
	if r := body.MissingItemRange(); r.Filename != "f.hcl" || r.Start.Line != 1 {
		t.Errorf("MissingItemRange = %v", r)
	}
}

// A plugin parses its config block's text in its own process: parsed from
// ConfigStart, it must give the positions of the file itself.
func TestPluginConfigSource(t *testing.T) {
	src := "plugin \"a\" {\n  command = \"a\"\n  sha256 = \"" + strings.Repeat("ab", 32) + "\"\n  config {\n    sides = 20\n    names = [\"x\"]\n  }\n}\n\nplugin \"b\" {\n  command = \"b\"\n  config { n = 1 }\n}\n\nplugin \"c\" {\n  command = \"c\"\n}\n"
	c, err := Parse([]byte(src), "f.hcl")
	if err != nil {
		t.Fatal(err)
	}
	a, b, cc := c.Plugins[0], c.Plugins[1], c.Plugins[2]
	if got := string(a.ConfigSource); got != "\n    sides = 20\n    names = [\"x\"]\n  " {
		t.Errorf("a: ConfigSource = %q", got)
	}
	if a.ConfigStart != (hcl.Pos{Line: 4, Column: 11, Byte: len("plugin \"a\" {\n  command = \"a\"\n  sha256 = \"\"\n  config {") + 64}) {
		t.Errorf("a: ConfigStart = %+v", a.ConfigStart)
	}
	if a.Range.Start.Line != 1 || a.Range.Start.Column != 8 || a.CommandRange.Start.Line != 2 || a.SHA256Range.Start.Line != 3 {
		t.Errorf("a: ranges %v %v %v", a.Range, a.CommandRange, a.SHA256Range)
	}
	var strict struct {
		Sides int `hcl:"sides"`
	}
	f, diags := hclsyntax.ParseConfig(a.ConfigSource, "f.hcl", a.ConfigStart)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	diags = gohcl.DecodeBody(f.Body, nil, &strict)
	if got := newError("f.hcl", diags).Error(); !strings.HasPrefix(got, "f.hcl:6:5: Unsupported argument") {
		t.Errorf("error from the cut source = %q, want it at 6:5", got)
	}
	if got := string(b.ConfigSource); got != " n = 1 " || b.ConfigStart.Line != 12 || b.ConfigStart.Column != 11 {
		t.Errorf("b: ConfigSource = %q at %+v", got, b.ConfigStart)
	}
	if b.SHA256Range != (hcl.Range{}) {
		t.Errorf("b: SHA256Range = %v, want zero", b.SHA256Range)
	}
	if cc.ConfigSource == nil || len(cc.ConfigSource) != 0 || cc.ConfigStart.Line != 15 || cc.ConfigStart.Column != 1 {
		t.Errorf("c: ConfigSource = %q at %+v", cc.ConfigSource, cc.ConfigStart)
	}
}

func TestTLSErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"tls {\n  listen = \"0.0.0.0:7778\"\n}\n",
			"t.hcl:1:1: tls.cert: required with tls.listen\nt.hcl:1:1: tls.key: required with tls.listen"},
		{"tls {\n  listen = \"x\"\n  cert = \"\"\n  key = \"k\"\n}\n",
			"t.hcl:2:3: tls.listen: \"x\" is not a host:port address\nt.hcl:3:3: tls.cert: must not be empty"},
		{"listen = \"0.0.0.0:7777\"\ntls {\n  plaintext_loopback_only = true\n}\n",
			"t.hcl:3:3: tls.plaintext_loopback_only: listen = \"0.0.0.0:7777\" is not a loopback address"},
		{"limits {\n  messages_per_second = 0\n  idle_timeout = \"10ms\"\n}\n",
			"t.hcl:2:3: limits.messages_per_second: 0 is out of range 1..100000\nt.hcl:3:3: limits.idle_timeout: \"10ms\" is less than the minimum, 1s"},
	} {
		_, err := Parse([]byte(tt.src), "t.hcl")
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q):\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
	c, err := Parse([]byte("listen = \"[::1]:7777\"\ntls {\n  plaintext_loopback_only = true\n}\n"), "t.hcl")
	if err != nil || !c.TLS.PlaintextLoopbackOnly {
		t.Fatalf("loopback-only with a loopback address: %v", err)
	}
}

func TestWeb(t *testing.T) {
	const src = `
web {
  listen          = "0.0.0.0:8080"
  allowed_origins = ["https://Chat.Example.org", "http://localhost:8080", "https://a.example:443/", "http://[::1]:80"]
  trusted_proxies = ["127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "192.168.1.77/24", "::ffff:172.16.0.1"]
}
`
	c, err := Parse([]byte(src), "t.hcl")
	if err != nil {
		t.Fatal(err)
	}
	want := Web{
		Listen:         "0.0.0.0:8080",
		AllowedOrigins: []string{"https://chat.example.org", "http://localhost:8080", "https://a.example", "http://[::1]"},
		TrustedProxies: []netip.Prefix{
			netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
			netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fd00::/8"),
			netip.MustParsePrefix("192.168.1.0/24"), netip.MustParsePrefix("172.16.0.1/32"),
		},
	}
	if !reflect.DeepEqual(c.Web, want) {
		t.Errorf("web =\n%+v\nwant\n%+v", c.Web, want)
	}

	// Without a block, no listener (TestExample checks that the example
	// file turns it on).
	if d := Default(); d.Web.Listen != "" || d.Web.AllowedOrigins != nil || d.Web.TrustedProxies != nil {
		t.Errorf("default web = %+v, want off", d.Web)
	}

	// The key pair alone is enough for HTTPS; plaintext on a public address
	// is refused when the operator asked for loopback-only plaintext.
	c, err = Parse([]byte("tls {\n  cert = \"c.pem\"\n  key = \"k.pem\"\n  plaintext_loopback_only = true\n}\nweb {\n  listen = \":8443\"\n}\n"), "/etc/t.hcl")
	if err != nil || c.Web.Listen != ":8443" || c.TLS.Cert != "/etc/c.pem" || c.TLS.Listen != "" {
		t.Errorf("HTTPS without tls.listen: %+v, %v", c, err)
	}
}

func TestWebErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"web {\n}\n",
			"t.hcl:1:1: web.listen: required in a web block (remove the block to serve no web client)"},
		{"web {\n  listen = \"8080\"\n}\n",
			"t.hcl:2:3: web.listen: \"8080\" is not a host:port address"},
		{"tls {\n  plaintext_loopback_only = true\n}\nweb {\n  listen = \"0.0.0.0:8080\"\n}\n",
			"t.hcl:5:3: web.listen: \"0.0.0.0:8080\" is not a loopback address, tls.plaintext_loopback_only is set and there is no tls.cert for HTTPS"},
		{"web {\n  listen = \"127.0.0.1:8080\"\n  allowed_origins = [\"https://ok.example\", \"chat.example.org\", \"ftp://x\", \"https://x/path\", \"https://x:99999\", \"https://u@x\", \"https://x?q\", \"*\"]\n}\n",
			"t.hcl:3:3: web.allowed_origins[1]: \"chat.example.org\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\"\n" +
				"t.hcl:3:3: web.allowed_origins[2]: \"ftp://x\": the scheme must be http or https\n" +
				"t.hcl:3:3: web.allowed_origins[3]: \"https://x/path\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\"\n" +
				"t.hcl:3:3: web.allowed_origins[4]: \"https://x:99999\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\"\n" +
				"t.hcl:3:3: web.allowed_origins[5]: \"https://u@x\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\"\n" +
				"t.hcl:3:3: web.allowed_origins[6]: \"https://x?q\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\"\n" +
				"t.hcl:3:3: web.allowed_origins[7]: \"*\" is not an origin: write scheme://host[:port], like \"https://chat.example.org\""},
		{"web {\n  listen = \"127.0.0.1:8080\"\n  trusted_proxies = [\"10.0.0.1\", \"10.0.0.0/33\", \"proxy.local\", \"fe80::1%eth0\", \"::ffff:10.0.0.0/104\"]\n}\n",
			"t.hcl:3:3: web.trusted_proxies[1]: \"10.0.0.0/33\" is not an address or a CIDR prefix like \"10.0.0.0/8\"\n" +
				"t.hcl:3:3: web.trusted_proxies[2]: \"proxy.local\" is not an address or a CIDR prefix like \"10.0.0.0/8\"\n" +
				"t.hcl:3:3: web.trusted_proxies[3]: \"fe80::1%eth0\" is not an address or a CIDR prefix like \"10.0.0.0/8\"\n" +
				"t.hcl:3:3: web.trusted_proxies[4]: \"::ffff:10.0.0.0/104\": write an IPv4 prefix in IPv4 form"},
		{"tls {\n  cert = \"c.pem\"\n}\n",
			"t.hcl:1:1: tls.key: required with tls.cert"},
		{"web {\n  listen = \"127.0.0.1:8080\"\n  allowed_origins = \"https://x\"\n}\n",
			"t.hcl:3:22: Unsuitable value type; Unsuitable value: list of string required, but have string"},
	} {
		_, err := Parse([]byte(tt.src), "t.hcl")
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q):\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}

func TestCallsErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"calls {\n}\n",
			"t.hcl:1:1: calls.udp: required in a calls block (remove the block to have no calls)"},
		{"calls {\n  udp = \"7779\"\n}\n",
			"t.hcl:2:3: calls.udp: \"7779\" is not a host:port address"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  public_ip = \"chat.example.org\"\n}\n",
			"t.hcl:3:3: calls.public_ip: \"chat.example.org\" is not an IP address (a name would have to be looked up; write the address clients reach)"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  max_participants = 1\n  max_tracks = 4\n  video_kbps = 10\n  renew_after = 3\n}\n",
			"t.hcl:3:3: calls.max_participants: 1 is out of range 2..1000\n" +
				"t.hcl:4:3: calls.max_tracks: 4 is out of range 1..3\n" +
				"t.hcl:5:3: calls.video_kbps: 10 is out of range 50..20000\n" +
				"t.hcl:6:3: calls.renew_after: 3 is out of range 4..100000"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = []\n  }\n}\n",
			"t.hcl:4:5: calls.turn[0].urls: at least one URL, like \"turn:turn.example.org:3478\""},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = [\"http://x\", \"turn:\"]\n  }\n}\n",
			"t.hcl:4:5: calls.turn[0].urls[0]: \"http://x\": the scheme must be turn, turns, stun or stuns\n" +
				"t.hcl:4:5: calls.turn[0].urls[1]: \"turn:\" is not a TURN or STUN URL, like \"turn:turn.example.org:3478\""},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = [\"turn:x\"]\n  }\n}\n",
			"t.hcl:3:3: calls.turn[0]: a turn: URL needs username and credential, or secret"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = [\"turn:x\"]\n    username = \"u\"\n  }\n}\n",
			"t.hcl:3:3: calls.turn[0]: username and credential go together"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = [\"turn:x\"]\n    username = \"u\"\n    credential = \"c\"\n    secret = \"s\"\n  }\n}\n",
			"t.hcl:7:5: calls.turn[0]: give either username and credential or secret, not both"},
		{"calls {\n  udp = \"127.0.0.1:7779\"\n  turn {\n    urls = [\"turn:x\"]\n    secret = \"s\"\n    ttl = \"5s\"\n  }\n}\n",
			"t.hcl:6:5: calls.turn[0].ttl: \"5s\" is less than the minimum, 1m0s"},
	} {
		_, err := Parse([]byte(tt.src), "t.hcl")
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q):\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}
