package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"google.golang.org/grpc"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/wire"
	"github.com/salon-chat/salon/sdk"
	"github.com/salon-chat/salon/sdk/pluginpb"
)

// start launches u's process, serves it the Host API and configures it. The
// plugin is not yet in the table: register does that part.
func (h *Host) start(ctx context.Context, u *unit) (_ *Plugin, err error) {
	h.mu.Lock()
	cfg := u.cfg
	h.mu.Unlock()
	if err := checkCommand(cfg); err != nil {
		return nil, err
	}

	cmd := exec.Command(cfg.Command, cfg.Args...)
	// A process group of its own: Ctrl-C in the operator's terminal reaches
	// salond, which stops its plugins in order, not the plugins directly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cc := &plugin.ClientConfig{
		HandshakeConfig:  sdk.Handshake,
		VersionedPlugins: versionedPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           h.log.Named("plugin." + cfg.Name),
		StartTimeout:     h.opts.StartTimeout,
	}
	if cfg.SHA256 != "" {
		// Checked above already, for a clear message; go-plugin checks it
		// again just before it starts the process.
		sum, _ := hex.DecodeString(cfg.SHA256)
		cc.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	client := plugin.NewClient(cc)
	p := &Plugin{
		name:    cfg.Name,
		u:       u,
		h:       h,
		log:     u.log,
		client:  client,
		cmd:     cmd,
		hung:    make(chan struct{}),
		events:  make(chan Event, h.opts.EventQueue),
		quit:    make(chan struct{}),
		drained: make(chan struct{}),
	}
	rpcc, err := client.Client()
	if err != nil {
		// go-plugin has killed the process already. Its error goes on with
		// generic advice on lines of its own: the first line says it.
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return nil, newError(cfg, cfg.Range, "starting %s: handshake failed (is it a Salon plugin for protocol version %d to %d?): %s", cfg.Command, minProtocol, sdk.ProtocolVersion, msg)
	}
	p.version = client.NegotiatedVersion()
	u.log.Debug("plugin protocol negotiated", "version", p.version)
	// A plugin that answers is stopped gracefully if it fails to
	// configure; one that does not answer is killed.
	answered := false
	defer func() {
		if err != nil {
			close(p.drained) // the event loop never started
			p.shutdown(!answered)
		}
	}()
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	raw, err := rpcc.Dispense(sdk.PluginName)
	if err != nil {
		return nil, newError(cfg, cfg.Range, "starting %s: %v", cfg.Command, err)
	}
	c := raw.(*pluginConn)
	p.conn, p.rpc, p.exited = c.conn, pluginpb.NewPluginClient(c.conn), c.exited

	p.host = &hostServer{name: cfg.Name, version: p.version, api: h.api, inFlight: u.inFlight, maxInFlight: h.opts.HostCallsInFlight, timeout: h.opts.CallTimeout, log: u.log}
	id := c.broker.NextId()
	go c.broker.AcceptAndServe(id, func(opts []grpc.ServerOption) *grpc.Server {
		opts = append(opts, grpc.MaxRecvMsgSize(maxMessage), grpc.ChainUnaryInterceptor(recoverCalls(u.log)))
		s := grpc.NewServer(opts...)
		pluginpb.RegisterHostServer(s, p.host)
		return s
	})

	filename, body, pos := configSource(cfg)
	cctx, cancel := context.WithTimeout(ctx, h.opts.CallTimeout)
	resp, err := p.rpc.Configure(cctx, &pluginpb.ConfigureRequest{
		Filename:     filename,
		Body:         body,
		Line:         int64(pos.Line),
		Column:       int64(pos.Column),
		ByteOffset:   int64(pos.Byte),
		HostBrokerId: id,
		Name:         cfg.Name,
	}, grpc.MaxCallRecvMsgSize(maxMessage))
	cancel()
	if err != nil {
		return nil, newError(cfg, cfg.Range, "configure: %v", err)
	}
	answered = true
	if resp.GetError() != "" {
		return nil, configErrors(cfg, resp.GetError())
	}
	m, problems := manifestOf(resp)
	for _, w := range m.ignored {
		u.log.Warn("plugin asked for an unknown event kind; ignored", "kind", w)
	}
	if len(problems) > 0 {
		errs := make([]error, len(problems))
		for i, pr := range problems {
			errs[i] = newError(cfg, cfg.Range, "%s", pr)
		}
		return nil, errors.Join(errs...)
	}
	p.man = m
	go p.deliver()
	return p, nil
}

// register claims what p serves, registers its bots with the API and lets
// its Host calls act for them. The caller publishes.
func (h *Host) register(ctx context.Context, u *unit, p *Plugin) error {
	h.mu.Lock()
	cfg := u.cfg
	if c := h.conflicts(u, p.man); len(c) > 0 {
		h.mu.Unlock()
		errs := make([]error, len(c))
		for i, s := range c {
			errs[i] = newError(cfg, cfg.Range, "%s", s)
		}
		return errors.Join(errs...)
	}
	u.claims = p.man
	h.mu.Unlock()

	release := func() {
		h.mu.Lock()
		if u.claims == p.man {
			u.claims = nil
		}
		h.mu.Unlock()
	}
	p.bots = map[string]int64{}
	if len(p.man.bots) > 0 {
		cctx, cancel := context.WithTimeout(ctx, h.opts.CallTimeout)
		tags, err := h.api.RegisterBots(cctx, cfg.Name, slices.Clone(p.man.bots))
		cancel()
		if err != nil {
			release()
			return newError(cfg, cfg.Range, "bots: %v", err)
		}
		for _, b := range p.man.bots {
			tag, ok := tags[b]
			if !ok || tag <= 0 {
				release()
				return newError(cfg, cfg.Range, "bot %q: no account was registered", b)
			}
			p.bots[b] = tag
		}
	}
	p.host.allow(p.man)
	return nil
}

// checkCommand verifies the command exists and, when the configuration
// gives one, its checksum: go-plugin would refuse a mismatch too, but
// without saying which file or what it found.
func checkCommand(cfg config.Plugin) error {
	at := cfg.CommandRange
	if at.Filename == "" {
		at = cfg.Range
	}
	f, err := os.Open(cfg.Command)
	if errors.Is(err, fs.ErrNotExist) {
		return newError(cfg, at, "command %s not found", cfg.Command)
	} else if err != nil {
		return newError(cfg, at, "command: %v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return newError(cfg, at, "command: %v", err)
	} else if !fi.Mode().IsRegular() {
		return newError(cfg, at, "command %s is not a regular file", cfg.Command)
	}
	if cfg.SHA256 == "" {
		return nil
	}
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return newError(cfg, at, "command: %v", err)
	}
	if got := hex.EncodeToString(hash.Sum(nil)); got != strings.ToLower(cfg.SHA256) {
		if cfg.SHA256Range.Filename != "" {
			at = cfg.SHA256Range
		}
		return newError(cfg, at, "checksum mismatch: %s has sha256 %s, the configuration expects %s", cfg.Command, got, cfg.SHA256)
	}
	return nil
}

// minProtocol is the oldest plugin protocol version salond still serves.
// Version 1 is what plugins built before REPLY, EDIT, Kick and Ban speak;
// they keep running, served as they were (see plugin.proto).
const minProtocol = 1

// versionedPlugins offers go-plugin's handshake every protocol version
// from minProtocol to sdk.ProtocolVersion: the plugin picks the newest it
// knows, and Client.NegotiatedVersion tells which. Both versions use the
// same gRPC services, so one grpcPlugin dispenses either; what differs is
// what the host sends and accepts, which the Plugin and its hostServer
// decide from the version.
func versionedPlugins() map[int]plugin.PluginSet {
	vs := make(map[int]plugin.PluginSet)
	for v := minProtocol; v <= sdk.ProtocolVersion; v++ {
		vs[v] = plugin.PluginSet{sdk.PluginName: grpcPlugin{}}
	}
	return vs
}

// grpcPlugin is the host side of go-plugin's plugin interface.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (grpcPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("pluginhost: the host does not serve plugins")
}

// GRPCClient hands back the connection and broker; ctx is go-plugin's,
// canceled when the process exits.
func (grpcPlugin) GRPCClient(ctx context.Context, broker *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &pluginConn{conn: conn, broker: broker, exited: ctx.Done()}, nil
}

type pluginConn struct {
	conn   *grpc.ClientConn
	broker *plugin.GRPCBroker
	exited <-chan struct{}
}

// manifest is what a plugin serves, validated.
type manifest struct {
	games, verbs []string
	hookChannel  bool
	hookDirect   bool
	events       []string
	bots         []string
	botKeys      []string // wire.FoldPseudo of bots: pseudos compare regardless of case
	ignored      []string // unknown event kinds asked for
}

// eventKinds are the event kinds of plugin.proto.
var eventKinds = []string{"online", "offline", "joined", "left", "message", "invited"}

// coreVerbs are the verbs of the protocol, both ways: no plugin may claim
// them.
var coreVerbs = []string{
	"ADD", "BYE", "DEL", "ENDFILE", "ERR", "EXT", "FILE", "FILESENT", "GET", "GRP",
	"IAM", "INV", "JEU", "JOIN", "LINE", "MSG", "NEW", "NEWFILE", "OK", "PING",
	"PONG", "PSD", "PSW", "RENAME", "SENT", "TAG", "WHO",
	// Part two (PROTOCOL.md sections 14 to 20).
	"AWAY", "BAN", "BANS", "CALL", "CAP", "CHAN", "CLOSE", "DELETE", "EDIT", "FIND",
	"HIST", "KEY", "KICK", "LIST", "MOD", "OPEN", "OWNER", "REACT", "READ", "REPLY",
	"RTC", "TOPIC", "TYPING", "UNBAN", "UNMOD", "UNREACT", "UNREAD",
}

// maxClaims bounds each list of a manifest.
const maxClaims = 256

var verbPattern = regexp.MustCompile(`^[A-Z]{1,32}$`)

func manifestOf(r *pluginpb.ConfigureResponse) (*manifest, []string) {
	m := &manifest{hookChannel: r.GetHookChannelMessages(), hookDirect: r.GetHookDirectMessages()}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(r.GetGames()) > maxClaims || len(r.GetVerbs()) > maxClaims || len(r.GetBots()) > maxClaims || len(r.GetEvents()) > maxClaims {
		bad("the plugin claims more than %d games, verbs, bots or events", maxClaims)
		return m, problems
	}
	for _, g := range r.GetGames() {
		switch {
		case !wire.ValidName(g):
			bad("game id %s: 1 to 32 printable bytes without spaces", strconv.Quote(g))
		case !slices.Contains(m.games, g):
			m.games = append(m.games, g)
		}
	}
	for _, v := range r.GetVerbs() {
		switch {
		case !verbPattern.MatchString(v):
			bad("verb %s: 1 to 32 upper-case letters A to Z", strconv.Quote(v))
		case slices.Contains(coreVerbs, v):
			bad("verb %s belongs to the protocol", v)
		case !slices.Contains(m.verbs, v):
			m.verbs = append(m.verbs, v)
		}
	}
	for _, e := range r.GetEvents() {
		switch {
		case !slices.Contains(eventKinds, e):
			m.ignored = append(m.ignored, e)
		case !slices.Contains(m.events, e):
			m.events = append(m.events, e)
		}
	}
	for _, b := range r.GetBots() {
		switch k := wire.FoldPseudo(b); {
		case !wire.ValidName(b):
			bad("bot pseudo %s: 1 to 32 printable bytes without spaces", strconv.Quote(b))
		case !slices.Contains(m.botKeys, k):
			m.bots = append(m.bots, b)
			m.botKeys = append(m.botKeys, k)
		}
	}
	return m, problems
}

// configText is the source of p's config block body.
func configText(p config.Plugin) []byte {
	_, b, _ := configSource(p)
	return b
}

// configSource gives the text of p's config block body, without its braces,
// and where it starts. config.Parse records both; for a config.Plugin made
// some other way, they are read back from the file the body's range names.
func configSource(p config.Plugin) (filename string, body []byte, start hcl.Pos) {
	filename = p.Range.Filename
	if p.ConfigStart.Line > 0 {
		return filename, p.ConfigSource, p.ConfigStart
	}
	b, ok := p.Body.(*hclsyntax.Body)
	if !ok {
		return filename, nil, hcl.Pos{}
	}
	r := b.SrcRange
	if filename == "" {
		filename = r.Filename
	}
	if len(b.Attributes) == 0 && len(b.Blocks) == 0 {
		return filename, []byte{}, r.Start // no config block, or an empty one
	}
	src, err := os.ReadFile(r.Filename)
	if err != nil || r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte >= r.End.Byte {
		return filename, nil, hcl.Pos{}
	}
	if src[r.Start.Byte] == '{' && src[r.End.Byte-1] == '}' {
		// A multi-line block: its range holds the braces.
		return filename, src[r.Start.Byte+1 : r.End.Byte-1], hcl.Pos{Line: r.Start.Line, Column: r.Start.Column + 1, Byte: r.Start.Byte + 1}
	}
	return filename, src[r.Start.Byte:r.End.Byte], r.Start // a one-line block: its range is its attribute's
}

// startError is one problem with a plugin, at a place in the configuration.
type startError struct {
	at   string // "file:line:col", or "" if unknown
	name string
	msg  string
}

func (e *startError) Error() string {
	s := "plugin " + strconv.Quote(e.name) + ": " + e.msg
	if e.at != "" {
		s = e.at + ": " + s
	}
	return s
}

func newError(p config.Plugin, at hcl.Range, format string, args ...any) error {
	if at.Filename == "" {
		at = p.Range
	}
	if at.Filename == "" && p.Body != nil {
		at = p.Body.MissingItemRange()
	}
	return &startError{at: where(at), name: p.Name, msg: oneLine(fmt.Sprintf(format, args...))}
}

func where(r hcl.Range) string {
	if r.Filename == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// A plugin's report on its configuration is cut to this many lines of this
// many bytes: it ends up in logs and in front of an operator.
const (
	maxReportLines = 50
	maxReportLine  = 1000
)

var positioned = regexp.MustCompile(`^(.+?):(\d+):(\d+): (.*)$`)

// configErrors turns the plugin's own report on its configuration, lines of
// "file:line:col: message", into the host's errors.
func configErrors(p config.Plugin, report string) error {
	var errs []error
	for line := range strings.Lines(report) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(errs) == maxReportLines {
			errs = append(errs, newError(p, p.Range, "more configuration errors left out"))
			break
		}
		if len(line) > maxReportLine {
			line = strings.ToValidUTF8(line[:maxReportLine], "") + "..."
		}
		if m := positioned.FindStringSubmatch(line); m != nil {
			errs = append(errs, &startError{at: m[1] + ":" + m[2] + ":" + m[3], name: p.Name, msg: oneLine(m[4])})
			continue
		}
		errs = append(errs, newError(p, p.Range, "%s", line))
	}
	if len(errs) == 0 {
		return newError(p, p.Range, "configuration refused")
	}
	return errors.Join(errs...)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
