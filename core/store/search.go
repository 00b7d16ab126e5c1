package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// The full-text index of text messages, as today's code reads it (migration
// 6 built it from a frozen copy of these statements; a change here needs a
// new step, and TestMigrationsBuildTheModels fails until it has one).
//
// It is an FTS5 table of two columns: body, the text, and conv, one token
// naming the conversation ("c12x3": channel 3 of server 12; "d4x9": users 4
// and 9). A search of one conversation is then `conv : "c12x3" AND body :
// (words)`, and FTS5 walks the posting lists of the conversation's token and
// of each word together, skipping through each to the next row all of them
// hold: what it reads is bounded by the shortest list, at most the
// conversation's own messages, whatever the size of the instance. Searching
// the words alone and then keeping the matches of the conversation would
// read every match of a common word in the whole instance (though it is
// cheaper for a word rare in the whole instance: docs/performance.md,
// "Full-text search", has the figures of this way, and of that one for a
// rare word).
//
// The table keeps no copy of the text (its content option is empty): results are read
// from messages by rowid, which is the message's ID. contentless_delete
// lets the triggers remove a row by its ID alone. unicode61 with
// remove_diacritics 2 folds case and accents ("École" is found by
// "ecole") and splits words on everything that is not a letter, a digit or
// a mark, so that only whole words match ("chat" does not find "chats").
//
// Triggers keep it, in the transaction that changes the message: every
// INSERT (the multi-row ones of Tx.flush included), every DELETE (a deleted
// message, the purge) and every change of a body (an edit). File messages
// (kind 1) are not indexed: their body is a file name.
var searchSchema = []string{
	`CREATE VIRTUAL TABLE messages_fts USING fts5(body, conv, content = '', contentless_delete = 1,
		tokenize = "unicode61 remove_diacritics 2")`,
	`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 0 BEGIN
		INSERT INTO messages_fts (rowid, body, conv) VALUES (new.id, new.body,
			CASE WHEN new.server_id > 0 THEN 'c' || new.server_id || 'x' || new.channel_tag
				ELSE 'd' || new.peer_low || 'x' || new.peer_high END);
	END`,
	`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 0 BEGIN
		DELETE FROM messages_fts WHERE rowid = old.id;
	END`,
	`CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages WHEN old.kind = 0 AND new.kind = 0 BEGIN
		DELETE FROM messages_fts WHERE rowid = old.id;
		INSERT INTO messages_fts (rowid, body, conv) VALUES (new.id, new.body,
			CASE WHEN new.server_id > 0 THEN 'c' || new.server_id || 'x' || new.channel_tag
				ELSE 'd' || new.peer_low || 'x' || new.peer_high END);
	END`,
}

// withoutSearchIndex is set by the salon_bench_noindex build tag only
// (noindex_bench.go): the bench's measure of the index's cost.
var withoutSearchIndex bool

// dropSearchTriggers removes the triggers that keep the index, in a
// salond built for that measure only.
func (s *Store) dropSearchTriggers() error {
	for _, t := range []string{"messages_fts_insert", "messages_fts_delete", "messages_fts_update"} {
		if err := s.loop.Exec("DROP TRIGGER IF EXISTS " + t).Error; err != nil {
			return fmt.Errorf("store: drop %s: %w", t, err)
		}
	}
	return nil
}

// convToken is the conv column's token for c, as the triggers write it.
func convToken(c Conversation) string {
	if c.ServerID > 0 {
		return fmt.Sprintf("c%dx%d", c.ServerID, c.ChannelTag)
	}
	low, high := min(c.PeerLow, c.PeerHigh), max(c.PeerLow, c.PeerHigh)
	return fmt.Sprintf("d%dx%d", low, high)
}

// findGroup is how many conversations one full-text query covers: FTS5
// merges the posting lists of a group's tokens as it goes. Measured
// (docs/performance.md, "Full-text search"), a group costs more than one
// conversation: a query of 50 tokens took 4.3 ms over an index of 1.2 M
// messages where one token took 0.23, most of it in starting the tokens'
// iterators over the index's many segments.
const findGroup = 50

// Find returns the text messages of convs that hold every word of text
// (whole words, whatever their case and accents), newest first, at most
// limit. The text is the user's own: it is cut into words here and each
// goes to FTS5 as a quoted string, so no operator, quote or column name in
// it means anything; a text without a word finds nothing. Conversations
// being purged are left out. Download workers call it: it uses the shared
// pool.
//
// Its cost is bounded whatever the instance's size. Each query covers at
// most findGroup conversations and returns at most limit rows, so at most
// limit × ⌈len(convs)/findGroup⌉ messages are read, and the queries after
// the first look only above the oldest ID still in the result (FTS5 seeks
// to it: a group whose matches are all older costs a few lookups). Inside
// one query FTS5 reads posting lists in step, led by the shortest: the
// group's messages or the rarest word's, never every match of a common
// word in the instance.
func (s *Store) Find(ctx context.Context, convs []Conversation, text string, limit int) ([]Message, error) {
	words := searchWords(text)
	if len(words) == 0 || limit < 1 {
		return nil, nil
	}
	convs, err := s.unpurged(ctx, convs)
	if err != nil {
		return nil, fmt.Errorf("store: find: %w", err)
	}
	match := " AND body : (" + strings.Join(words, " AND ") + ")"
	var found []Message
	for group := range slices.Chunk(convs, findGroup) {
		tokens := make([]string, len(group))
		for i, c := range group {
			tokens[i] = `"` + convToken(c) + `"`
		}
		var above int64 // older matches can no longer make the newest limit
		if len(found) == limit {
			above = found[limit-1].ID
		}
		var ms []Message
		err := s.db.WithContext(ctx).Raw(`SELECT * FROM messages WHERE id IN (SELECT rowid FROM messages_fts
			WHERE messages_fts MATCH ? AND rowid > ? ORDER BY rowid DESC LIMIT ?)`,
			"conv : ("+strings.Join(tokens, " OR ")+")"+match, above, limit).Scan(&ms).Error
		if err != nil {
			return nil, fmt.Errorf("store: find: %w", err)
		}
		found = append(found, ms...)
		slices.SortFunc(found, func(a, b Message) int { return cmp.Compare(b.ID, a.ID) })
		found = found[:min(len(found), limit)]
	}
	return found, nil
}

// searchWords cuts text into words as the index's tokenizer does (a word is
// a run of letters, digits and marks), each quoted for an FTS5 query. A
// quote cannot be part of a word, so none needs escaping. A word given twice
// is asked for once.
func searchWords(text string) []string {
	var words []string
	for w := range strings.FieldsFuncSeq(text, notWordRune) {
		q := `"` + strings.ToLower(w) + `"`
		if !slices.Contains(words, q) {
			words = append(words, q)
		}
	}
	return words
}

func notWordRune(r rune) bool {
	return !unicode.In(r, unicode.L, unicode.N, unicode.M, unicode.Co)
}

// unpurged returns convs without those being purged, each once, channels
// and direct conversations alike. The purges table is nearly always empty.
func (s *Store) unpurged(ctx context.Context, convs []Conversation) ([]Conversation, error) {
	var ps []purge
	if err := s.db.WithContext(ctx).Find(&ps).Error; err != nil {
		return nil, err
	}
	seen := map[Conversation]bool{}
	var kept []Conversation
	for _, c := range convs {
		if c.ServerID == 0 {
			c = Direct(c.PeerLow, c.PeerHigh)
		}
		if seen[c] || purging(ps, c) {
			continue
		}
		seen[c] = true
		kept = append(kept, c)
	}
	return kept, nil
}

// purging tells whether c is a conversation of ps.
func purging(ps []purge, c Conversation) bool {
	return c.ServerID > 0 && slices.ContainsFunc(ps, func(p purge) bool {
		return p.ServerID == c.ServerID && (p.ChannelTag == allChannels || p.ChannelTag == c.ChannelTag)
	})
}
