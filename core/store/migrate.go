package store

import (
	"fmt"

	"gorm.io/gorm"
)

// A migration moves the schema from version-1 to version. Migrations are
// only ever appended: a database records the highest version applied and
// Open runs the ones after it, each in its own transaction.
type migration struct {
	version int
	what    string
	apply   func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "initial schema", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&User{}, &Server{}, &Channel{}, &Member{}, &Friendship{},
			&Invitation{}, &Message{}, &Counter{})
	}},
	{2, "uploaded files", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&File{})
	}},
	{3, "plugins: bot owners, key/value store, wallet and ledger", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&User{}, &KVEntry{}, &Wallet{}, &LedgerEntry{})
	}},
	{4, "at-most-once wallet operations", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&LedgerEntry{})
	}},
}

// schemaVersion records the migrations applied.
type schemaVersion struct {
	Version int `gorm:"primaryKey;autoIncrement:false"`
	What    string
}

func (schemaVersion) TableName() string { return "schema_versions" }

func (s *Store) migrate() error {
	if err := s.db.AutoMigrate(&schemaVersion{}); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var current int
	if err := s.db.Model(&schemaVersion{}).Select("COALESCE(MAX(version), 0)").Scan(&current).Error; err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		err := s.db.Transaction(func(tx *gorm.DB) error {
			if err := m.apply(tx); err != nil {
				return err
			}
			return tx.Create(&schemaVersion{Version: m.version, What: m.what}).Error
		})
		if err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.version, m.what, err)
		}
	}
	return nil
}
