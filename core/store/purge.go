package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// PurgeRows is the step size PurgeStep is meant to be called with. On the
// 2-core machine it was measured on (BenchmarkPurgeStep, synchronous=FULL,
// other work keeping both cores busy), a step cost 0.5 to 1 ms however
// small, the commit and its fsync, and then 1 to 2 µs a row: 500 rows took
// 1 to 1.5 ms, 1000 rows 1.4 to 2.3 ms, 20000 rows 25 to 45 ms. 500 keeps a
// step under 2 ms, and a million messages go in 2000 steps.
const PurgeRows = 500

// PurgeStep removes at most maxRows rows of deleted servers and channels,
// messages and their reactions, oldest deletion first, in one short
// transaction of its own, and forgets each deletion whose messages are all
// gone (their entries in the full-text index go with them, by trigger).
// more tells whether some remain; a purge left pending when the process
// stops is resumed by the next PurgeStep after Open.
//
// It takes SQLite's one write lock for as long as its transaction lasts,
// as a commit does: the caller should call it where it would otherwise
// commit (between the hub's batches, while nothing is queued), so that
// it never makes a commit wait long, with maxRows small enough for a step
// to stay short (PurgeRows). A step that fails or is cancelled changes
// nothing and may simply be tried again. It uses the hub's connection.
func (s *Store) PurgeStep(ctx context.Context, maxRows int) (more bool, err error) {
	if maxRows < 1 {
		return false, fmt.Errorf("store: purge step of %d rows", maxRows)
	}
	db := s.loop.WithContext(ctx)
	// Nearly always nothing is pending: find that out without the write lock.
	var pending []purge
	if err := db.Limit(1).Find(&pending).Error; err != nil {
		return false, fmt.Errorf("store: purge: %w", err)
	}
	if len(pending) == 0 {
		return false, nil
	}
	err = db.Transaction(func(tx *gorm.DB) error {
		more = false
		var ps []purge
		if err := tx.Order("id").Find(&ps).Error; err != nil {
			return err
		}
		left := maxRows
		for _, p := range ps {
			if left == 0 {
				more = true
				return nil
			}
			removed, done, err := purgeSome(tx, p, left)
			if err != nil {
				return err
			}
			left -= removed
			if !done {
				more = true // perhaps not all gone: the next step will tell
				return nil
			}
			if err := tx.Delete(&purge{}, p.ID).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: purge: %w", err)
	}
	return more, nil
}

// purgeSome removes at most left rows of p: up to left of its messages,
// each with its reactions first. done says that it found fewer messages
// than it might have removed and removed them all, so none is left.
func purgeSome(tx *gorm.DB, p purge, left int) (removed int, done bool, err error) {
	q := tx.Model(&Message{}).Where("server_id = ?", p.ServerID)
	if p.ChannelTag != allChannels {
		q = q.Where("channel_tag = ?", p.ChannelTag)
	}
	// IDs read first rather than DELETE ... LIMIT, which SQLite has only
	// when built with an option and PostgreSQL not at all; and unordered,
	// since ordering them would sort every message of the server.
	var ids []int64
	if err := q.Limit(left).Pluck("id", &ids).Error; err != nil {
		return 0, false, err
	}
	if len(ids) == 0 {
		return 0, true, nil
	}
	// A message may hold many reactions: they count against the step too.
	res := tx.Exec("DELETE FROM reactions WHERE rowid IN (SELECT rowid FROM reactions WHERE message_id IN ? LIMIT ?)", ids, left)
	if res.Error != nil {
		return 0, false, res.Error
	}
	reactions := int(res.RowsAffected)
	if reactions == left {
		return reactions, false, nil
	}
	// What the reactions left of the step goes to messages whose reactions
	// are all gone: with fewer reactions than rows left, all are.
	found := len(ids)
	ids = ids[:min(found, left-reactions)]
	res = tx.Where("id IN ?", ids).Delete(&Message{})
	if res.Error != nil {
		return 0, false, res.Error
	}
	return reactions + int(res.RowsAffected), found < left && len(ids) == found, nil
}
