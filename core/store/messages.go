package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// What happens to messages after they are sent: edits, deletions,
// reactions and read markers, and the reads that show them.

// EditMessage replaces the text of a text message; the full-text index
// follows by trigger. editedAt is unix milliseconds. A file message's body
// is its file's name, so it is never edited: asking to is a failed change.
func (t *Tx) EditMessage(id int64, body string, editedAt int64) error {
	return t.exec("edit message", func(db *gorm.DB) error {
		return mustChange(db.Model(&Message{}).Where("id = ? AND kind = ?", id, KindText).
			Updates(map[string]any{"body": body, "edited_at": editedAt}))
	})
}

// DeleteMessage removes a message and its reactions (and, by trigger, its
// place in the full-text index). The message counter is raised first, so
// that deleting the newest message does not give its ID to the next.
func (t *Tx) DeleteMessage(id int64) error {
	return t.exec("delete message", func(db *gorm.DB) error {
		if err := t.recordLastMessage(db); err != nil {
			return err
		}
		if err := db.Where("message_id = ?", id).Delete(&Reaction{}).Error; err != nil {
			return err
		}
		return mustChange(db.Where("id = ?", id).Delete(&Message{}))
	})
}

// DeleteFile removes a file's row, by its blob's ID; its message goes by
// DeleteMessage, in the same commit.
func (t *Tx) DeleteFile(id string) error {
	return t.exec("delete file", func(db *gorm.DB) error {
		return mustChange(db.Where("id = ?", id).Delete(&File{}))
	})
}

// AddReaction stores a user's emoji on a message; the same one twice is a
// failed change.
func (t *Tx) AddReaction(r Reaction) error {
	return t.exec("add reaction", func(db *gorm.DB) error {
		if r.At == 0 {
			r.At = now()
		}
		return db.Create(&r).Error
	})
}

// RemoveReaction takes a user's emoji back.
func (t *Tx) RemoveReaction(messageID, userID int64, emoji string) error {
	return t.exec("remove reaction", func(db *gorm.DB) error {
		return mustChange(db.Where("message_id = ? AND emoji = ? AND user_id = ?", messageID, emoji, userID).
			Delete(&Reaction{}))
	})
}

// SetReadMarker moves user's marker of c forward to id; a marker never
// moves back.
//
// The hub moves the sender's marker with every message it sends, so this
// is as hot as AddMessage, and it is buffered the same way rather than run
// at once: were it written at once, the buffered messages before it would
// have to be flushed first, and a batch of messages each followed by its
// marker would be inserted one message at a time (see docs/performance.md,
// "Full-text search"). Deferring it changes nothing that can be seen: no
// change reads a marker, moves forward ones commute with one another and
// with inserts of messages, and a change that deletes markers
// (DeleteChannel, DeleteServer) flushes the buffer before it runs. Two
// moves of one marker in a batch are written as one.
func (t *Tx) SetReadMarker(user int64, c Conversation, id int64) error {
	if c.ServerID == 0 {
		c = Direct(c.PeerLow, c.PeerHigh)
	}
	k := markerKey{user, c}
	if i, ok := t.markerIndex[k]; ok {
		t.markers[i].MessageID = max(t.markers[i].MessageID, id)
		return nil
	}
	if t.markerIndex == nil {
		t.markerIndex = map[markerKey]int{}
	}
	t.markerIndex[k] = len(t.markers)
	t.markers = append(t.markers, ReadMarker{UserID: user, ServerID: c.ServerID, ChannelTag: c.ChannelTag,
		PeerLow: c.PeerLow, PeerHigh: c.PeerHigh, MessageID: id})
	t.markerOwners = append(t.markerOwners, t.change)
	return nil
}

// visible narrows a query of messages to those not being purged (see
// inConversation, which does the same for one conversation).
func visible(q *gorm.DB) *gorm.DB {
	return q.Where("messages.server_id = 0 OR NOT EXISTS (SELECT 1 FROM purges WHERE purges.server_id = messages.server_id "+
		"AND purges.channel_tag IN (messages.channel_tag, ?))", allChannels)
}

// Message reads one visible message: found is false for one deleted, never
// stored, or in a conversation being purged. The hub's loop calls it: it
// uses the hub's connection.
func (s *Store) Message(ctx context.Context, id int64) (m Message, found bool, err error) {
	err = visible(s.loop.WithContext(ctx).Where("id = ?", id)).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("store: message: %w", err)
	}
	return m, true, nil
}

// HasReaction tells whether user gave emoji to message id. The hub's loop
// calls it: it uses the hub's connection.
func (s *Store) HasReaction(ctx context.Context, id, user int64, emoji string) (bool, error) {
	var n int64
	err := s.loop.WithContext(ctx).Model(&Reaction{}).
		Where("message_id = ? AND emoji = ? AND user_id = ?", id, emoji, user).Limit(1).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: has reaction: %w", err)
	}
	return n > 0, nil
}

// ReactionCounts returns how many users gave each emoji to message id: at
// most 20 rows, whatever the number of users. The hub's loop calls it: it
// uses the hub's connection.
func (s *Store) ReactionCounts(ctx context.Context, id int64) (map[string]int, error) {
	var rows []struct {
		Emoji string
		N     int
	}
	err := s.loop.WithContext(ctx).Model(&Reaction{}).Select("emoji, count(*) AS n").
		Where("message_id = ?", id).Group("emoji").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: reaction counts: %w", err)
	}
	counts := make(map[string]int, len(rows))
	for _, r := range rows {
		counts[r.Emoji] = r.N
	}
	return counts, nil
}

// reactionsChunk bounds the IDs one query of Reactions names: a page of
// history holds at most a few hundred messages, and SQLite's limit of
// bound parameters is far above this.
const reactionsChunk = 500

// Reactions returns the reactions of the messages ids, by message, then in
// the order they were given. Download workers call it: it uses the shared
// pool.
func (s *Store) Reactions(ctx context.Context, ids []int64) ([]Reaction, error) {
	var all []Reaction
	for part := range slices.Chunk(ids, reactionsChunk) {
		var rs []Reaction
		if err := s.db.WithContext(ctx).Where("message_id IN ?", part).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("store: reactions: %w", err)
		}
		all = append(all, rs...)
	}
	slices.SortFunc(all, func(a, b Reaction) int {
		if a.MessageID != b.MessageID {
			return cmp.Compare(a.MessageID, b.MessageID)
		}
		if a.At != b.At {
			return cmp.Compare(a.At, b.At)
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	return all, nil
}

// Page returns the limit newest visible messages of c with an ID below
// before (0: from the newest), oldest first, as HIST sends them. Download
// workers call it: it uses the shared pool.
func (s *Store) Page(ctx context.Context, c Conversation, before int64, limit int) ([]Message, error) {
	q := inConversation(s.db.WithContext(ctx), c)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var ms []Message
	if err := q.Order("id DESC").Limit(limit).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("store: page: %w", err)
	}
	slices.Reverse(ms)
	return ms, nil
}

// Markers returns every read marker of user. The hub's loop calls it: it
// uses the hub's connection.
func (s *Store) Markers(ctx context.Context, user int64) (map[Conversation]int64, error) {
	var rs []ReadMarker
	if err := s.loop.WithContext(ctx).Where("user_id = ?", user).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("store: markers: %w", err)
	}
	markers := make(map[Conversation]int64, len(rs))
	for _, r := range rs {
		markers[r.Conversation()] = r.MessageID
	}
	return markers, nil
}

// CountAfter counts the visible messages of c with an ID above after, up
// to most: a count that reaches most stops there. It reads the
// conversation's index from after on, so its cost is the count, and the
// hub's loop waits for it (it uses the hub's connection): unbounded, a
// user away from a channel of a million messages would cost a count of a
// million rows at each login (docs/performance.md, "Full-text search").
func (s *Store) CountAfter(ctx context.Context, c Conversation, after, most int64) (int64, error) {
	db := s.loop.WithContext(ctx)
	rows := inConversation(db.Model(&Message{}).Select("1"), c).Where("id > ?", after).Limit(int(most))
	var n int64
	if err := db.Table("(?) AS unread", rows).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count after: %w", err)
	}
	return n, nil
}
