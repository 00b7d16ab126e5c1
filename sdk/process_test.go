package sdk

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/salon-chat/salon/sdk/pluginpb"
)

// TestProcess builds the tutorial's coin plugin and runs it as salond
// does: a child process started by go-plugin, whose JSON logs on stderr
// arrive in the host's logger as structured entries.
func TestProcess(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "coin")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/coin").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	logs := &lockedBuffer{}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{PluginName: &GRPCPlugin{}},
		Cmd:              exec.Command(bin),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin.coin", Output: logs, Level: hclog.Debug}),
	})
	defer client.Kill()
	proto, err := client.Client()
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	raw, err := proto.Dispense(PluginName)
	if err != nil {
		t.Fatal(err)
	}
	pc := raw.(*PluginClient)
	host := &fakeHostServer{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	const src = "plugin \"coin\" {\n  command = \"./coin\"\n  config {\n    greeting = \"Pile ou face ?\"\n  }\n}\n"
	resp, err := pc.Configure(ctx, configureRequest(t, "salon.hcl", src, serveHost(pc, host)))
	if err != nil || resp.Error != "" || len(resp.Games) != 1 || resp.Games[0] != "coin" {
		t.Fatalf("Configure = %v, %v", resp, err)
	}
	// The lines a handler sends with its context come back with its
	// answer, not through Host.Send.
	var sends []*pluginpb.SendRequest
	game := func(tag int64, pseudo, payload string) {
		t.Helper()
		r, err := pc.HandleGame(ctx, &pluginpb.GameRequest{From: &pluginpb.User{Tag: tag, Pseudo: pseudo}, Game: "coin", Payload: payload})
		if err != nil {
			t.Fatalf("HandleGame: %v", err)
		}
		sends = append(sends, r.GetSends()...)
	}
	game(3, "carol", "")
	game(3, "", "flip")
	if len(sends) != 2 || sends[0].User != 3 || sends[0].Line != "JEU coin hello Pile ou face ?" ||
		(sends[1].Line != "JEU coin heads" && sends[1].Line != "JEU coin tails") {
		t.Errorf("sends = %v", sends)
	}
	game(3, "", "stats")
	if len(sends) != 3 || sends[2].Line != "JEU coin flips 1" {
		t.Errorf("stats: %v", sends)
	}
	if viaHost, _ := host.snapshot(); len(viaHost) != 0 {
		t.Errorf("a handler's lines also went through Host.Send: %v", viaHost)
	}

	// The plugin's log entry arrived structured: its message, and its
	// greeting field as a field of the host's logger.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "coin ready") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if l := logs.String(); !strings.Contains(l, "[INFO]  plugin.coin.coin: coin ready: greeting=\"Pile ou face ?\"") {
		t.Errorf("host log:\n%s", l)
	}
}
