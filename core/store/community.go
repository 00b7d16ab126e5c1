package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Moderation, topics and what users say of themselves: moderators, bans,
// a channel's topic and openness, a user's away note and public key.

// AddModerator makes user a moderator of channel tag of server (tag 0: of
// the whole server).
func (t *Tx) AddModerator(server, tag, user int64) error {
	return t.exec("add moderator", func(db *gorm.DB) error {
		return db.Create(&Moderator{ServerID: server, ChannelTag: tag, UserID: user}).Error
	})
}

// RemoveModerator takes that role back.
func (t *Tx) RemoveModerator(server, tag, user int64) error {
	return t.exec("remove moderator", func(db *gorm.DB) error {
		return mustChange(db.Where("server_id = ? AND channel_tag = ? AND user_id = ?", server, tag, user).
			Delete(&Moderator{}))
	})
}

// AddBan keeps a user out of a server. The hub bans a user once: a second
// ban of the same user is a failed change.
func (t *Tx) AddBan(b Ban) error {
	return t.exec("add ban", func(db *gorm.DB) error {
		if b.At == 0 {
			b.At = now()
		}
		return db.Create(&b).Error
	})
}

// RemoveBan lets a user come back to a server.
func (t *Tx) RemoveBan(server, user int64) error {
	return t.exec("remove ban", func(db *gorm.DB) error {
		return mustChange(db.Where("server_id = ? AND user_id = ?", server, user).Delete(&Ban{}))
	})
}

// SetTopic sets the topic of channel tag of server, and who set it.
func (t *Tx) SetTopic(server, tag int64, topic string, by int64) error {
	return t.exec("set topic", func(db *gorm.DB) error {
		return mustChange(db.Model(&Channel{}).Where("server_id = ? AND tag = ?", server, tag).
			Updates(map[string]any{"topic": topic, "topic_by": by}))
	})
}

// SetPublic opens a channel to every member of its server, or closes it.
func (t *Tx) SetPublic(server, tag int64, public bool) error {
	return t.exec("set public", func(db *gorm.DB) error {
		return mustChange(db.Model(&Channel{}).Where("server_id = ? AND tag = ?", server, tag).Update("public", public))
	})
}

// SetAway sets a user's away note (empty: back).
func (t *Tx) SetAway(user int64, text string) error {
	return t.exec("set away", func(db *gorm.DB) error {
		return mustChange(db.Model(&User{}).Where("id = ?", user).Update("away", text))
	})
}

// SetKey stores a user's public key, replacing the one before.
func (t *Tx) SetKey(user int64, key []byte) error {
	return t.exec("set key", func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"key", "at"}),
		}).Create(&UserKey{UserID: user, Key: key, At: now()}).Error
	})
}

// Key reads a user's public key. The hub's loop calls it: it uses the
// hub's connection.
func (s *Store) Key(ctx context.Context, user int64) ([]byte, bool, error) {
	var k UserKey
	err := s.loop.WithContext(ctx).Where("user_id = ?", user).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: key: %w", err)
	}
	return k.Key, true, nil
}
