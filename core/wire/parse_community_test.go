package wire

import (
	"encoding/base64"
	"strings"
)

// Values at and just past the limits of Part two.
var (
	query256  = strings.Repeat("q", MaxQuery)
	query257  = strings.Repeat("q", MaxQuery+1)
	topic512  = strings.Repeat("t", MaxTopic)
	topic513  = strings.Repeat("t", MaxTopic+1)
	away256   = strings.Repeat("a", MaxAway)
	away257   = strings.Repeat("a", MaxAway+1)
	reason256 = strings.Repeat("r", MaxReason)
	reason257 = strings.Repeat("r", MaxReason+1)
	emoji32   = strings.Repeat("\U0001f600", MaxEmoji/4) // eight four-byte runes
	emoji33   = emoji32 + "x"

	// keyStart is how a binary OpenPGP public key starts: a public-key
	// packet tag, then its length.
	keyStart  = []byte{0x99, 0x01, 0x0d}
	keyMax    = keyOf(MaxKey)
	keyTooBig = keyOf(MaxKey + 1)
	keyBase64 = base64.StdEncoding.EncodeToString(keyMax)
)

// keyOf returns n bytes that stand for a key.
func keyOf(n int) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = byte(i * 7)
	}
	return k
}

const (
	reasonEmoji   = "invalid emoji: one token of 1 to 32 bytes"
	reasonLimit   = "limit must be 1 to 200"
	reasonCap     = "expected CAP LS or CAP REQ names"
	reasonKey     = "invalid key: base64 of an OpenPGP public key, at most 3048 bytes"
	reasonBan     = "bans are for a whole server: BAN S 0 0 U reason"
	reasonUnban   = "bans are for a whole server: UNBAN S 0 0 U"
	reasonTopic   = "topic longer than 512 bytes"
	reasonQuery   = "query longer than 256 bytes"
	reasonAway    = "away note longer than 256 bytes"
	reasonReason  = "reason longer than 256 bytes"
	reasonTooLong = "message longer than 4000 bytes"
)

var communityTests = []struct {
	line string
	want Command
}{
	// CAP
	{"CAP LS", Command{Op: OpCapLs, Verb: "CAP"}},
	{"CAP REQ tags", Command{Op: OpCapReq, Verb: "CAP", Names: []string{"tags"}}},
	// WEBTOKEN (issue 15) takes nothing.
	{"WEBTOKEN", Command{Op: OpWebToken, Verb: "WEBTOKEN"}},
	{"CAP REQ tags away x-y", Command{Op: OpCapReq, Verb: "CAP", Names: []string{"tags", "away", "x-y"}}},
	// Which names exist, and what twice means, is the hub's to say.
	{"CAP REQ tags tags", Command{Op: OpCapReq, Verb: "CAP", Names: []string{"tags", "tags"}}},
	{"CAP REQ LS", Command{Op: OpCapReq, Verb: "CAP", Names: []string{"LS"}}},

	// REPLY and EDIT: the text follows MSG's rules.
	{"REPLY 8812 salut !", Command{Op: OpReply, Verb: "REPLY", ID: 8812, Text: "salut !"}},
	{"REPLY 1  a\tb  c ", Command{Op: OpReply, Verb: "REPLY", ID: 1, Text: " a\tb  c "}},
	{"REPLY 9223372036854775807 x", Command{Op: OpReply, Verb: "REPLY", ID: 1<<63 - 1, Text: "x"}},
	{"REPLY 5 " + text4000, Command{Op: OpReply, Verb: "REPLY", ID: 5, Text: text4000}},
	{"REPLY 5 MSG 0 9 hi", Command{Op: OpReply, Verb: "REPLY", ID: 5, Text: "MSG 0 9 hi"}},
	{"EDIT 8820 salut tout le monde !", Command{Op: OpEdit, Verb: "EDIT", ID: 8820, Text: "salut tout le monde !"}},
	{"EDIT 7  ", Command{Op: OpEdit, Verb: "EDIT", ID: 7, Text: " "}},
	{"EDIT 7 " + text4000, Command{Op: OpEdit, Verb: "EDIT", ID: 7, Text: text4000}},

	// DELETE
	{"DELETE 8812", Command{Op: OpDeleteMsg, Verb: "DELETE", ID: 8812}},
	{"DELETE 1", Command{Op: OpDeleteMsg, Verb: "DELETE", ID: 1}},

	// REACT and UNREACT: any one token, emoji sequences included.
	{"REACT 8812 👍", Command{Op: OpReact, Verb: "REACT", ID: 8812, Name: "👍"}},
	{"REACT 8812 +1", Command{Op: OpReact, Verb: "REACT", ID: 8812, Name: "+1"}},
	{"REACT 1 \u2764\ufe0f", Command{Op: OpReact, Verb: "REACT", ID: 1, Name: "\u2764\ufe0f"}},
	{"REACT 1 \U0001f469\u200d\U0001f4bb", Command{Op: OpReact, Verb: "REACT", ID: 1, Name: "\U0001f469\u200d\U0001f4bb"}},
	{"REACT 1 " + emoji32, Command{Op: OpReact, Verb: "REACT", ID: 1, Name: emoji32}},
	{"UNREACT 8812 👍", Command{Op: OpUnreact, Verb: "UNREACT", ID: 8812, Name: "👍"}},

	// HIST: before may be 0, the newest.
	{"HIST 3 4 0 50", Command{Op: OpHist, Verb: "HIST", Addr: Addr{3, 4}, Limit: 50}},
	{"HIST 3 0 8812 1", Command{Op: OpHist, Verb: "HIST", Addr: Addr{3, 0}, ID: 8812, Limit: 1}},
	{"HIST 0 9 1 200", Command{Op: OpHist, Verb: "HIST", Addr: User(9), ID: 1, Limit: MaxHistPage}},

	// FIND: one conversation, or 0 0 for all of them.
	{"FIND 3 4 hello world", Command{Op: OpFind, Verb: "FIND", Addr: Addr{3, 4}, Text: "hello world"}},
	{"FIND 0 9 café", Command{Op: OpFind, Verb: "FIND", Addr: User(9), Text: "café"}},
	{"FIND 0 0 salut", Command{Op: OpFind, Verb: "FIND", Text: "salut"}},
	{"FIND 0 0  two  spaces ", Command{Op: OpFind, Verb: "FIND", Text: " two  spaces "}},
	{"FIND 3 0 " + query256, Command{Op: OpFind, Verb: "FIND", Addr: Addr{3, 0}, Text: query256}},

	// READ and TYPING
	{"READ 3 4 8812", Command{Op: OpRead, Verb: "READ", Addr: Addr{3, 4}, ID: 8812}},
	{"READ 0 9 1", Command{Op: OpRead, Verb: "READ", Addr: User(9), ID: 1}},
	{"TYPING 3 4", Command{Op: OpTyping, Verb: "TYPING", Addr: Addr{3, 4}}},
	{"TYPING 3 0", Command{Op: OpTyping, Verb: "TYPING", Addr: Addr{3, 0}}},
	{"TYPING 0 9", Command{Op: OpTyping, Verb: "TYPING", Addr: User(9)}},

	// MOD and UNMOD: of a server (S 0) or of one of its channels.
	{"MOD 3 0 0 9", Command{Op: OpMod, Verb: "MOD", Addr: Addr{3, 0}, User: 9}},
	{"MOD 3 4 0 9", Command{Op: OpMod, Verb: "MOD", Addr: Addr{3, 4}, User: 9}},
	{"UNMOD 3 4 0 9223372036854775807", Command{Op: OpUnmod, Verb: "UNMOD", Addr: Addr{3, 4}, User: 1<<63 - 1}},

	// KICK and BAN: the reason is free text, and may be left out.
	{"KICK 3 4 0 9 spamming", Command{Op: OpKick, Verb: "KICK", Addr: Addr{3, 4}, User: 9, Text: "spamming"}},
	{"KICK 3 0 0 9  too  many\tlinks ", Command{Op: OpKick, Verb: "KICK", Addr: Addr{3, 0}, User: 9, Text: " too  many\tlinks "}},
	{"KICK 3 4 0 9", Command{Op: OpKick, Verb: "KICK", Addr: Addr{3, 4}, User: 9}},
	{"KICK 3 4 0 9 ", Command{Op: OpKick, Verb: "KICK", Addr: Addr{3, 4}, User: 9}},
	{"KICK 3 4 0 9 " + reason256, Command{Op: OpKick, Verb: "KICK", Addr: Addr{3, 4}, User: 9, Text: reason256}},
	{"BAN 3 0 0 9 spam, again", Command{Op: OpBan, Verb: "BAN", Addr: Addr{3, 0}, User: 9, Text: "spam, again"}},
	{"BAN 3 0 0 9", Command{Op: OpBan, Verb: "BAN", Addr: Addr{3, 0}, User: 9}},
	{"BAN 3 0 0 9 ", Command{Op: OpBan, Verb: "BAN", Addr: Addr{3, 0}, User: 9}},
	{"BAN 3 0 0 9 " + reason256, Command{Op: OpBan, Verb: "BAN", Addr: Addr{3, 0}, User: 9, Text: reason256}},
	{"UNBAN 3 0 0 9", Command{Op: OpUnban, Verb: "UNBAN", Addr: Addr{3, 0}, User: 9}},
	{"BANS 3", Command{Op: OpBans, Verb: "BANS", Addr: Addr{Server: 3}}},

	// TOPIC: empty, with or without its space, clears the topic.
	{"TOPIC 3 4 Go, Rust and the rest", Command{Op: OpTopic, Verb: "TOPIC", Addr: Addr{3, 4}, Text: "Go, Rust and the rest"}},
	{"TOPIC 3 0 " + topic512, Command{Op: OpTopic, Verb: "TOPIC", Addr: Addr{3, 0}, Text: topic512}},
	{"TOPIC 3 4", Command{Op: OpTopic, Verb: "TOPIC", Addr: Addr{3, 4}}},
	{"TOPIC 3 4 ", Command{Op: OpTopic, Verb: "TOPIC", Addr: Addr{3, 4}}},
	{"TOPIC 3 4  ", Command{Op: OpTopic, Verb: "TOPIC", Addr: Addr{3, 4}, Text: " "}},

	// OPEN, CLOSE, LIST
	{"OPEN 3 4", Command{Op: OpOpen, Verb: "OPEN", Addr: Addr{3, 4}}},
	{"OPEN 3 0", Command{Op: OpOpen, Verb: "OPEN", Addr: Addr{3, 0}}},
	{"CLOSE 3 4", Command{Op: OpClose, Verb: "CLOSE", Addr: Addr{3, 4}}},
	{"LIST 3", Command{Op: OpList, Verb: "LIST", Addr: Addr{Server: 3}}},
	{"LIST 9223372036854775807", Command{Op: OpList, Verb: "LIST", Addr: Addr{Server: 1<<63 - 1}}},

	// AWAY: no note is being back.
	{"AWAY at lunch, back at 2", Command{Op: OpAway, Verb: "AWAY", Text: "at lunch, back at 2"}},
	{"AWAY  x\t", Command{Op: OpAway, Verb: "AWAY", Text: " x\t"}},
	{"AWAY " + away256, Command{Op: OpAway, Verb: "AWAY", Text: away256}},
	{"AWAY", Command{Op: OpAway, Verb: "AWAY"}},
	{"AWAY ", Command{Op: OpAway, Verb: "AWAY"}},

	// KEY: publish one, or ask for a user's.
	{"KEY mQEN", Command{Op: OpKeyPublish, Verb: "KEY", Key: keyStart}},
	{"KEY mQ==", Command{Op: OpKeyPublish, Verb: "KEY", Key: []byte{0x99}}},
	{"KEY " + keyBase64, Command{Op: OpKeyPublish, Verb: "KEY", Key: keyMax}},
	{"KEY +/+/", Command{Op: OpKeyPublish, Verb: "KEY", Key: []byte{0xfb, 0xff, 0xbf}}},
	{"KEY 0 9", Command{Op: OpKeyFetch, Verb: "KEY", Addr: User(9)}},

	// CALL and RTC (section 19, parse_calls.go)
	{"CALL 3 4 JOIN", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "JOIN", Text: "mic"}},
	{"CALL 3 0 JOIN audio", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 0}, Name: "JOIN", Text: "mic"}},
	{"CALL 0 9 JOIN video", Command{Op: OpCall, Verb: "CALL", Addr: User(9), Name: "JOIN", Text: "mic,cam"}},
	{"CALL 3 4 LEAVE", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "LEAVE"}},
	{"CALL 0 9 DECLINE", Command{Op: OpCall, Verb: "CALL", Addr: User(9), Name: "DECLINE"}},
	{"CALL 3 4 MEDIA -", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "MEDIA", Text: "-"}},
	{"CALL 3 4 MEDIA mic,cam,screen", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "MEDIA", Text: "mic,cam,screen"}},
	{"CALL 3 4 MEDIA screen", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "MEDIA", Text: "screen"}},
	{"CALL 3 4 MEDIA mic,screen", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "MEDIA", Text: "mic,screen"}},
	{"CALL 3 4 MUTE 0 9", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "MUTE", User: 9}},
	{"CALL 3 4 UNMUTE 0 9", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "UNMUTE", User: 9}},
	{"CALL 3 4 KICK 0 9", Command{Op: OpCall, Verb: "CALL", Addr: Addr{3, 4}, Name: "KICK", User: 9}},
	{"RTC 3 4 answer 0 1 dj0wDQ==", Command{Op: OpRTC, Verb: "RTC", Addr: Addr{3, 4}, Name: "answer", Seq: 0, Last: true, Text: "dj0wDQ=="}},
	{"RTC 0 9 candidate 2 0 e30", Command{Op: OpRTC, Verb: "RTC", Addr: User(9), Name: "candidate", Seq: 2, Text: "e30"}},
	{"RTC 3 4 answer 1000 1 " + strings.Repeat("A", MaxRTCChunk), Command{Op: OpRTC, Verb: "RTC", Addr: Addr{3, 4}, Name: "answer", Seq: 1000, Last: true, Text: strings.Repeat("A", MaxRTCChunk)}},
	{"RTC 0 9 p2p-offer 0 1 e30=", Command{Op: OpRTC, Verb: "RTC", Addr: User(9), Name: "p2p-offer", Last: true, Text: "e30="}},
	{"RTC 0 9 p2p-answer 1 0 e30", Command{Op: OpRTC, Verb: "RTC", Addr: User(9), Name: "p2p-answer", Seq: 1, Text: "e30"}},
	{"RTC 0 9 p2p-candidate 0 1 e30=", Command{Op: OpRTC, Verb: "RTC", Addr: User(9), Name: "p2p-candidate", Last: true, Text: "e30="}},
	{"CALLS 3 4", Command{Op: OpOther, Verb: "CALLS", Text: "3 4"}},

	// Verbs next to the new ones stay the plugins'.
	{"CAPS LS", Command{Op: OpOther, Verb: "CAPS", Text: "LS"}},
	{"cap LS", Command{Op: OpOther, Verb: "cap", Text: "LS"}},
	{"Key 0 9", Command{Op: OpOther, Verb: "Key", Text: "0 9"}},
	{"KEYS 0 9", Command{Op: OpOther, Verb: "KEYS", Text: "0 9"}},
	{"HISTORY 3 4", Command{Op: OpOther, Verb: "HISTORY", Text: "3 4"}},
	{"DELETED 5", Command{Op: OpOther, Verb: "DELETED", Text: "5"}},
	{"REACTION 5 x", Command{Op: OpOther, Verb: "REACTION", Text: "5 x"}},
	{"LISTEN", Command{Op: OpOther, Verb: "LISTEN"}},
	{"AWAY\tlunch", Command{Op: OpOther, Verb: "AWAY\tlunch"}},
	{"ROLL 2d6", Command{Op: OpOther, Verb: "ROLL", Text: "2d6"}},
}

var communityErrorTests = []struct {
	line   string
	verb   string
	reason string
}{
	// CAP: every wrong shape gets the one reason that shows the right ones.
	{"CAP", "CAP", reasonCap},
	{"CAP ", "CAP", reasonCap},
	{"CAP  LS", "CAP", reasonCap},
	{"CAP LS ", "CAP", reasonCap},
	{"CAP LS tags", "CAP", reasonCap},
	{"CAP ls", "CAP", reasonCap},
	{"CAP END", "CAP", reasonCap},
	{"CAP REQ", "CAP", reasonCap},
	{"CAP REQ ", "CAP", reasonCap},
	{"CAP REQ  tags", "CAP", reasonCap},
	{"CAP REQ tags ", "CAP", reasonCap},
	{"CAP REQ tags  away", "CAP", reasonCap},

	// REPLY and EDIT
	{"REPLY", "REPLY", reasonFields},
	{"REPLY 5", "REPLY", reasonFields},
	{"REPLY  5 hi", "REPLY", reasonFields},
	{"REPLY 5 ", "REPLY", "empty message"},
	{"REPLY 0 hi", "REPLY", reasonMessageID},
	{"REPLY 05 hi", "REPLY", reasonMessageID},
	{"REPLY -5 hi", "REPLY", reasonMessageID},
	{"REPLY x hi", "REPLY", reasonMessageID},
	{"REPLY 9223372036854775808 hi", "REPLY", reasonMessageID},
	{"REPLY 5 " + text4001, "REPLY", reasonTooLong},
	{"EDIT", "EDIT", reasonFields},
	{"EDIT 5", "EDIT", reasonFields},
	{"EDIT 5 ", "EDIT", "empty message"},
	{"EDIT 0 hi", "EDIT", reasonMessageID},
	{"EDIT 5 " + text4001, "EDIT", reasonTooLong},

	// DELETE
	{"DELETE", "DELETE", reasonFields},
	{"DELETE ", "DELETE", reasonFields},
	{"DELETE 5 ", "DELETE", reasonFields},
	{"DELETE 5 6", "DELETE", reasonFields},
	{"DELETE 3 4", "DELETE", reasonFields},
	{"DELETE 0", "DELETE", reasonMessageID},
	{"DELETE 007", "DELETE", reasonMessageID},

	// REACT and UNREACT
	{"REACT", "REACT", reasonFields},
	{"REACT 5", "REACT", reasonFields},
	{"REACT 5 ", "REACT", reasonFields},
	{"REACT 5 👍 👎", "REACT", reasonFields},
	{"REACT 5  👍", "REACT", reasonFields},
	{"REACT 0 👍", "REACT", reasonMessageID},
	{"REACT x 👍", "REACT", reasonMessageID},
	{"REACT 5 a\tb", "REACT", reasonEmoji},
	{"REACT 5 \u00a0", "REACT", reasonEmoji}, // no-break space
	{"REACT 5 \u3000", "REACT", reasonEmoji}, // ideographic space
	{"REACT 5 \u0085", "REACT", reasonEmoji}, // a C1 control
	{"REACT 5 \xff", "REACT", reasonEmoji},
	{"REACT 5 " + emoji33, "REACT", reasonEmoji},
	{"UNREACT 5", "UNREACT", reasonFields},
	{"UNREACT 0 👍", "UNREACT", reasonMessageID},
	{"UNREACT 5 " + emoji33, "UNREACT", reasonEmoji},

	// HIST
	{"HIST", "HIST", reasonFields},
	{"HIST 3 4 0", "HIST", reasonFields},
	{"HIST 3 4 0 50 ", "HIST", reasonFields},
	{"HIST 3 4 0 50 1", "HIST", reasonFields},
	{"HIST 0 0 0 50", "HIST", reasonAddr},
	{"HIST 3 04 0 50", "HIST", reasonAddr},
	{"HIST 3 4 x 50", "HIST", reasonMessageID},
	{"HIST 3 4 01 50", "HIST", reasonMessageID},
	{"HIST 3 4 -1 50", "HIST", reasonMessageID},
	{"HIST 3 4 0 0", "HIST", reasonLimit},
	{"HIST 3 4 0 201", "HIST", reasonLimit},
	{"HIST 3 4 0 050", "HIST", reasonLimit},
	{"HIST 3 4 0 -1", "HIST", reasonLimit},
	{"HIST 3 4 0 all", "HIST", reasonLimit},
	{"HIST 3 4 0 9223372036854775808", "HIST", reasonLimit},

	// FIND
	{"FIND", "FIND", reasonFields},
	{"FIND 3 4", "FIND", reasonFields},
	{"FIND 3  4 x", "FIND", reasonFields},
	{"FIND 3 4 ", "FIND", "empty query"},
	{"FIND 0 0 ", "FIND", "empty query"},
	{"FIND 0 00 x", "FIND", reasonAddr},
	{"FIND 00 0 x", "FIND", reasonAddr},
	{"FIND 0 x x", "FIND", reasonAddr},
	{"FIND 3 4 " + query257, "FIND", reasonQuery},

	// READ
	{"READ", "READ", reasonFields},
	{"READ 3 4", "READ", reasonFields},
	{"READ 3 4 5 ", "READ", reasonFields},
	{"READ 0 0 5", "READ", reasonAddr},
	{"READ 3 4 0", "READ", reasonMessageID},
	{"READ 3 4 x", "READ", reasonMessageID},

	// TYPING
	{"TYPING", "TYPING", reasonFields},
	{"TYPING 3", "TYPING", reasonFields},
	{"TYPING 3 4 ", "TYPING", reasonFields},
	{"TYPING 3 4 5", "TYPING", reasonFields},
	{"TYPING 0 0", "TYPING", reasonAddr},

	// MOD and UNMOD
	{"MOD", "MOD", reasonFields},
	{"MOD 3 4 0", "MOD", reasonFields},
	{"MOD 3 4 0 9 ", "MOD", reasonFields},
	{"MOD 3 4 0 9 x", "MOD", reasonFields},
	{"MOD 0 0 0 9", "MOD", reasonAddr},
	{"MOD 3 x 0 9", "MOD", reasonAddr},
	{"MOD 0 5 0 9", "MOD", reasonPlace},
	{"MOD 3 4 5 9", "MOD", reasonUser},
	{"MOD 3 4 0 0", "MOD", reasonUser},
	{"MOD 3 4 0 09", "MOD", reasonUser},
	{"UNMOD 3 4", "UNMOD", reasonFields},
	{"UNMOD 0 5 0 9", "UNMOD", reasonPlace},
	{"UNMOD 3 4 3 4", "UNMOD", reasonUser},

	// KICK
	{"KICK", "KICK", reasonFields},
	{"KICK 3 4 0", "KICK", reasonFields},
	{"KICK 3 4 0  spam", "KICK", reasonFields},
	{"KICK 0 0 0 9 spam", "KICK", reasonAddr},
	{"KICK 0 5 0 9 spam", "KICK", reasonPlace},
	{"KICK 3 4 5 9 spam", "KICK", reasonUser},
	{"KICK 3 4 0 9 " + reason257, "KICK", reasonReason},

	// BAN, UNBAN, BANS: bans are per server.
	{"BAN", "BAN", reasonFields},
	{"BAN 3 0 0", "BAN", reasonFields},
	{"BAN 3 0 0  spam", "BAN", reasonFields},
	{"BAN 0 0 0 9", "BAN", reasonAddr},
	{"BAN 3 4 0 9 spam", "BAN", reasonBan},
	{"BAN 0 5 0 9", "BAN", reasonBan},
	{"BAN 3 0 3 9", "BAN", reasonUser},
	{"BAN 3 0 0 0", "BAN", reasonUser},
	{"BAN 3 0 0 9 " + reason257, "BAN", reasonReason},
	{"UNBAN", "UNBAN", reasonFields},
	{"UNBAN 3 0 0", "UNBAN", reasonFields},
	{"UNBAN 3 0 0 9 ", "UNBAN", reasonFields},
	{"UNBAN 3 0 0 9 sorry", "UNBAN", reasonFields},
	{"UNBAN 03 0 0 9", "UNBAN", reasonAddr},
	{"UNBAN 3 4 0 9", "UNBAN", reasonUnban},
	{"UNBAN 3 0 0 x", "UNBAN", reasonUser},
	{"BANS", "BANS", reasonFields},
	{"BANS ", "BANS", reasonFields},
	{"BANS 3 0", "BANS", reasonFields},
	{"BANS 0", "BANS", reasonServer},
	{"BANS 03", "BANS", reasonServer},
	{"BANS x", "BANS", reasonServer},

	// TOPIC
	{"TOPIC", "TOPIC", reasonFields},
	{"TOPIC 3", "TOPIC", reasonFields},
	{"TOPIC 3  4 x", "TOPIC", reasonFields},
	{"TOPIC 0 0 x", "TOPIC", reasonAddr},
	{"TOPIC 3 04 x", "TOPIC", reasonAddr},
	{"TOPIC 0 9 x", "TOPIC", reasonPlace},
	{"TOPIC 3 4 " + topic513, "TOPIC", reasonTopic},

	// OPEN, CLOSE, LIST
	{"OPEN", "OPEN", reasonFields},
	{"OPEN 3", "OPEN", reasonFields},
	{"OPEN 3 4 ", "OPEN", reasonFields},
	{"OPEN 0 0", "OPEN", reasonAddr},
	{"OPEN 0 9", "OPEN", reasonPlace},
	{"CLOSE 3 4 5", "CLOSE", reasonFields},
	{"CLOSE 0 9", "CLOSE", reasonPlace},
	{"LIST", "LIST", reasonFields},
	{"LIST 3 ", "LIST", reasonFields},
	{"LIST 3 4", "LIST", reasonFields},
	{"LIST 0", "LIST", reasonServer},
	{"LIST 9223372036854775808", "LIST", reasonServer},

	// AWAY
	{"AWAY " + away257, "AWAY", reasonAway},

	// WEBTOKEN
	{"WEBTOKEN ", "WEBTOKEN", reasonFields},
	{"WEBTOKEN x", "WEBTOKEN", reasonFields},
	{"WEBTOKEN 0 0", "WEBTOKEN", reasonFields},

	// KEY
	{"KEY", "KEY", reasonFields},
	{"KEY ", "KEY", reasonFields},
	{"KEY  mQEN", "KEY", reasonFields},
	{"KEY mQEN ", "KEY", reasonFields},
	{"KEY 0 9 x", "KEY", reasonFields},
	{"KEY 3 4", "KEY", reasonUser},
	{"KEY 0 0", "KEY", reasonUser},
	{"KEY 0 09", "KEY", reasonUser},
	{"KEY mQEN mQEN", "KEY", reasonUser},
	{"KEY 0", "KEY", reasonKey},
	{"KEY mQE", "KEY", reasonKey},      // unpadded
	{"KEY mQEN=", "KEY", reasonKey},    // padding where none is due
	{"KEY mR==", "KEY", reasonKey},     // the same byte as mQ==, with stray bits
	{"KEY ====", "KEY", reasonKey},     // nothing but padding
	{"KEY mQ-_", "KEY", reasonKey},     // the URL alphabet
	{"KEY mQ\nEN", "KEY", reasonKey},   // Strict alone would skip the LF
	{"KEY mQ\r\nEN", "KEY", reasonKey}, // and the CR
	{"KEY mQEN\x00", "KEY", reasonKey}, // a byte after the end
	{"KEY " + base64.StdEncoding.EncodeToString(keyTooBig), "KEY", reasonKey},

	// CALL
	{"CALL", "CALL", reasonFields},
	{"CALL 3 4", "CALL", reasonFields},
	{"CALL 3 4 JOIN audio video", "CALL", "expected CALL CONV JOIN [audio|video]"},
	{"CALL 3 x JOIN", "CALL", reasonAddr},
	{"CALL 0 0 JOIN", "CALL", reasonAddr},
	{"CALL 3 4 JOIN screen", "CALL", "expected CALL CONV JOIN [audio|video]"},
	{"CALL 3 4 join", "CALL", "expected JOIN, LEAVE, MEDIA, DECLINE, MUTE, UNMUTE or KICK"},
	{"CALL 3 4 LEAVE now", "CALL", reasonFields},
	{"CALL 3 4 MEDIA", "CALL", reasonFields},
	{"CALL 3 4 MEDIA cam,mic", "CALL", "expected mic, cam, screen or -"},
	{"CALL 3 4 MEDIA mic,mic", "CALL", "expected mic, cam, screen or -"},
	{"CALL 3 4 MEDIA mic,", "CALL", "expected mic, cam, screen or -"},
	{"CALL 3 4 MEDIA -,mic", "CALL", "expected mic, cam, screen or -"},
	{"CALL 3 4 MUTE 9", "CALL", reasonFields},
	{"CALL 3 4 MUTE 3 9", "CALL", reasonUser},
	{"CALL 3 4 KICK 0 0", "CALL", reasonUser},

	// RTC
	{"RTC 3 4 answer 0 1", "RTC", reasonFields},
	{"RTC 3 4 offer 0 1 e30", "RTC", "invalid RTC kind"},
	{"RTC 3 4 ice 0 1 e30", "RTC", "invalid RTC kind"},
	{"RTC 3 4 answer -1 1 e30", "RTC", "invalid RTC sequence number"},
	{"RTC 3 4 answer 01 1 e30", "RTC", "invalid RTC sequence number"},
	{"RTC 3 4 answer 1001 1 e30", "RTC", "invalid RTC sequence number"},
	{"RTC 3 4 answer 0 2 e30", "RTC", "invalid RTC last flag: 0 or 1"},
	{"RTC 3 4 answer 0 1 e3-", "RTC", "invalid RTC payload: base64, at most 3000 characters a line"},
	{"RTC 3 4 answer 0 1 " + strings.Repeat("A", MaxRTCChunk+1), "RTC", "invalid RTC payload: base64, at most 3000 characters a line"},
	{"RTC 0 0 answer 0 1 e30", "RTC", reasonAddr},
	{"RTC 3 4 p2p-offer 0 1 e30=", "RTC", "invalid RTC kind"}, // peer to peer is between two users
	{"RTC 0 9 p2p-other 0 1 e30=", "RTC", "invalid RTC kind"},
}
