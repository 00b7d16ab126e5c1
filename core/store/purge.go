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

// PurgeStep removes at most maxRows messages of deleted servers and
// channels, oldest deletion first, in one short transaction of its own,
// and forgets each deletion whose messages are all gone. more tells
// whether some remain; a purge left pending when the process stops is
// resumed by the next PurgeStep after Open.
//
// It takes SQLite's one write lock for as long as its transaction lasts,
// as a commit does: the caller should call it where it would otherwise
// commit (between the hub's batches, while nothing is queued), so that
// it never makes a commit wait long, with maxRows small enough for a step
// to stay short (PurgeRows). A step that fails or is cancelled changes
// nothing and may simply be tried again.
func (s *Store) PurgeStep(ctx context.Context, maxRows int) (more bool, err error) {
	if maxRows < 1 {
		return false, fmt.Errorf("store: purge step of %d rows", maxRows)
	}
	db := s.db.WithContext(ctx)
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
			ids := tx.Model(&Message{}).Select("id").Where("server_id = ?", p.ServerID)
			if p.ChannelTag != allChannels {
				ids = ids.Where("channel_tag = ?", p.ChannelTag)
			}
			// A subquery rather than DELETE ... LIMIT, which SQLite has
			// only when built with an option and PostgreSQL not at all.
			res := tx.Where("id IN (?)", ids.Limit(left)).Delete(&Message{})
			if res.Error != nil {
				return res.Error
			}
			if int(res.RowsAffected) == left {
				more = true // perhaps not all gone: the next step will tell
				return nil
			}
			left -= int(res.RowsAffected)
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
