package server_test

// End-to-end tests of plugins (PROTOCOL.md section 12, docs/plugins.md),
// over TCP against a real salond with real plugin processes: JEU and
// claimed verbs routed to plugins and their answers routed back, message
// hooks (masking, rejecting, rewriting, chained, timing out, keeping the
// sender's order), bots, the key/value store and the wallet (and their
// survival across a restart), plugins that crash, hang, flood or send
// garbage, plugins refused at start-up, and reloading the configuration.
//
// The plugins are the bundled plugins/dice and plugins/wordfilter, and the
// test plugins of testdata/plugins, each documented in its main.go: echo (a
// game that also misbehaves on demand), bank (KV and wallet), hooker (a
// configurable hook) and parrot (a bot with a hook of its own); warden and
// oldsdk serve plugins_v2_test.go.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server/servertest"
)

// plBuild holds the plugin binaries, built once per test process into the
// folder of servertest's salond binary, which TestMain removes.
var plBuild struct {
	once sync.Once
	dir  string
	err  error
}

// plBin returns the path of a plugin binary: a test plugin of
// testdata/plugins or a bundled plugin of ../../plugins.
func plBin(t *testing.T, name string) string {
	t.Helper()
	salond := servertest.Binary(t) // outside the Once: it may t.Fatal
	plBuild.once.Do(func() {
		dir := filepath.Join(filepath.Dir(salond), "plugins")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			plBuild.err = err
			return
		}
		args := []string{"build", "-o", dir + string(filepath.Separator)}
		for _, p := range []string{"echo", "bank", "hooker", "parrot", "warden", "oldsdk"} {
			args = append(args, "./testdata/plugins/"+p)
		}
		args = append(args, "../../plugins/dice", "../../plugins/wordfilter")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			plBuild.err = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		plBuild.dir = dir
	})
	if plBuild.err != nil {
		t.Fatal(plBuild.err)
	}
	return filepath.Join(plBuild.dir, name)
}

// plBlock is a plugin block running command; body is the text of its
// config block ("" for none), extra one more attribute of the plugin block.
func plBlock(name, command, body, extra string) string {
	s := fmt.Sprintf("plugin %q {\n  command = %q\n", name, command)
	if extra != "" {
		s += "  " + extra + "\n"
	}
	if body != "" {
		s += "  config {\n    " + strings.ReplaceAll(body, "\n", "\n    ") + "\n  }\n"
	}
	return s + "}\n"
}

// plStart starts an in-process server with the plugin blocks given, parsed
// from a salon.hcl in a folder of its own, and waits until the plugins run.
func plStart(t *testing.T, blocks ...string) *servertest.Instance {
	t.Helper()
	return plStartTuned(t, nil, blocks...)
}

// plStartTuned is plStart with tune applied to the configuration first.
func plStartTuned(t *testing.T, tune func(*config.Config), blocks ...string) *servertest.Instance {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "salon.hcl")
	src := strings.Join(blocks, "\n")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	parsed, err := config.Parse([]byte(src), file)
	if err != nil {
		t.Fatal(err)
	}
	cfg := servertest.Config(filepath.Join(dir, "data"))
	cfg.Plugins = parsed.Plugins
	if tune != nil {
		tune(cfg)
	}
	in := servertest.Start(t, cfg)
	for _, st := range in.Server.PluginStatus() {
		if st.State != "running" {
			t.Fatalf("plugin %s is %s: %s", st.Name, st.State, st.LastError)
		}
	}
	return in
}

// plUser is a logged-in client with its tag.
type plUser struct {
	*servertest.Client
	tag  int64
	name string
}

func plRegister(t *testing.T, addr, name string) *plUser {
	t.Helper()
	c, tag := servertest.Register(t, addr, name)
	return &plUser{Client: c, tag: tag, name: name}
}

func plLogin(t *testing.T, addr, name string, tag int64) *plUser {
	t.Helper()
	c, burst := servertest.Login(t, addr, name)
	if burst[0] != fmt.Sprintf("TAG 0 %d", tag) {
		t.Fatalf("%s: login burst starts with %q, want TAG 0 %d", name, burst[0], tag)
	}
	return &plUser{Client: c, tag: tag, name: name}
}

// plClub registers the users; the first creates the server "club" (tag 1,
// the first server of a fresh instance) and the others join its general
// channel. Every client is drained.
func plClub(t *testing.T, addr string, names ...string) []*plUser {
	t.Helper()
	var us []*plUser
	for _, n := range names {
		us = append(us, plRegister(t, addr, n))
	}
	owner := us[0]
	owner.Send("NEW SERV club")
	owner.Expect("TAG 1 0 club", fmt.Sprintf("GRP 1 0 club general 0 %d", owner.tag))
	for _, u := range us[1:] {
		do(t, owner.Client, fmt.Sprintf("INV 0 %d 1 0", u.tag))
		do(t, u.Client, "JOIN 1 0")
	}
	plSettle(us...)
	return us
}

// plSettle drains every client.
func plSettle(us ...*plUser) {
	for _, u := range us {
		u.Sync()
	}
}

// plQuiet checks that the clients received nothing more.
func plQuiet(us ...*plUser) {
	for _, u := range us {
		u.ExpectQuiet()
	}
}

// plMsg is the MSG line a message from user from to addr ("S C" or "0 U")
// is delivered as.
func plMsg(from int64, addr, text string) string {
	return fmt.Sprintf("MSG 0 %d %s %s", from, addr, text)
}

// plGame sends `JEU game payload` and returns the next line, its answer
// when nothing else is on its way. (A PING sent after a JEU is answered
// after the game's answer.)
func plGame(t *testing.T, u *plUser, game, payload string) string {
	t.Helper()
	u.Send("JEU " + game + " " + payload)
	return u.Next()
}

// plAsk sends `JEU game payload` and checks the answer's payload.
func plAsk(t *testing.T, u *plUser, game, payload, want string) {
	t.Helper()
	if got := plGame(t, u, game, payload); got != "JEU "+game+" "+want {
		t.Fatalf("%s: JEU %s %s answered %q, want %q", u.name, game, payload, got, "JEU "+game+" "+want)
	}
}

// plPoll asks `JEU game payload` until the game answers (ERR JEU lines,
// while the plugin is down or starting, are retried) and returns its answer
// and every other line received meanwhile.
func plPoll(t *testing.T, u *plUser, game, payload string) (string, []string) {
	t.Helper()
	var other []string
	for deadline := time.Now().Add(servertest.Timeout); ; time.Sleep(50 * time.Millisecond) {
		u.Send("JEU " + game + " " + payload)
		for {
			l := u.Next()
			if strings.HasPrefix(l, "JEU "+game+" ") {
				return l, other
			}
			if strings.HasPrefix(l, "ERR JEU ") {
				other = append(other, l)
				break
			}
			other = append(other, l)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: JEU %s never answered; got %q", u.name, game, other)
		}
	}
}

// plHistory returns the texts of a conversation's history, "tag: text"
// each, as GET sends it.
func plHistory(t *testing.T, u *plUser, addr string) []string {
	t.Helper()
	_, entries := flHistory(t, u.Client, addr)
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%d: %s", e.Author, e.Text))
	}
	return out
}

// TestPluginGameRouting: JEU reaches the plugin with the sender's tag and
// pseudo and the payload as typed; the plugin answers the sender alone or
// every member of a conversation; unknown games and verbs are refused;
// dice's ROLL answers the roller alone; nothing reaches a plugin before
// login.
func TestPluginGameRouting(t *testing.T) {
	t.Parallel()
	in := plStart(t,
		plBlock("echo", plBin(t, "echo"), "", ""),
		plBlock("dice", plBin(t, "dice"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]
	carol := plRegister(t, in.Addr, "carol") // not in club

	anon := servertest.Dial(t, in.Addr)
	anon.Send("JEU echo whoami", "ROLL 2d6", "FROB x")
	anon.Expect("ERR JEU not logged in", "ERR ROLL not logged in", "ERR FROB not logged in")
	anon.ExpectQuiet()

	plAsk(t, alice, "echo", "whoami", fmt.Sprintf("you are %d alice online=true bot=false", alice.tag))
	plAsk(t, bob, "echo", "whoami", fmt.Sprintf("you are %d bob online=true bot=false", bob.tag))
	alice.Send("JEU echo")
	alice.Expect("JEU echo empty")
	// The payload is free text, passed on byte for byte.
	plAsk(t, alice, "echo", "say  two  spaces,\ta tab, ✓ and é", "said  two  spaces,\ta tab, ✓ and é")
	plQuiet(alice, bob, carol)

	// SendGameTo a channel: every member, nobody else.
	alice.Send("JEU echo all 1 0 hello club")
	alice.Expect("JEU echo alice says hello club")
	bob.Expect("JEU echo alice says hello club")
	plQuiet(alice, bob, carol)
	// To a direct conversation: its peer.
	alice.Send(fmt.Sprintf("JEU echo all 0 %d psst", carol.tag))
	carol.Expect("JEU echo alice says psst")
	plQuiet(alice, bob, carol)

	// Many calls at once, from two users: each gets every answer of its own.
	var a, b []string
	for i := range 20 {
		a = append(a, fmt.Sprintf("JEU echo ping a%d", i))
		b = append(b, fmt.Sprintf("JEU echo ping b%d", i))
	}
	alice.Send(a...)
	bob.Send(b...)
	for _, c := range []struct {
		u    *plUser
		sent []string
	}{{alice, a}, {bob, b}} {
		var got, want []string
		for _, l := range c.sent {
			want = append(want, strings.Replace(l, " ping ", " pong ", 1))
			got = append(got, c.u.Next())
		}
		slices.Sort(got)
		slices.Sort(want)
		sameLines(t, c.u.name+" pongs", got, want)
	}
	plQuiet(alice, bob, carol)

	alice.Send("JEU nosuch x", "JEU nosuch", "FROB x", "roll 2d6")
	alice.Expect("ERR JEU unknown game", "ERR JEU unknown game", "ERR FROB unknown command", "ERR roll unknown command")

	// ROLL, dice's verb, answers the roller alone.
	for range 5 {
		alice.Send("ROLL 2d6")
		plCheckRoll(t, strings.TrimPrefix(alice.ExpectPrefix("ROLL 2d6 "), "ROLL 2d6 "), 6, 6)
	}
	alice.Send("ROLL 1d1+2")
	alice.Expect("ROLL 1d1+2 1 + 2 = 3")
	bob.Send("ROLL 3d1")
	bob.Expect("ROLL 3d1 1 + 1 + 1 = 3")
	bob.Send("ROLL 3d4-2+d2")
	plCheckRoll(t, strings.TrimPrefix(bob.ExpectPrefix("ROLL 3d4-2+d2 "), "ROLL 3d4-2+d2 "), 4, 4, 4, -2, 2)
	bob.Send("ROLL d20")
	plCheckRoll(t, strings.TrimPrefix(bob.ExpectPrefix("ROLL d20 "), "ROLL d20 "), 20)
	alice.Send("ROLL two dice")
	alice.Expect(`ERR ROLL "two " is not a number`)
	plQuiet(alice, bob, carol)
}

// TestPluginWordfilter: the bundled wordfilter masks or rejects channel and
// direct messages before they are stored.
func TestPluginWordfilter(t *testing.T) {
	t.Parallel()
	t.Run("mask", func(t *testing.T) {
		t.Parallel()
		in := plStart(t, plBlock("wordfilter", plBin(t, "wordfilter"), `words = ["frack", "gorram"]`, ""))
		us := plClub(t, in.Addr, "alice", "bob")
		alice, bob := us[0], us[1]
		direct := fmt.Sprintf("0 %d", bob.tag)

		alice.Send("MSG 1 0 what the frack")
		for _, u := range us {
			u.Expect(plMsg(alice.tag, "1 0", "what the *****"))
		}
		bob.Send("MSG 1 0 Gorram FRACK, fracking frack-it")
		for _, u := range us {
			u.Expect(plMsg(bob.tag, "1 0", "****** *****, fracking *****-it"))
		}
		alice.Send("MSG " + direct + " frack off")
		for _, u := range us {
			u.Expect(plMsg(alice.tag, direct, "***** off"))
		}
		alice.Send("MSG 1 0 clean words")
		for _, u := range us {
			u.Expect(plMsg(alice.tag, "1 0", "clean words"))
		}
		// Refused before any hook: not a member.
		alice.Send("MSG 7 0 frack")
		alice.ExpectPrefix("ERR MSG ")
		plQuiet(alice, bob)

		sameLines(t, "club history", plHistory(t, bob, "1 0"), []string{
			fmt.Sprintf("%d: what the *****", alice.tag),
			fmt.Sprintf("%d: ****** *****, fracking *****-it", bob.tag),
			fmt.Sprintf("%d: clean words", alice.tag),
		})
		sameLines(t, "direct history", plHistory(t, alice, direct), []string{
			fmt.Sprintf("%d: ***** off", alice.tag),
		})
	})

	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		in := plStart(t, plBlock("wordfilter", plBin(t, "wordfilter"), "words = [\"frack\"]\nmode = \"reject\"", ""))
		us := plClub(t, in.Addr, "alice", "bob")
		alice, bob := us[0], us[1]
		direct := fmt.Sprintf("0 %d", bob.tag)
		const why = "ERR MSG your message contains a word that is not allowed here"

		alice.Send("MSG 1 0 what the frack", "MSG "+direct+" frack off", "MSG 1 0 fine")
		alice.Expect(why, why, plMsg(alice.tag, "1 0", "fine"))
		bob.Expect(plMsg(alice.tag, "1 0", "fine"))
		plQuiet(alice, bob)
		sameLines(t, "club history", plHistory(t, bob, "1 0"), []string{fmt.Sprintf("%d: fine", alice.tag)})
		sameLines(t, "direct history", plHistory(t, alice, direct), nil)
	})
}

// TestPluginHookChain: hooks run in configuration order, each seeing the
// text the previous one left; a slow hook keeps the sender's commands in
// order (a PING, a JEU, a BYE after a hooked message are answered after its
// echo); direct messages go only to hooks that asked for them.
func TestPluginHookChain(t *testing.T) {
	t.Parallel()
	in := plStart(t,
		plBlock("first", plBin(t, "hooker"), "from = \"cat\"\nto = \"dog\"\nappend = \" [1]\"\ndelay = \"20ms\"", ""),
		plBlock("second", plBin(t, "hooker"), "from = \"dog\"\nto = \"wolf\"\nappend = \" [2]\"\ndirect = true\nreject = \"veto\"", ""),
		plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]
	direct := fmt.Sprintf("0 %d", bob.tag)
	var history []string
	said := func(from *plUser, text string) {
		history = append(history, fmt.Sprintf("%d: %s", from.tag, text))
	}

	// "second" saw "first"'s dog, not alice's cat.
	alice.Send("MSG 1 0 a cat")
	for _, u := range us {
		u.Expect(plMsg(alice.tag, "1 0", "a wolf [1] [2]"))
	}
	said(alice, "a wolf [1] [2]")

	// Pipelined: each answer after the echo of the message before it,
	// although the hooks take their time and PING needs none.
	alice.SendRaw("MSG 1 0 one cat\r\nPING p1\r\nMSG 1 0 two\r\nPING p2\r\nMSG 1 0 veto\r\nPING p3\r\n")
	alice.Expect(
		plMsg(alice.tag, "1 0", "one wolf [1] [2]"), "PONG p1",
		plMsg(alice.tag, "1 0", "two [1] [2]"), "PONG p2",
		"ERR MSG hooker rejects veto", "PONG p3")
	bob.Expect(plMsg(alice.tag, "1 0", "one wolf [1] [2]"), plMsg(alice.tag, "1 0", "two [1] [2]"))
	said(alice, "one wolf [1] [2]")
	said(alice, "two [1] [2]")

	// A JEU after a hooked message reaches the game after the message is
	// stored, so its answer comes after the echo.
	alice.SendRaw("MSG 1 0 three\r\nJEU echo ping after-three\r\n")
	alice.Expect(plMsg(alice.tag, "1 0", "three [1] [2]"), "JEU echo pong after-three")
	bob.Expect(plMsg(alice.tag, "1 0", "three [1] [2]"))
	said(alice, "three [1] [2]")

	// A burst of hooked messages from two users: each user's in the order
	// sent, every member seeing the same order.
	var burstA, burstB []string
	for i := range 15 {
		burstA = append(burstA, fmt.Sprintf("MSG 1 0 a%d cat", i))
		burstB = append(burstB, fmt.Sprintf("MSG 1 0 b%d", i))
	}
	alice.Send(burstA...)
	bob.Send(burstB...)
	var seen [2][]string
	for k, u := range us {
		for range 30 {
			seen[k] = append(seen[k], u.Next())
		}
	}
	sameLines(t, "what bob saw of the burst", seen[1], seen[0])
	var gotA, gotB, wantA, wantB []string
	for i := range 15 {
		wantA = append(wantA, plMsg(alice.tag, "1 0", fmt.Sprintf("a%d wolf [1] [2]", i)))
		wantB = append(wantB, plMsg(bob.tag, "1 0", fmt.Sprintf("b%d [1] [2]", i)))
	}
	for _, l := range seen[0] {
		if text, ok := strings.CutPrefix(l, plMsg(alice.tag, "1 0", "")); ok {
			gotA = append(gotA, l)
			said(alice, text)
		} else if text, ok := strings.CutPrefix(l, plMsg(bob.tag, "1 0", "")); ok {
			gotB = append(gotB, l)
			said(bob, text)
		} else {
			t.Fatalf("alice got %q in the burst", l)
		}
	}
	sameLines(t, "alice's burst", gotA, wantA)
	sameLines(t, "bob's burst", gotB, wantB)

	// Only "second" hooks direct messages.
	alice.Send("MSG " + direct + " my dog and cat")
	for _, u := range us {
		u.Expect(plMsg(alice.tag, direct, "my wolf and cat [2]"))
	}
	plQuiet(alice, bob)

	// Logging out right behind a hooked message: the message first.
	again := plLogin(t, in.Addr, "alice", alice.tag)
	again.SendRaw("MSG 1 0 last cat\r\nBYE\r\n")
	again.Expect(plMsg(alice.tag, "1 0", "last wolf [1] [2]"), "BYE")
	if rest := again.ExpectClosed(); len(rest) > 0 {
		t.Errorf("lines after BYE: %q", rest)
	}
	for _, u := range us {
		u.Expect(plMsg(alice.tag, "1 0", "last wolf [1] [2]"))
	}
	said(alice, "last wolf [1] [2]")
	plQuiet(alice, bob)
	sameLines(t, "club history", plHistory(t, alice, "1 0"), history)
}

// TestPluginHookTimeout: a hook that does not answer within the host's
// HookTimeout (250ms) lets the message through as it was; the hooks after
// it still run, the sender's order holds, and the plugin is not restarted
// for it.
func TestPluginHookTimeout(t *testing.T) {
	t.Parallel()
	in := plStart(t,
		plBlock("slow", plBin(t, "hooker"), "append = \" [slow]\"\ndelay = \"3s\"\ndirect = true", ""),
		plBlock("fast", plBin(t, "hooker"), `append = " [fast]"`, ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]
	direct := fmt.Sprintf("0 %d", bob.tag)

	alice.SendRaw("MSG 1 0 hello\r\nPING after\r\n")
	alice.Expect(plMsg(alice.tag, "1 0", "hello [fast]"), "PONG after")
	bob.Expect(plMsg(alice.tag, "1 0", "hello [fast]"))
	// Only "slow" hooks direct messages: this one goes through untouched.
	alice.SendRaw("MSG " + direct + " psst\r\nPING after\r\n")
	alice.Expect(plMsg(alice.tag, direct, "psst"), "PONG after")
	bob.Expect(plMsg(alice.tag, direct, "psst"))
	plQuiet(alice, bob)
	sameLines(t, "club history", plHistory(t, bob, "1 0"), []string{fmt.Sprintf("%d: hello [fast]", alice.tag)})
	sameLines(t, "direct history", plHistory(t, bob, fmt.Sprintf("0 %d", alice.tag)), []string{fmt.Sprintf("%d: psst", alice.tag)})
	for _, st := range in.Server.PluginStatus() {
		if st.State != "running" || st.Restarts != 0 {
			t.Errorf("%s is %s after %d restarts, want running, never restarted", st.Name, st.State, st.Restarts)
		}
	}
}

// TestPluginDiceBot: the dice bot is online while its plugin runs, joins a
// channel as soon as it is invited, answers !roll there and in direct
// messages; nobody can log in as it, take its pseudo or befriend it.
func TestPluginDiceBot(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("dice", plBin(t, "dice"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]

	alice.Send("WHO dice")
	var d int64
	l := alice.Next()
	if _, err := fmt.Sscanf(l, "ADD ON 0 %d dice", &d); err != nil || l != fmt.Sprintf("ADD ON 0 %d dice", d) {
		t.Fatalf("WHO dice answered %q, want ADD ON 0 <tag> dice", l)
	}
	bot := fmt.Sprintf("0 %d", d)

	// Invited to a channel of a server it is not in, it joins the server
	// and the channel at once.
	alice.Send("NEW CHAN 1 games")
	alice.Expect("TAG 1 1 games", fmt.Sprintf("GRP 1 1 club games 0 %d", alice.tag))
	alice.Send(fmt.Sprintf("INV %s 1 1", bot))
	alice.Expect(
		fmt.Sprintf("ADD ON %s dice", bot),
		fmt.Sprintf("INV 0 %d %s 1 1 club games", alice.tag, bot),
		fmt.Sprintf("ADD ON %s dice", bot),
		fmt.Sprintf("JOIN 1 0 %s", bot),
		fmt.Sprintf("ADD ON %s dice", bot),
		fmt.Sprintf("JOIN 1 1 %s", bot))
	bob.Expect(fmt.Sprintf("ADD ON %s dice", bot), fmt.Sprintf("JOIN 1 0 %s", bot))
	plQuiet(alice, bob)
	alice.Send("MSG 1 1 !roll 2d1")
	alice.Expect(plMsg(alice.tag, "1 1", "!roll 2d1"), plMsg(d, "1 1", "alice rolls 2d1: 1 + 1 = 2"))
	plQuiet(alice, bob)

	alice.Send("MSG 1 0 !roll 1d1+2")
	for _, u := range us {
		u.Expect(plMsg(alice.tag, "1 0", "!roll 1d1+2"), plMsg(d, "1 0", "alice rolls 1d1+2: 1 + 2 = 3"))
	}
	bob.Send("MSG 1 0 !roll banana")
	for _, u := range us {
		u.Expect(plMsg(bob.tag, "1 0", "!roll banana"), plMsg(d, "1 0", `bob: "banana" is not a number`))
	}
	alice.Send("MSG 1 0 !roll 2d6+3")
	alice.Expect(plMsg(alice.tag, "1 0", "!roll 2d6+3"))
	roll := alice.ExpectPrefix(plMsg(d, "1 0", "alice rolls 2d6+3: "))
	plCheckRoll(t, strings.TrimPrefix(roll, plMsg(d, "1 0", "alice rolls 2d6+3: ")), 6, 6, -3)
	bob.Expect(plMsg(alice.tag, "1 0", "!roll 2d6+3"), roll)
	// Straight to the bot: it answers in the direct conversation.
	bob.Send("MSG " + bot + " !roll d20")
	bob.Expect(plMsg(bob.tag, bot, "!roll d20"))
	direct := bob.ExpectPrefix(plMsg(d, fmt.Sprintf("0 %d", bob.tag), "bob rolls d20: "))
	plCheckRoll(t, strings.TrimPrefix(direct, plMsg(d, fmt.Sprintf("0 %d", bob.tag), "bob rolls d20: ")), 20)
	// What is not for it, it ignores.
	alice.Send("MSG 1 0 !rolling 2d6")
	for _, u := range us {
		u.Expect(plMsg(alice.tag, "1 0", "!rolling 2d6"))
	}
	plQuiet(alice, bob)

	sameLines(t, "club history", plHistory(t, alice, "1 0"), []string{
		fmt.Sprintf("%d: !roll 1d1+2", alice.tag),
		fmt.Sprintf("%d: alice rolls 1d1+2: 1 + 2 = 3", d),
		fmt.Sprintf("%d: !roll banana", bob.tag),
		fmt.Sprintf("%d: bob: \"banana\" is not a number", d),
		fmt.Sprintf("%d: !roll 2d6+3", alice.tag),
		fmt.Sprintf("%d: %s", d, strings.TrimPrefix(roll, plMsg(d, "1 0", ""))),
		fmt.Sprintf("%d: !rolling 2d6", alice.tag),
	})

	// No login as the bot, no account with its pseudo, no friendship.
	c := servertest.Dial(t, in.Addr)
	c.Send("IAM dice password-dice")
	c.ExpectPrefix("ERR IAM ")
	c.Send("NEW USR Dice password-dice")
	c.ExpectPrefix("ERR NEW ")
	c.ExpectQuiet()
	alice.Send("INV " + bot)
	alice.ExpectPrefix("ERR INV ")
	bob.Send("JOIN " + bot)
	bob.ExpectPrefix("ERR JOIN ")
	plQuiet(alice, bob)
}

// TestPluginBotNoLoop: a bot's messages are hooked by the other plugins but
// neither by its own plugin's hook nor fed back to its own plugin's events.
// parrot repeats what it hears and its hook marks every message " ~p";
// wordfilter, before it, masks "frack".
func TestPluginBotNoLoop(t *testing.T) {
	t.Parallel()
	in := plStart(t,
		plBlock("wordfilter", plBin(t, "wordfilter"), `words = ["frack"]`, ""),
		plBlock("parrot", plBin(t, "parrot"), `say = "frack!"`, ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]
	alice.Send("WHO parrot")
	var p int64
	if _, err := fmt.Sscanf(alice.Next(), "ADD ON 0 %d parrot", &p); err != nil {
		t.Fatal(err)
	}
	do(t, alice.Client, fmt.Sprintf("INV 0 %d 1 0", p))
	plSettle(alice, bob)

	alice.Send("MSG 1 0 hello frack")
	for _, u := range us {
		u.Expect(plMsg(alice.tag, "1 0", "hello ***** ~p"), plMsg(p, "1 0", "*****! hello ***** ~p"))
	}
	// Had the parrot heard itself, its echo of its echo would come before
	// the answer to this: its events are delivered in order.
	bob.Send("MSG 1 0 second")
	for _, u := range us {
		u.Expect(plMsg(bob.tag, "1 0", "second ~p"), plMsg(p, "1 0", "*****! second ~p"))
	}
	// Directly: only wordfilter hooks direct messages.
	alice.Send(fmt.Sprintf("MSG 0 %d hi frack", p))
	alice.Expect(plMsg(alice.tag, fmt.Sprintf("0 %d", p), "hi *****"), plMsg(p, fmt.Sprintf("0 %d", alice.tag), "*****! hi *****"))
	bob.Send("MSG 1 0 third")
	for _, u := range us {
		u.Expect(plMsg(bob.tag, "1 0", "third ~p"), plMsg(p, "1 0", "*****! third ~p"))
	}
	plQuiet(alice, bob)
}

// TestPluginHostAPI: a plugin's key/value store and the wallet, through the
// bank test plugin: every operation's result, each plugin's store its own,
// debits that would overdraw refused without a change, values and balances
// kept across a restart of salond, and the ledger in the database.
func TestPluginHostAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgFile := plProcessConfig(t, dir, data,
		plBlock("bank", "./bin/bank", "", ""),
		plBlock("vault", "./bin/bank", `game = "vault"`, ""),
		plBlock("dice", "./bin/dice", "", ""))
	p := plStartProcess(t, cfgFile, false)
	alice := plRegister(t, p.addr, "alice")
	bob := plRegister(t, p.addr, "bob")
	carol := plRegister(t, p.addr, "carol")
	dave := plRegister(t, p.addr, "dave")
	A, B := strconv.FormatInt(alice.tag, 10), strconv.FormatInt(bob.tag, 10)

	// (The steps are spread over the users: none sends more than a few
	// dozen lines in a burst, which flood control may slow down.)
	for _, step := range [][2]string{
		{"get color", "absent color"},
		{"set color blue", "set color"},
		{"get color", "value color blue"},
		{"cas color red green", "cas color false"},
		{"get color", "value color blue"},
		{"cas color blue green", "cas color true"},
		{"get color", "value color green"},
		{"cas fresh - one", "cas fresh true"},
		{"cas fresh - two", "cas fresh false"},
		{"get fresh", "value fresh one"},
		{"set temp x", "set temp"},
		{"del temp", "del temp"},
		{"get temp", "absent temp"},
		{"del never", "del never"},
		{"set list/b 2", "set list/b"},
		{"set list/a 1", "set list/a"},
		{"set lisp 3", "set lisp"},
		{"list list/", "list list/a=1 list/b=2"},
		{"list", "list color=green fresh=one lisp=3 list/a=1 list/b=2"},
	} {
		plAsk(t, bob, "bank", step[0], step[1])
	}
	for _, step := range [][2]string{
		{"balance me", "balance me 1000"},
		{"credit me 50", "credit me 50 balance=1050"},
		{"debit me 5000", "debit me 5000 ok=false balance=1050"},
		{"balance me", "balance me 1050"},
		{"debit me 30", "debit me 30 ok=true balance=1020"},
		{"debit me 1020", "debit me 1020 ok=true balance=0"},
		{"credit me 1000", "credit me 1000 balance=1000"},
		{"transfer me " + B + " 20", "transfer me " + B + " 20 ok=true"},
		{"balance me", "balance me 980"},
		{"balance " + B, "balance " + B + " 1020"},
		{"transfer me " + B + " 981", "transfer me " + B + " 981 ok=false"},
		{"balance me", "balance me 980"},
		{"balance " + B, "balance " + B + " 1020"},
	} {
		plAsk(t, alice, "bank", step[0], step[1])
	}
	// Refusals: no such user, amounts that are not positive.
	for _, bad := range []string{"balance 999999", "credit me 0", "credit me -5", "debit me -1", "transfer me 999999 1", "transfer me me 1"} {
		if got := plGame(t, alice, "bank", bad); !strings.HasPrefix(got, "JEU bank error refused ") {
			t.Errorf("JEU bank %s answered %q, want JEU bank error refused ...", bad, got)
		}
	}
	plAsk(t, alice, "bank", "balance me", "balance me 980")
	// bob sees the same wallet; vault, the same binary under another name,
	// has a store of its own.
	plAsk(t, bob, "bank", "balance me", "balance me 1020")
	plAsk(t, bob, "bank", "get color", "value color green")
	plAsk(t, bob, "vault", "get color", "absent color")
	plAsk(t, bob, "vault", "set color red", "set color")
	plAsk(t, bob, "vault", "list", "list color=red")
	plAsk(t, bob, "bank", "get color", "value color green")
	plAsk(t, bob, "vault", "balance "+A, "balance "+A+" 980")
	plQuiet(alice, bob)

	// Calls at once: of 20 debits of 100 from 1000, exactly 10 pass, and
	// of 20 swaps of an absent key exactly one.
	var debits, swaps []string
	for i := range 20 {
		debits = append(debits, "JEU bank debit me 100")
		swaps = append(swaps, fmt.Sprintf("JEU bank cas ctr - c%d", i))
	}
	carol.Send(debits...)
	dave.Send(swaps...)
	var balances []string
	swapped := 0
	for range 20 {
		switch l := carol.Next(); {
		case l == "JEU bank debit me 100 ok=false balance=0":
		case strings.HasPrefix(l, "JEU bank debit me 100 ok=true balance="):
			balances = append(balances, strings.TrimPrefix(l, "JEU bank debit me 100 ok=true balance="))
		default:
			t.Fatalf("carol got %q", l)
		}
	}
	for range 20 {
		switch l := dave.Next(); l {
		case "JEU bank cas ctr true":
			swapped++
		case "JEU bank cas ctr false":
		default:
			t.Fatalf("dave got %q", l)
		}
	}
	slices.SortFunc(balances, func(x, y string) int { a, _ := strconv.Atoi(x); b, _ := strconv.Atoi(y); return a - b })
	sameLines(t, "balances after the debits that passed", balances, strings.Fields("0 100 200 300 400 500 600 700 800 900"))
	if swapped != 1 {
		t.Errorf("%d of 20 swaps of an absent key succeeded, want 1", swapped)
	}
	plAsk(t, carol, "bank", "balance me", "balance me 0")
	ctr := plGame(t, dave, "bank", "get ctr")
	if !regexp.MustCompile(`^JEU bank value ctr c1?\d$`).MatchString(ctr) {
		t.Errorf("get ctr answered %q", ctr)
	}

	// The dice bot, a member of alice's club, outlives the restart too.
	alice.Send("NEW SERV club", "WHO dice")
	alice.Expect("TAG 1 0 club", fmt.Sprintf("GRP 1 0 club general 0 %d", alice.tag))
	var d int64
	if _, err := fmt.Sscanf(alice.Next(), "ADD ON 0 %d dice", &d); err != nil {
		t.Fatal(err)
	}
	do(t, alice.Client, fmt.Sprintf("INV 0 %d 1 0", d))

	p.stop(t, alice, bob, carol, dave)
	p = plStartProcess(t, cfgFile, false)
	alice = plLogin(t, p.addr, "alice", alice.tag)
	bob = plLogin(t, p.addr, "bob", bob.tag)
	alice.Send("WHO dice", "MSG 1 0 !roll 1d1+2")
	alice.Expect(fmt.Sprintf("ADD ON 0 %d dice", d), plMsg(alice.tag, "1 0", "!roll 1d1+2"), plMsg(d, "1 0", "alice rolls 1d1+2: 1 + 2 = 3"))
	anon := servertest.Dial(t, p.addr)
	anon.Send("IAM dice password-dice")
	anon.ExpectPrefix("ERR IAM ")
	for _, step := range [][2]string{
		{"get color", "value color green"},
		{"get temp", "absent temp"},
		{"list l", "list lisp=3 list/a=1 list/b=2"},
		{"get fresh", "value fresh one"},
		{"get ctr", strings.TrimPrefix(ctr, "JEU bank ")},
		{"balance me", "balance me 980"},
		{"balance " + B, "balance " + B + " 1020"},
		{"debit " + B + " 1021", "debit " + B + " 1021 ok=false balance=1020"},
	} {
		plAsk(t, alice, "bank", step[0], step[1])
	}
	plAsk(t, bob, "vault", "list", "list color=red")
	p.stop(t, alice, bob)

	st := openStore(t, data)
	type entry struct {
		Delta, Balance int64
		Plugin, Reason string
		Counterparty   int64
	}
	ledger := func(user int64) []entry {
		es, err := st.Ledger(user)
		if err != nil {
			t.Fatal(err)
		}
		var out []entry
		for _, e := range es {
			out = append(out, entry{e.Delta, e.Balance, e.Plugin, e.Reason, e.Counterparty})
		}
		return out
	}
	wantA := []entry{
		{1000, 1000, "salond", "opening balance", 0},
		{50, 1050, "bank", "bank: credit", 0},
		{-30, 1020, "bank", "bank: debit", 0},
		{-1020, 0, "bank", "bank: debit", 0},
		{1000, 1000, "bank", "bank: credit", 0},
		{-20, 980, "bank", "bank: transfer", bob.tag},
	}
	wantB := []entry{
		{1000, 1000, "salond", "opening balance", 0},
		{20, 1020, "bank", "bank: transfer", alice.tag},
	}
	if got := ledger(alice.tag); fmt.Sprint(got) != fmt.Sprint(wantA) {
		t.Errorf("alice's ledger:\n%+v\nwant\n%+v", got, wantA)
	}
	if got := ledger(bob.tag); fmt.Sprint(got) != fmt.Sprint(wantB) {
		t.Errorf("bob's ledger:\n%+v\nwant\n%+v", got, wantB)
	}
	wantC := []entry{{1000, 1000, "salond", "opening balance", 0}}
	for b := int64(900); b >= 0; b -= 100 {
		wantC = append(wantC, entry{-100, b, "bank", "bank: debit", 0})
	}
	if got := ledger(carol.tag); fmt.Sprint(got) != fmt.Sprint(wantC) {
		t.Errorf("carol's ledger:\n%+v\nwant\n%+v", got, wantC)
	}
	for user, want := range map[int64]int64{alice.tag: 980, bob.tag: 1020, carol.tag: 0} {
		if got, ok, err := st.Balance(user); err != nil || !ok || got != want {
			t.Errorf("balance of %d in the database: %d, %v, %v; want %d", user, got, ok, err, want)
		}
	}
	for _, kv := range []struct{ plugin, key, want string }{
		{"bank", "color", "green"}, {"vault", "color", "red"}, {"bank", "list/a", "1"}, {"bank", "temp", ""},
	} {
		v, found, err := st.KVGet(kv.plugin, kv.key)
		if err != nil || string(v) != kv.want || found != (kv.want != "") {
			t.Errorf("KV %s %s in the database: %q, %v, %v; want %q", kv.plugin, kv.key, v, found, err, kv.want)
		}
	}
}

// TestPluginCrash: a plugin that dies in the middle of a call costs its
// player at most an ERR, nobody else anything, and is back after a moment.
func TestPluginCrash(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]
	// No call before the crash: one in flight when the process dies (its
	// answer sent, its return not yet) would fail too.
	alice.Send("JEU echo crash")
	// Others chat on as if nothing happened.
	for i := range 5 {
		say(t, bob.Client, bob.tag, "1 0", fmt.Sprintf("still here %d", i))
		bob.Send("PING b")
		bob.Expect("PONG b")
	}
	// The game comes back; until then players learn it is away.
	pong, other := plPoll(t, bob, "echo", "ping 1")
	if pong != "JEU echo pong 1" {
		t.Fatalf("after the crash: %q", pong)
	}
	for _, l := range other {
		if l != "ERR JEU echo is unavailable right now" && l != "ERR JEU echo is restarting: try again in a moment" {
			t.Errorf("bob got %q while echo restarted", l)
		}
	}
	// The player who crashed it got at most an ERR for it.
	alice.Send("JEU echo ping 2")
	errs, msgs := 0, 0
	for l := alice.Next(); l != "JEU echo pong 2"; l = alice.Next() {
		switch {
		case l == "ERR JEU echo is unavailable right now":
			errs++
		case l == plMsg(bob.tag, "1 0", fmt.Sprintf("still here %d", msgs)):
			msgs++
		default:
			t.Fatalf("alice got %q after JEU echo crash", l)
		}
	}
	if errs > 1 || msgs != 5 {
		t.Errorf("alice got %d ERR lines (want at most 1) and %d of bob's 5 messages while echo restarted", errs, msgs)
	}
	plAsk(t, alice, "echo", "whoami", fmt.Sprintf("you are %d alice online=true bot=false", alice.tag))
	plQuiet(alice, bob)
	st := in.Server.PluginStatus()
	if len(st) != 1 || st[0].State != "running" || st[0].Restarts != 1 {
		t.Errorf("status after one crash: %+v, want echo running after 1 restart", st)
	}
}

// TestPluginHang: a game handler that never returns gets its player
// `ERR JEU echo is unavailable right now` at the call deadline; meanwhile
// the player, others and the plugin itself keep going, and the player's
// PING is answered once the call has its answer.
func TestPluginHang(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]

	alice.Send("JEU echo hang")
	plAsk(t, bob, "echo", "ping 1", "pong 1")
	say(t, bob.Client, bob.tag, "1 0", "anyone?")
	alice.Expect(plMsg(bob.tag, "1 0", "anyone?"))
	say(t, alice.Client, alice.tag, "1 0", "me, waiting")
	bob.Expect(plMsg(alice.tag, "1 0", "me, waiting"))
	plAsk(t, alice, "echo", "ping 2", "pong 2")
	alice.Send("PING a")
	alice.Expect("ERR JEU echo is unavailable right now", "PONG a")
	plAsk(t, alice, "echo", "ping 3", "pong 3")
	plQuiet(alice, bob)
	if st := in.Server.PluginStatus(); len(st) != 1 || st[0].State != "running" || st[0].Restarts != 0 {
		t.Errorf("status after one hung call: %+v, want echo running, never restarted", st)
	}
}

// TestPluginHungKilled: three calls in a row that time out mark the
// plugin as hung: salond kills it and starts it again.
func TestPluginHungKilled(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]

	alice.Send("JEU echo hang", "JEU echo hang", "JEU echo hang")
	// Meanwhile, chat goes on.
	say(t, bob.Client, bob.tag, "1 0", "tick")
	alice.Expect(plMsg(bob.tag, "1 0", "tick"))
	alice.Expect("ERR JEU echo is unavailable right now", "ERR JEU echo is unavailable right now", "ERR JEU echo is unavailable right now")
	pong, other := plPoll(t, bob, "echo", "ping 1")
	if pong != "JEU echo pong 1" {
		t.Fatalf("after the kill: %q", pong)
	}
	for _, l := range other {
		if l != "ERR JEU echo is unavailable right now" && l != "ERR JEU echo is restarting: try again in a moment" {
			t.Errorf("bob got %q while echo restarted", l)
		}
	}
	st := in.Server.PluginStatus()
	if len(st) != 1 || st[0].State != "running" || st[0].Restarts != 1 || !strings.Contains(st[0].LastError, "timed out") {
		t.Errorf("status after three timeouts: %+v, want echo running after 1 restart, killed for timing out", st)
	}
	plAsk(t, alice, "echo", "ping 2", "pong 2")
	plQuiet(alice, bob)
}

// TestPluginFlood: a plugin that sends thousands of lines as fast as it can
// holds nobody else up, and every line reaches its addressee once.
func TestPluginFlood(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]

	const n = 4000
	alice.Send(fmt.Sprintf("JEU echo flood %d 16", n))
	for i := range 20 {
		bob.Send(fmt.Sprintf("PING b%d", i))
		bob.Expect(fmt.Sprintf("PONG b%d", i))
		if i%5 == 0 {
			say(t, bob.Client, bob.tag, "1 0", fmt.Sprintf("chat %d", i))
		}
	}
	seen := make([]bool, n)
	chats := 0
	for {
		l := alice.Next()
		if l == fmt.Sprintf("JEU echo flood done sent=%d failed=0", n) {
			break
		}
		var i int
		switch {
		case strings.HasPrefix(l, plMsg(bob.tag, "1 0", "chat ")):
			chats++
			continue
		case strings.HasPrefix(l, "JEU echo flood "):
			if _, err := fmt.Sscanf(l, "JEU echo flood %d", &i); err == nil && i >= 0 && i < n && l == fmt.Sprintf("JEU echo flood %d", i) && !seen[i] {
				seen[i] = true
				continue
			}
		}
		t.Fatalf("alice got %q during the flood", l)
	}
	if i := slices.Index(seen, false); i >= 0 {
		t.Errorf("flood line %d never came", i)
	}
	for chats < 4 {
		alice.ExpectPrefix(plMsg(bob.tag, "1 0", "chat "))
		chats++
	}
	plAsk(t, alice, "echo", "ping after", "pong after")
	plQuiet(alice, bob)

	// From 200 goroutines: beyond 64 Host calls in flight salond refuses
	// them; what it accepts arrives once.
	const m = 2000
	alice.Send(fmt.Sprintf("JEU echo flood %d 200", m))
	bob.Send("PING during")
	bob.Expect("PONG during")
	got := map[string]bool{}
	for {
		l := alice.Next()
		var sent, failed int
		if _, err := fmt.Sscanf(l, "JEU echo flood done sent=%d failed=%d", &sent, &failed); err == nil {
			if sent+failed != m || sent != len(got) {
				t.Errorf("%q, after %d flood lines", l, len(got))
			}
			t.Logf("%d of %d lines sent from 200 goroutines", sent, m)
			break
		}
		if !regexp.MustCompile(`^JEU echo flood \d+$`).MatchString(l) || got[l] {
			t.Fatalf("alice got %q during the flood", l)
		}
		got[l] = true
	}
	plAsk(t, alice, "echo", "ping after", "pong after")
	plQuiet(alice, bob)
}

// TestPluginGarbage: lines a plugin may not send (core verbs, other games,
// CR or LF or other control characters inside, too long, empty) reach
// nobody, and the plugin is told they were refused (sdk.ErrRefused), as
// docs/plugins.md and sdk.Host promise, whether it sends them with its
// handler's context or with one of its own.
func TestPluginGarbage(t *testing.T) {
	t.Parallel()
	in := plStart(t, plBlock("echo", plBin(t, "echo"), "", ""))
	us := plClub(t, in.Addr, "alice", "bob")
	alice, bob := us[0], us[1]

	refused := strings.TrimSpace(strings.Repeat("refused ", 12))
	if got, want := plGame(t, alice, "echo", "garbage"), "JEU echo garbage "+refused+" / "+refused; got != want {
		t.Errorf("the plugin was told:\n%q\nwant\n%q", got, want)
	}
	plQuiet(alice, bob)
	say(t, alice.Client, alice.tag, "1 0", "all well")
	bob.Expect(plMsg(alice.tag, "1 0", "all well"))
	sameLines(t, "club history", plHistory(t, bob, "1 0"), []string{fmt.Sprintf("%d: all well", alice.tag)})
	plQuiet(alice, bob)
}

// TestPluginStartFailures: plugins that cannot start (a checksum mismatch,
// a configuration the plugin refuses, a missing command, a game another
// plugin serves) are reported with the file:line:col of what is wrong and
// left out; salond serves anyway with the others.
func TestPluginStartFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	echoSum := plSHA256(t, plBin(t, "echo"))
	wrong := strings.Repeat("0", 64)
	blocks := []string{
		plBlock("echo", "./bin/echo", "", "sha256 = \""+echoSum+"\""),
		plBlock("sum", "./bin/bank", `game = "sum"`, "sha256 = \""+wrong+"\""),
		plBlock("wf", "./bin/wordfilter", "words = [\"frack\"]\nmode = \"bogus\"", ""),
		plBlock("ghost", "./bin/nothing-here", "", ""),
		plBlock("dup", "./bin/echo", "", ""),
	}
	data := filepath.Join(dir, "data")
	cfgFile := plProcessConfig(t, dir, data, blocks...)
	src, _ := os.ReadFile(cfgFile)
	lineOf := func(s string) int {
		i := strings.Index(string(src), s)
		if i < 0 {
			t.Fatalf("%q not in the configuration", s)
		}
		return strings.Count(string(src[:i]), "\n") + 1
	}
	p := plStartProcess(t, cfgFile, false)
	alice := plClub(t, p.addr, "alice")[0]

	plAsk(t, alice, "echo", "ping 1", "pong 1")
	alice.Send("JEU sum balance me", "MSG 1 0 what the frack")
	alice.Expect("ERR JEU unknown game", plMsg(alice.tag, "1 0", "what the frack"))

	want := []*regexp.Regexp{
		regexp.MustCompile(fmt.Sprintf(`^%s:%d:\d+: plugin "sum": checksum mismatch: \S*bank has sha256 [0-9a-f]{64}, the configuration expects %s$`,
			regexp.QuoteMeta(cfgFile), lineOf(wrong), wrong)),
		regexp.MustCompile(fmt.Sprintf(`^%s:%d:5: plugin "wf": mode must be "mask" or "reject", not "bogus"$`,
			regexp.QuoteMeta(cfgFile), lineOf(`mode = "bogus"`))),
		regexp.MustCompile(fmt.Sprintf(`^%s:%d:\d+: plugin "ghost": command \S*nothing-here not found$`,
			regexp.QuoteMeta(cfgFile), lineOf("./bin/nothing-here"))),
		regexp.MustCompile(fmt.Sprintf(`^%s:%d:\d+: plugin "dup": game "echo" is already served by plugin "echo"$`,
			regexp.QuoteMeta(cfgFile), lineOf(`plugin "dup"`))),
	}
	problems := p.problems(t)
	for _, re := range want {
		if !slices.ContainsFunc(problems, re.MatchString) {
			t.Errorf("no logged problem matches %s; problems:\n%s", re, strings.Join(problems, "\n"))
		}
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems logged, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
	p.stop(t, alice)
}

// TestPluginReload: rewriting the configuration and typing RELOAD on the
// console, or sending SIGHUP, starts the added plugins, stops the removed
// ones (a removed plugin's bot goes offline, and online again when it is
// back), restarts those whose config changed, refuses a plugin whose bot
// would take a user's pseudo, and leaves every session connected.
func TestPluginReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	echo := plBlock("echo", "./bin/echo", "", "")
	dice := plBlock("dice", "./bin/dice", "", "")
	bank := plBlock("bank", "./bin/bank", "", "")
	cfgFile := plProcessConfig(t, dir, data, echo, dice, plBlock("wordfilter", "./bin/wordfilter", `words = ["frack"]`, ""))
	p := plStartProcess(t, cfgFile, true)
	us := plClub(t, p.addr, "alice", "bob")
	alice, bob := us[0], us[1]
	alice.Send("WHO dice")
	var d int64
	if _, err := fmt.Sscanf(alice.Next(), "ADD ON 0 %d dice", &d); err != nil {
		t.Fatal(err)
	}
	do(t, alice.Client, fmt.Sprintf("INV 0 %d 1 0", d))
	plSettle(alice, bob)

	var other []string
	plAsk(t, alice, "echo", "ping 1", "pong 1")
	alice.Send("JEU bank balance me", "MSG 1 0 frack zorp")
	alice.Expect("ERR JEU unknown game", plMsg(alice.tag, "1 0", "***** zorp"))
	bob.Expect(plMsg(alice.tag, "1 0", "***** zorp"))

	// RELOAD: echo and dice out, bank in, wordfilter with other words, and
	// parrot, whose bot would be bob, refused.
	plRewrite(t, cfgFile, data, bank,
		plBlock("wordfilter", "./bin/wordfilter", `words = ["zorp"]`, ""),
		plBlock("parrot", "./bin/parrot", `bot = "Bob"`, ""))
	if _, err := io.WriteString(p.stdin, "RELOAD\n"); err != nil {
		t.Fatal(err)
	}
	_, other = plPoll(t, alice, "bank", "balance me")
	// Once bank answers, the whole reload is done.
	alice.Send("JEU echo ping 2", "ROLL 1d1", "MSG 1 0 frack zorp", "WHO dice")
	alice.Expect("ERR JEU unknown game", "ERR ROLL unknown command", plMsg(alice.tag, "1 0", "frack ****"), fmt.Sprintf("ADD OFF 0 %d dice", d))
	got := append(other, alice.Sync()...)
	if !slices.Contains(got, fmt.Sprintf("BYE 0 %d", d)) {
		t.Errorf("alice was not told the dice bot went offline: %q", got)
	}
	bob.WaitFor(fmt.Sprintf("BYE 0 %d", d))
	bob.Expect(plMsg(alice.tag, "1 0", "frack ****"))
	// Sessions from before the reload carry on.
	say(t, bob.Client, bob.tag, "1 0", "still connected")
	alice.Expect(plMsg(bob.tag, "1 0", "still connected"))
	refused := regexp.MustCompile(fmt.Sprintf(`^%s:\d+:\d+: plugin "parrot": .*Bob.* taken`, regexp.QuoteMeta(cfgFile)))
	if problems := p.problems(t); len(problems) != 1 || !refused.MatchString(problems[0]) {
		t.Errorf("problems logged: %q, want one matching %s", problems, refused)
	}

	// SIGHUP: echo back under another game id, dice back, wordfilter and
	// parrot gone.
	plRewrite(t, cfgFile, data, bank, plBlock("echo", "./bin/echo", `game = "echo2"`, ""), dice)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	pong, other := plPoll(t, bob, "echo2", "ping 3")
	if pong != "JEU echo2 pong 3" {
		t.Fatalf("echo2 answered %q", pong)
	}
	// The bot is back online (the table changed once, before echo2
	// answered), still a member of club.
	if got := append(other, bob.Sync()...); !slices.Contains(got, fmt.Sprintf("ADD ON 0 %d dice", d)) {
		t.Errorf("bob was not told the dice bot is back: %q", got)
	}
	alice.Expect(fmt.Sprintf("ADD ON 0 %d dice", d))
	plAsk(t, bob, "bank", "balance me", "balance me 1000")
	bob.Send("MSG 1 0 frack zorp !roll 1d1")
	for _, u := range us {
		u.Expect(plMsg(bob.tag, "1 0", "frack zorp !roll 1d1"))
	}
	bob.Send("MSG 1 0 !roll 1d1+2")
	for _, u := range us {
		u.Expect(plMsg(bob.tag, "1 0", "!roll 1d1+2"), plMsg(d, "1 0", "bob rolls 1d1+2: 1 + 2 = 3"))
	}
	alice.Send("JEU echo ping 4")
	alice.Expect("ERR JEU unknown game")
	plQuiet(alice, bob)

	// A file that does not parse changes nothing.
	if err := os.WriteFile(cfgFile, []byte("listen = \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(servertest.Timeout); !slices.ContainsFunc(p.logEntries(t), func(e map[string]any) bool {
		return e["@message"] == "configuration not reloaded" && strings.HasPrefix(fmt.Sprint(e["error"]), cfgFile+":1:")
	}); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no \"configuration not reloaded\" with the file's position in the log:\n%s", p.out.String())
		}
	}
	plAsk(t, alice, "echo2", "ping 5", "pong 5")
	plAsk(t, alice, "bank", "balance me", "balance me 1000")
	plQuiet(alice, bob)

	// The plugins do not share the console's standard input (a pipe
	// here): theirs is /dev/null.
	checked := 0
	for _, pid := range p.pluginPIDs(t) {
		in, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/0", pid))
		if err != nil {
			continue // a plugin the reload stopped
		}
		checked++
		if in != os.DevNull {
			t.Errorf("plugin %d reads %s as its standard input, want %s", pid, in, os.DevNull)
		}
	}
	if checked == 0 {
		t.Error("no running plugin's standard input to check")
	}

	// The console reports the plugins' states.
	if _, err := io.WriteString(p.stdin, "PLUGINS\n"); err != nil {
		t.Fatal(err)
	}
	states := regexp.MustCompile(`(?m)^bank\trunning\trestarts=0\t\n^echo\trunning\trestarts=0\t\n^dice\trunning\trestarts=0\t$`)
	for deadline := time.Now().Add(servertest.Timeout); !states.MatchString(p.out.String()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("PLUGINS did not list bank, echo and dice running:\n%s", p.out.String())
		}
	}
	p.stop(t, alice, bob)
}

// plProcess is salond run as a child process on a configuration file of
// the test's own (servertest.StartProcess writes its own, without plugins).
type plProcess struct {
	cmd   *exec.Cmd
	addr  string
	out   *syncBuffer
	stdin io.WriteCloser
}

// plProcessConfig writes dir/salon.hcl: a free loopback port, data, cheap
// hashing, JSON logs, and the plugin blocks, whose commands ./bin/<name>
// are relative to dir (dir/bin is a link to the built plugins).
func plProcessConfig(t *testing.T, dir, data string, blocks ...string) string {
	t.Helper()
	if err := os.Symlink(filepath.Dir(plBin(t, "echo")), filepath.Join(dir, "bin")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "salon.hcl")
	plRewriteAddr(t, file, freeAddr(t), data, blocks...)
	return file
}

// plRewrite rewrites the configuration with other plugin blocks, keeping
// the address.
func plRewrite(t *testing.T, file, data string, blocks ...string) {
	t.Helper()
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	plRewriteAddr(t, file, c.Listen, data, blocks...)
}

func plRewriteAddr(t *testing.T, file, addr, data string, blocks ...string) {
	t.Helper()
	head := fmt.Sprintf("listen = %q\ndata_dir = %q\npasswords {\n  time = 1\n  memory_kib = 64\n}\nlog {\n  format = \"json\"\n}\n\n", addr, data)
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(head+strings.Join(blocks, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

// plStartProcess starts salond on file (with -console and a pipe as its
// standard input if console) and waits until it accepts connections.
func plStartProcess(t *testing.T, file string, console bool) *plProcess {
	t.Helper()
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-config", file}
	if console {
		args = append(args, "-console")
	}
	p := &plProcess{cmd: exec.Command(servertest.Binary(t), args...), addr: c.Listen, out: &syncBuffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if console {
		if p.stdin, err = p.cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("salond's output:\n%s", p.out.String())
		}
	})
	waitListening(t, p.addr, p.cmd, p.out)
	return p
}

// stop stops salond with SIGTERM, checks that the clients get BYE and that
// it exits 0, and that its plugin processes are gone with it.
func (p *plProcess) stop(t *testing.T, clients ...*plUser) {
	t.Helper()
	pids := p.pluginPIDs(t)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.WaitFor("BYE")
		c.ExpectClosed()
	}
	if code := waitExit(t, p.cmd); code != 0 {
		t.Fatalf("salond exited %d, want 0\n%s", code, p.out.String())
	}
	for _, pid := range pids {
		// Once salond has exited, none of its plugins may be left
		// running (a zombie waiting for its reaper has stopped).
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if _, after, ok := strings.Cut(string(stat), ") "); err == nil && ok && !strings.HasPrefix(after, "Z") {
			t.Errorf("plugin process %d still runs after salond exited: %s", pid, stat)
		}
	}
}

// logEntries returns salond's JSON log entries.
func (p *plProcess) logEntries(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(p.out.String()) {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// problems returns the errors salond logged about plugins.
func (p *plProcess) problems(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, e := range p.logEntries(t) {
		if e["@message"] == "plugin problem" {
			s, _ := e["error"].(string)
			out = append(out, s)
		}
	}
	return out
}

// pluginPIDs returns the pids salond logged for the plugins it started.
func (p *plProcess) pluginPIDs(t *testing.T) []int {
	t.Helper()
	var out []int
	for _, e := range p.logEntries(t) {
		if e["@message"] == "plugin started" || e["@message"] == "plugin restarted" {
			if pid, ok := e["pid"].(float64); ok {
				out = append(out, int(pid))
			}
		}
	}
	return out
}

// plCheckRoll checks dice's account of a roll, "a + b - 2 = n" (just "a"
// for a single die): one term per entry of terms, a die of that many sides
// when positive, the constant -terms[i] otherwise; and the right total.
func plCheckRoll(t *testing.T, detail string, terms ...int) {
	t.Helper()
	sum, rest, ok := strings.Cut(detail, " = ")
	if len(terms) == 1 {
		sum, rest, ok = detail, detail, true
	}
	f := strings.Fields("+ " + sum)
	if !ok || len(f) != 2*len(terms) {
		t.Fatalf("roll %q: want %d terms and a total", detail, len(terms))
	}
	total := 0
	for i, sides := range terms {
		sign, v := f[2*i], f[2*i+1]
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || (sign != "+" && sign != "-") || (i == 0 && sign != "+"):
			t.Fatalf("roll %q: %q %q is not a term", detail, sign, v)
		case sides > 0 && (n < 1 || n > sides):
			t.Fatalf("roll %q: %d is not a d%d", detail, n, sides)
		case sides <= 0 && n != -sides:
			t.Fatalf("roll %q: %d is not the constant %d", detail, n, -sides)
		}
		if sign == "-" {
			n = -n
		}
		total += n
	}
	if rest != strconv.Itoa(total) {
		t.Fatalf("roll %q: the terms add up to %d", detail, total)
	}
}

// plSHA256 is the checksum of a file, as a plugin block's sha256 gives it.
func plSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
