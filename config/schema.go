package config

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// file is the file's shape as gohcl decodes it. It is kept apart from Config
// because validation needs two things Config has no room for: whether an
// attribute was set at all (hence pointers and cty.Values), and where it was
// written (hence the *Range fields, filled by gohcl's attr_name_range tag).
type file struct {
	Listen       *string   `hcl:"listen"`
	ListenRange  hcl.Range `hcl:"listen,attr_name_range"`
	DataDir      *string   `hcl:"data_dir"`
	DataDirRange hcl.Range `hcl:"data_dir,attr_name_range"`

	Log       *logBlock       `hcl:"log,block"`
	Passwords *passwordsBlock `hcl:"passwords,block"`
	Limits    *limitsBlock    `hcl:"limits,block"`
	Storage   *storageBlock   `hcl:"storage,block"`
	Files     *filesBlock     `hcl:"files,block"`
	TLS       *tlsBlock       `hcl:"tls,block"`
	Web       *webBlock       `hcl:"web,block"`
	Calls     *callsBlock     `hcl:"calls,block"`
	Plugins   []pluginBlock   `hcl:"plugin,block"`
}

type logBlock struct {
	Level       *string   `hcl:"level"`
	LevelRange  hcl.Range `hcl:"level,attr_name_range"`
	Format      *string   `hcl:"format"`
	FormatRange hcl.Range `hcl:"format,attr_name_range"`
}

// Numbers are kept as cty values whatever the Go type they end in, so that a
// negative, fractional or huge value reaches the range check and its clear
// message instead of failing inside gocty's conversion to a Go integer.
type passwordsBlock struct {
	Time               cty.Value `hcl:"time,optional"`
	TimeRange          hcl.Range `hcl:"time,attr_name_range"`
	MemoryKiB          cty.Value `hcl:"memory_kib,optional"`
	MemoryKiBRange     hcl.Range `hcl:"memory_kib,attr_name_range"`
	Threads            cty.Value `hcl:"threads,optional"`
	ThreadsRange       hcl.Range `hcl:"threads,attr_name_range"`
	MaxConcurrent      cty.Value `hcl:"max_concurrent,optional"`
	MaxConcurrentRange hcl.Range `hcl:"max_concurrent,attr_name_range"`
}

type limitsBlock struct {
	SendQueueBytes         cty.Value `hcl:"send_queue_bytes,optional"`
	SendQueueBytesRange    hcl.Range `hcl:"send_queue_bytes,attr_name_range"`
	PendingPerSession      cty.Value `hcl:"pending_per_session,optional"`
	PendingPerSessionRange hcl.Range `hcl:"pending_per_session,attr_name_range"`
	WriteTimeout           *string   `hcl:"write_timeout"`
	WriteTimeoutRange      hcl.Range `hcl:"write_timeout,attr_name_range"`
	LoginTimeout           *string   `hcl:"login_timeout"`
	LoginTimeoutRange      hcl.Range `hcl:"login_timeout,attr_name_range"`

	ConnectionsPerAddress      cty.Value `hcl:"connections_per_address,optional"`
	ConnectionsPerAddressRange hcl.Range `hcl:"connections_per_address,attr_name_range"`
	RegistrationsPerHour       cty.Value `hcl:"registrations_per_hour,optional"`
	RegistrationsPerHourRange  hcl.Range `hcl:"registrations_per_hour,attr_name_range"`
	IdleTimeout                *string   `hcl:"idle_timeout"`
	IdleTimeoutRange           hcl.Range `hcl:"idle_timeout,attr_name_range"`
	PingTimeout                *string   `hcl:"ping_timeout"`
	PingTimeoutRange           hcl.Range `hcl:"ping_timeout,attr_name_range"`
	MessagesPerSecond          cty.Value `hcl:"messages_per_second,optional"`
	MessagesPerSecondRange     hcl.Range `hcl:"messages_per_second,attr_name_range"`
	MessageBurst               cty.Value `hcl:"message_burst,optional"`
	MessageBurstRange          hcl.Range `hcl:"message_burst,attr_name_range"`
	FloodDelay                 *string   `hcl:"flood_delay"`
	FloodDelayRange            hcl.Range `hcl:"flood_delay,attr_name_range"`
	MembersPerChannel          cty.Value `hcl:"members_per_channel,optional"`
	MembersPerChannelRange     hcl.Range `hcl:"members_per_channel,attr_name_range"`
	ServersPerUser             cty.Value `hcl:"servers_per_user,optional"`
	ServersPerUserRange        hcl.Range `hcl:"servers_per_user,attr_name_range"`
	ChannelsPerUser            cty.Value `hcl:"channels_per_user,optional"`
	ChannelsPerUserRange       hcl.Range `hcl:"channels_per_user,attr_name_range"`
	InvitationsSent            cty.Value `hcl:"invitations_sent,optional"`
	InvitationsSentRange       hcl.Range `hcl:"invitations_sent,attr_name_range"`
	InvitationsReceived        cty.Value `hcl:"invitations_received,optional"`
	InvitationsReceivedRange   hcl.Range `hcl:"invitations_received,attr_name_range"`
	PluginDeliveries           cty.Value `hcl:"plugin_deliveries_per_second,optional"`
	PluginDeliveriesRange      hcl.Range `hcl:"plugin_deliveries_per_second,attr_name_range"`
}

type tlsBlock struct {
	Listen                     *string   `hcl:"listen"`
	ListenRange                hcl.Range `hcl:"listen,attr_name_range"`
	Cert                       *string   `hcl:"cert"`
	CertRange                  hcl.Range `hcl:"cert,attr_name_range"`
	Key                        *string   `hcl:"key"`
	KeyRange                   hcl.Range `hcl:"key,attr_name_range"`
	PlaintextLoopbackOnly      *bool     `hcl:"plaintext_loopback_only"`
	PlaintextLoopbackOnlyRange hcl.Range `hcl:"plaintext_loopback_only,attr_name_range"`
	DefRange                   hcl.Range `hcl:",def_range"`
}

type webBlock struct {
	Listen              *string   `hcl:"listen"`
	ListenRange         hcl.Range `hcl:"listen,attr_name_range"`
	AllowedOrigins      []string  `hcl:"allowed_origins,optional"`
	AllowedOriginsRange hcl.Range `hcl:"allowed_origins,attr_name_range"`
	TrustedProxies      []string  `hcl:"trusted_proxies,optional"`
	TrustedProxiesRange hcl.Range `hcl:"trusted_proxies,attr_name_range"`
	DefRange            hcl.Range `hcl:",def_range"`
}

type storageBlock struct {
	Sync      *string   `hcl:"sync"`
	SyncRange hcl.Range `hcl:"sync,attr_name_range"`
}

type filesBlock struct {
	MaxBytes             cty.Value `hcl:"max_bytes,optional"`
	MaxBytesRange        hcl.Range `hcl:"max_bytes,attr_name_range"`
	MaxDownloads         cty.Value `hcl:"max_downloads,optional"`
	MaxDownloadsRange    hcl.Range `hcl:"max_downloads,attr_name_range"`
	UserDownloads        cty.Value `hcl:"downloads_per_user,optional"`
	UserDownloadsRange   hcl.Range `hcl:"downloads_per_user,attr_name_range"`
	QueuedDownloads      cty.Value `hcl:"queued_downloads,optional"`
	QueuedDownloadsRange hcl.Range `hcl:"queued_downloads,attr_name_range"`
}

type pluginBlock struct {
	Name      string    `hcl:"name,label"`
	NameRange hcl.Range `hcl:"name,label_range"`
	DefRange  hcl.Range `hcl:",def_range"`

	Command      string    `hcl:"command"` // required: a plugin is nothing without one
	CommandRange hcl.Range `hcl:"command,attr_name_range"`
	Args         []string  `hcl:"args,optional"`
	SHA256       *string   `hcl:"sha256"`
	SHA256Range  hcl.Range `hcl:"sha256,attr_name_range"`

	Config *pluginConfigBlock `hcl:"config,block"`
}

// pluginConfigBlock keeps the plugin's own settings undecoded: the remain
// tag with an otherwise empty schema hands back the whole body.
type pluginConfigBlock struct {
	Body     hcl.Body  `hcl:",remain"`
	DefRange hcl.Range `hcl:",def_range"`
}

// apply validates f and writes what it sets into c, leaving c's defaults
// wherever f is silent. dir is the folder relative paths are resolved in;
// src is the file's text, from which plugin config blocks are cut.
func (f *file) apply(c *Config, dir string, src []byte) hcl.Diagnostics {
	var ck checker

	if f.Listen != nil {
		if err := checkListen(*f.Listen); err != nil {
			ck.errorf(f.ListenRange, "listen: %v", err)
		} else {
			c.Listen = *f.Listen
		}
	}
	if f.DataDir != nil {
		if *f.DataDir == "" {
			ck.errorf(f.DataDirRange, "data_dir: must not be empty")
		} else {
			c.DataDir = resolve(dir, *f.DataDir)
		}
	}

	if b := f.Log; b != nil {
		oneOf(&ck, &c.Log.Level, b.Level, b.LevelRange, "log.level", "trace", "debug", "info", "warn", "error")
		oneOf(&ck, &c.Log.Format, b.Format, b.FormatRange, "log.format", "text", "json")
	}

	if b := f.Passwords; b != nil {
		intIn(&ck, &c.Passwords.Time, b.Time, b.TimeRange, "passwords.time", 1, 16)
		intIn(&ck, &c.Passwords.MemoryKiB, b.MemoryKiB, b.MemoryKiBRange, "passwords.memory_kib", 64, 4<<20)
		intIn(&ck, &c.Passwords.Threads, b.Threads, b.ThreadsRange, "passwords.threads", 1, 16)
		intIn(&ck, &c.Passwords.MaxConcurrent, b.MaxConcurrent, b.MaxConcurrentRange, "passwords.max_concurrent", 1, 256)
	}

	if b := f.Limits; b != nil {
		intIn(&ck, &c.Limits.SendQueueBytes, b.SendQueueBytes, b.SendQueueBytesRange, "limits.send_queue_bytes", 4096, 1<<30)
		intIn(&ck, &c.Limits.PendingPerSession, b.PendingPerSession, b.PendingPerSessionRange, "limits.pending_per_session", 1, 4096)
		durationAtLeast(&ck, &c.Limits.WriteTimeout, b.WriteTimeout, b.WriteTimeoutRange, "limits.write_timeout", time.Second)
		durationAtLeast(&ck, &c.Limits.LoginTimeout, b.LoginTimeout, b.LoginTimeoutRange, "limits.login_timeout", time.Second)
		intIn(&ck, &c.Limits.ConnectionsPerAddress, b.ConnectionsPerAddress, b.ConnectionsPerAddressRange, "limits.connections_per_address", 1, 100000)
		intIn(&ck, &c.Limits.RegistrationsPerHour, b.RegistrationsPerHour, b.RegistrationsPerHourRange, "limits.registrations_per_hour", 1, 100000)
		durationAtLeast(&ck, &c.Limits.IdleTimeout, b.IdleTimeout, b.IdleTimeoutRange, "limits.idle_timeout", time.Second)
		durationAtLeast(&ck, &c.Limits.PingTimeout, b.PingTimeout, b.PingTimeoutRange, "limits.ping_timeout", time.Second)
		intIn(&ck, &c.Limits.MessagesPerSecond, b.MessagesPerSecond, b.MessagesPerSecondRange, "limits.messages_per_second", 1, 100000)
		intIn(&ck, &c.Limits.MessageBurst, b.MessageBurst, b.MessageBurstRange, "limits.message_burst", 1, 100000)
		durationAtLeast(&ck, &c.Limits.FloodDelay, b.FloodDelay, b.FloodDelayRange, "limits.flood_delay", time.Second)
		intIn(&ck, &c.Limits.MembersPerChannel, b.MembersPerChannel, b.MembersPerChannelRange, "limits.members_per_channel", 2, 10000000)
		intIn(&ck, &c.Limits.ServersPerUser, b.ServersPerUser, b.ServersPerUserRange, "limits.servers_per_user", 1, 100000)
		intIn(&ck, &c.Limits.ChannelsPerUser, b.ChannelsPerUser, b.ChannelsPerUserRange, "limits.channels_per_user", 1, 100000)
		intIn(&ck, &c.Limits.InvitationsSent, b.InvitationsSent, b.InvitationsSentRange, "limits.invitations_sent", 1, 100000)
		intIn(&ck, &c.Limits.InvitationsReceived, b.InvitationsReceived, b.InvitationsReceivedRange, "limits.invitations_received", 1, 100000)
		intIn(&ck, &c.Limits.PluginDeliveries, b.PluginDeliveries, b.PluginDeliveriesRange, "limits.plugin_deliveries_per_second", 1, 10000000)
	}

	if b := f.TLS; b != nil {
		b.apply(&ck, c, dir)
	}

	if b := f.Web; b != nil {
		b.apply(&ck, c)
	}

	if b := f.Calls; b != nil {
		b.apply(&ck, c)
	}

	if b := f.Storage; b != nil {
		oneOf(&ck, &c.Storage.Sync, b.Sync, b.SyncRange, "storage.sync", "full", "normal")
	}

	if b := f.Files; b != nil {
		intIn(&ck, &c.Files.MaxBytes, b.MaxBytes, b.MaxBytesRange, "files.max_bytes", 1, 1<<40)
		intIn(&ck, &c.Files.MaxDownloads, b.MaxDownloads, b.MaxDownloadsRange, "files.max_downloads", 1, 1024)
		intIn(&ck, &c.Files.UserDownloads, b.UserDownloads, b.UserDownloadsRange, "files.downloads_per_user", 1, 1024)
		intIn(&ck, &c.Files.QueuedDownloads, b.QueuedDownloads, b.QueuedDownloadsRange, "files.queued_downloads", 1, 1024)
	}

	text := &source{src: src, filename: c.File}
	first := make(map[string]hcl.Range, len(f.Plugins))
	for _, b := range f.Plugins {
		if b.Name == "" {
			ck.errorf(b.NameRange, "plugin: the name must not be empty")
			continue
		}
		if r, dup := first[b.Name]; dup {
			ck.errorf(b.NameRange, "plugin %s: defined twice, first at %s", quote(b.Name), position(r))
			continue
		}
		first[b.Name] = b.NameRange
		if p, ok := b.apply(&ck, dir, text); ok {
			c.Plugins = append(c.Plugins, p)
		}
	}

	return ck.diags
}

func (b *pluginBlock) apply(ck *checker, dir string, src *source) (Plugin, bool) {
	n := len(ck.diags)
	p := Plugin{Name: b.Name, Range: b.NameRange, CommandRange: b.CommandRange}
	if b.Command == "" {
		ck.errorf(b.CommandRange, "plugin %s: command must not be empty", quote(b.Name))
	} else {
		p.Command = resolve(dir, b.Command)
		// A bare name would be looked up in $PATH by os/exec; the command is
		// a path next to the file, so keep it one.
		if !strings.ContainsRune(p.Command, filepath.Separator) {
			p.Command = "." + string(filepath.Separator) + p.Command
		}
	}
	if len(b.Args) > 0 {
		p.Args = append([]string(nil), b.Args...)
	}
	if b.SHA256 != nil {
		sum, err := hex.DecodeString(*b.SHA256)
		if err != nil || len(sum) != 32 {
			ck.errorf(b.SHA256Range, "plugin %s: sha256 %s is not 64 hexadecimal digits", quote(b.Name), quote(*b.SHA256))
		} else {
			p.SHA256 = hex.EncodeToString(sum)
			p.SHA256Range = b.SHA256Range
		}
	}
	p.ConfigStart = b.DefRange.Start
	if b.Config != nil {
		p.Body = b.Config.Body
		p.ConfigSource, p.ConfigStart = src.inner(b.Config.DefRange)
	} else {
		p.Body = &hclsyntax.Body{
			Attributes: hclsyntax.Attributes{},
			SrcRange:   b.DefRange,
			EndRange:   b.DefRange,
		}
	}
	if p.ConfigSource == nil {
		p.ConfigSource = []byte{}
	}
	return p, len(ck.diags) == n
}

// source is the file's text, lexed once when a plugin config block is to
// be cut from it.
type source struct {
	src      []byte
	filename string
	toks     hclsyntax.Tokens
	lexed    bool
}

// inner cuts the text between the braces of the block whose header ends at
// def, and says where that text starts. The braces are found by lexing
// rather than from the body's range because a one-line block's body range
// is its attribute's, braces excluded.
func (s *source) inner(def hcl.Range) ([]byte, hcl.Pos) {
	if !s.lexed {
		s.lexed = true
		s.toks, _ = hclsyntax.LexConfig(s.src, s.filename, hcl.InitialPos)
	}
	i, _ := slices.BinarySearchFunc(s.toks, def.End.Byte, func(t hclsyntax.Token, b int) int {
		return cmp.Compare(t.Range.Start.Byte, b)
	})
	depth := 0
	var start hcl.Pos
	for _, t := range s.toks[i:] {
		switch t.Type {
		case hclsyntax.TokenOBrace:
			if depth == 0 {
				start = t.Range.End
			}
			depth++
		case hclsyntax.TokenCBrace:
			depth--
			if depth == 0 {
				return append([]byte(nil), s.src[start.Byte:t.Range.Start.Byte]...), start
			}
			if depth < 0 {
				return nil, def.Start
			}
		}
	}
	return nil, def.Start
}

// resolve interprets a path written in the file: relative paths are relative
// to the file's folder, not to wherever salond happens to be started from.
func resolve(dir, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(dir, path)
}

func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s is not a host:port address", quote(addr))
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("the port of %s is not a number from 0 to 65535", quote(addr))
	}
	return nil
}

// apply checks the tls block: a listener needs both files; plaintext
// limited to loopback needs a loopback plaintext address.
func (b *tlsBlock) apply(ck *checker, c *Config, dir string) {
	if b.Listen != nil {
		if err := checkListen(*b.Listen); err != nil {
			ck.errorf(b.ListenRange, "tls.listen: %v", err)
		} else {
			c.TLS.Listen = *b.Listen
		}
	}
	for _, f := range []struct {
		v     *string
		at    hcl.Range
		dst   *string
		n     string
		other *string // the pair's other half
		on    string
	}{{b.Cert, b.CertRange, &c.TLS.Cert, "tls.cert", b.Key, "tls.key"}, {b.Key, b.KeyRange, &c.TLS.Key, "tls.key", b.Cert, "tls.cert"}} {
		switch {
		case f.v == nil && b.Listen != nil:
			ck.errorf(b.DefRange, "%s: required with tls.listen", f.n)
		case f.v == nil && f.other != nil:
			// The web listener serves HTTPS with the pair alone, without
			// tls.listen: half of one is a mistake either way.
			ck.errorf(b.DefRange, "%s: required with %s", f.n, f.on)
		case f.v != nil && *f.v == "":
			ck.errorf(f.at, "%s: must not be empty", f.n)
		case f.v != nil:
			*f.dst = resolve(dir, *f.v)
		}
	}
	if b.PlaintextLoopbackOnly != nil {
		c.TLS.PlaintextLoopbackOnly = *b.PlaintextLoopbackOnly
		if *b.PlaintextLoopbackOnly && !loopback(c.Listen) {
			ck.errorf(b.PlaintextLoopbackOnlyRange, "tls.plaintext_loopback_only: listen = %s is not a loopback address", quote(c.Listen))
		}
	}
}

// loopback reports whether a listen address is on a loopback interface.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checker collects validation errors so that one run reports all of them.
type checker struct {
	diags hcl.Diagnostics
}

func (ck *checker) errorf(at hcl.Range, format string, args ...any) {
	ck.diags = append(ck.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf(format, args...),
		Subject:  at.Ptr(),
	})
}

func oneOf(ck *checker, dst, v *string, at hcl.Range, name string, allowed ...string) {
	if v == nil {
		return
	}
	for _, a := range allowed {
		if *v == a {
			*dst = a
			return
		}
	}
	ck.errorf(at, "%s: %s is not one of %s", name, quote(*v), strings.Join(allowed, ", "))
}

// intIn sets dst to v, a whole number within lo..hi; a null (or absent) v
// leaves dst alone.
func intIn[T ~int | ~int64 | ~uint8 | ~uint32](ck *checker, dst *T, v cty.Value, at hcl.Range, name string, lo, hi int64) {
	if v.IsNull() {
		return
	}
	v, err := convert.Convert(v, cty.Number)
	if err != nil {
		ck.errorf(at, "%s: a number is required", name)
		return
	}
	f := v.AsBigFloat()
	n, acc := f.Int64()
	switch {
	case !f.IsInt():
		ck.errorf(at, "%s: %s is not a whole number", name, describe(f))
	case acc != big.Exact:
		ck.errorf(at, "%s: %s is out of range %d..%d", name, describe(f), lo, hi)
	case n < lo || n > hi:
		ck.errorf(at, "%s: %d is out of range %d..%d", name, n, lo, hi)
	default:
		*dst = T(n)
	}
}

// describe shows a number in a message. Spelling out a big.Float in decimal
// takes time in proportion to its exponent (seconds for 1e9999999), so
// numbers beyond float64's range, which only arithmetic can produce (see
// checkExpressions), are described in words.
func describe(f *big.Float) string {
	x, _ := f.Float64()
	switch {
	case math.IsInf(x, 0):
		return "an enormous number"
	case x == 0 && f.Sign() != 0:
		return "a minuscule fraction"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// checkExpressions rejects what a file of plain values has no use for and
// what would let a few lines of it hang salond at start-up:
//
//   - number literals beyond float64's range: HCL reads any exponent, and
//     printing such a number (as converting it to a string does) takes time in
//     proportion to the exponent, seconds for 1e9999999;
//   - for expressions, in values or in %{for} template directives: nested,
//     they multiply, and eight of them over ten-element lists make 10^8 values.
//
// It covers plugin config blocks too, which plugins evaluate later.
func checkExpressions(body *hclsyntax.Body) hcl.Diagnostics {
	return hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ForExpr:
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "For expressions not allowed",
				Detail:   "This file holds plain values; write the list or the text out in full.",
				Subject:  e.OpenRange.Ptr(),
			}}
		case *hclsyntax.LiteralValueExpr:
			if e.Val.IsNull() || !e.Val.IsKnown() || e.Val.Type() != cty.Number {
				return nil
			}
			f := e.Val.AsBigFloat()
			if x, _ := f.Float64(); !math.IsInf(x, 0) && (x != 0 || f.Sign() == 0) {
				return nil
			}
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Number out of range",
				Detail:   "Numbers in this file must be within the range of a 64-bit float (about 1e-308 to 1e308 in size).",
				Subject:  e.SrcRange.Ptr(),
			}}
		}
		return nil
	})
}

// quote shows a value from the file in a message, shortened: the message is
// there to say what is wrong, not to repeat a value that may be huge.
func quote(s string) string {
	const max = 64
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:max])) + "..."
}

func durationAtLeast(ck *checker, dst *time.Duration, v *string, at hcl.Range, name string, least time.Duration) {
	if v == nil {
		return
	}
	d, err := time.ParseDuration(*v)
	switch {
	case err != nil:
		ck.errorf(at, "%s: %s is not a duration; write it with a unit, like \"30s\" or \"2m\"", name, quote(*v))
	case d < least:
		ck.errorf(at, "%s: %s is less than the minimum, %v", name, quote(*v), least)
	default:
		*dst = d
	}
}
