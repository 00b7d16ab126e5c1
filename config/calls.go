package config

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

type callsBlock struct {
	UDP                    *string     `hcl:"udp"`
	UDPRange               hcl.Range   `hcl:"udp,attr_name_range"`
	PublicIP               *string     `hcl:"public_ip"`
	PublicIPRange          hcl.Range   `hcl:"public_ip,attr_name_range"`
	MaxParticipants        cty.Value   `hcl:"max_participants,optional"`
	MaxParticipantsRange   hcl.Range   `hcl:"max_participants,attr_name_range"`
	MaxCalls               cty.Value   `hcl:"max_calls,optional"`
	MaxCallsRange          hcl.Range   `hcl:"max_calls,attr_name_range"`
	MaxCallsPerServer      cty.Value   `hcl:"max_calls_per_server,optional"`
	MaxCallsPerServerRange hcl.Range   `hcl:"max_calls_per_server,attr_name_range"`
	MaxTracks              cty.Value   `hcl:"max_tracks,optional"`
	MaxTracksRange         hcl.Range   `hcl:"max_tracks,attr_name_range"`
	AudioKbps              cty.Value   `hcl:"audio_kbps,optional"`
	AudioKbpsRange         hcl.Range   `hcl:"audio_kbps,attr_name_range"`
	VideoKbps              cty.Value   `hcl:"video_kbps,optional"`
	VideoKbpsRange         hcl.Range   `hcl:"video_kbps,attr_name_range"`
	ScreenKbps             cty.Value   `hcl:"screen_kbps,optional"`
	ScreenKbpsRange        hcl.Range   `hcl:"screen_kbps,attr_name_range"`
	RenewAfter             cty.Value   `hcl:"renew_after,optional"`
	RenewAfterRange        hcl.Range   `hcl:"renew_after,attr_name_range"`
	TURN                   []turnBlock `hcl:"turn,block"`
	DefRange               hcl.Range   `hcl:",def_range"`
}

type turnBlock struct {
	URLs            []string  `hcl:"urls"`
	URLsRange       hcl.Range `hcl:"urls,attr_name_range"`
	Username        *string   `hcl:"username"`
	UsernameRange   hcl.Range `hcl:"username,attr_name_range"`
	Credential      *string   `hcl:"credential"`
	CredentialRange hcl.Range `hcl:"credential,attr_name_range"`
	Secret          *string   `hcl:"secret"`
	SecretRange     hcl.Range `hcl:"secret,attr_name_range"`
	TTL             *string   `hcl:"ttl"`
	TTLRange        hcl.Range `hcl:"ttl,attr_name_range"`
	DefRange        hcl.Range `hcl:",def_range"`
}

// apply checks the calls block. Writing the block means calls are wanted,
// so udp is required.
func (b *callsBlock) apply(ck *checker, c *Config) {
	switch {
	case b.UDP == nil:
		ck.errorf(b.DefRange, "calls.udp: required in a calls block (remove the block to have no calls)")
	default:
		if err := checkListen(*b.UDP); err != nil {
			ck.errorf(b.UDPRange, "calls.udp: %v", err)
			break
		}
		c.Calls.UDP = *b.UDP
	}
	if b.PublicIP != nil {
		ip := net.ParseIP(*b.PublicIP)
		if ip == nil || ip.IsUnspecified() {
			ck.errorf(b.PublicIPRange, "calls.public_ip: %s is not an IP address (a name would have to be looked up; write the address clients reach)", quote(*b.PublicIP))
		} else {
			c.Calls.PublicIP = ip.String()
		}
	}
	intIn(ck, &c.Calls.MaxParticipants, b.MaxParticipants, b.MaxParticipantsRange, "calls.max_participants", 2, 1000)
	intIn(ck, &c.Calls.MaxCalls, b.MaxCalls, b.MaxCallsRange, "calls.max_calls", 1, 100000)
	intIn(ck, &c.Calls.MaxCallsPerServer, b.MaxCallsPerServer, b.MaxCallsPerServerRange, "calls.max_calls_per_server", 1, 100000)
	intIn(ck, &c.Calls.MaxTracks, b.MaxTracks, b.MaxTracksRange, "calls.max_tracks", 1, 3)
	intIn(ck, &c.Calls.AudioKbps, b.AudioKbps, b.AudioKbpsRange, "calls.audio_kbps", 8, 512)
	intIn(ck, &c.Calls.VideoKbps, b.VideoKbps, b.VideoKbpsRange, "calls.video_kbps", 50, 20000)
	intIn(ck, &c.Calls.ScreenKbps, b.ScreenKbps, b.ScreenKbpsRange, "calls.screen_kbps", 50, 20000)
	// At least 4: a renewal ends up to 3 tracks in each other participant's
	// connection, which must not be enough to renew theirs in turn.
	intIn(ck, &c.Calls.RenewAfter, b.RenewAfter, b.RenewAfterRange, "calls.renew_after", 4, 100000)
	for i := range b.TURN {
		if t, ok := b.TURN[i].apply(ck, i); ok {
			c.Calls.TURN = append(c.Calls.TURN, t)
		}
	}
}

// apply checks one turn block: URLs a browser takes, and either fixed
// credentials or a shared secret (STUN alone needs neither).
func (b *turnBlock) apply(ck *checker, i int) (TURN, bool) {
	n := len(ck.diags)
	t := TURN{TTL: 12 * time.Hour}
	name := "calls.turn[" + strconv.Itoa(i) + "]"
	relay := false
	if len(b.URLs) == 0 {
		ck.errorf(b.URLsRange, "%s.urls: at least one URL, like \"turn:turn.example.org:3478\"", name)
	}
	for j, u := range b.URLs {
		scheme, rest, _ := strings.Cut(u, ":")
		switch {
		case rest == "" || strings.ContainsAny(u, " \t\r\n\"\\"):
			ck.errorf(b.URLsRange, "%s.urls[%d]: %s is not a TURN or STUN URL, like \"turn:turn.example.org:3478\"", name, j, quote(u))
		case scheme == "turn" || scheme == "turns":
			relay = true
		case scheme == "stun" || scheme == "stuns":
		default:
			ck.errorf(b.URLsRange, "%s.urls[%d]: %s: the scheme must be turn, turns, stun or stuns", name, j, quote(u))
		}
		t.URLs = append(t.URLs, u)
	}
	fixed := b.Username != nil || b.Credential != nil
	switch {
	case fixed && b.Secret != nil:
		ck.errorf(b.SecretRange, "%s: give either username and credential or secret, not both", name)
	case fixed && (b.Username == nil || b.Credential == nil):
		ck.errorf(b.DefRange, "%s: username and credential go together", name)
	case fixed:
		t.Username, t.Credential = *b.Username, *b.Credential
	case b.Secret != nil:
		if *b.Secret == "" {
			ck.errorf(b.SecretRange, "%s.secret: must not be empty", name)
		}
		t.Secret = *b.Secret
	case relay:
		ck.errorf(b.DefRange, "%s: a turn: URL needs username and credential, or secret", name)
	}
	if b.TTL != nil {
		if b.Secret == nil {
			ck.errorf(b.TTLRange, "%s.ttl: only with secret", name)
		}
		durationAtLeast(ck, &t.TTL, b.TTL, b.TTLRange, name+".ttl", time.Minute)
	}
	return t, len(ck.diags) == n
}
