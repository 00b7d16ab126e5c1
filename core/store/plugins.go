package store

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Plugin data: each plugin's key/value store, and the wallet shared by all.
// Writes go through Tx like everything else; reads are direct.

// KVGet reads one key of a plugin's store.
func (s *Store) KVGet(plugin, key string) ([]byte, bool, error) {
	var e KVEntry
	err := s.db.Where("plugin = ? AND key = ?", plugin, key).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: kv get: %w", err)
	}
	return e.Value, true, nil
}

// KVList returns a plugin's keys starting with prefix, in key order, at
// most limit of them.
func (s *Store) KVList(plugin, prefix string, limit int) ([]KVEntry, error) {
	var es []KVEntry
	q := s.db.Where("plugin = ?", plugin)
	if prefix != "" {
		// A range rather than LIKE: keys may hold % and _.
		q = q.Where("key >= ? AND key < ?", prefix, prefixEnd(prefix))
	}
	if err := q.Order("key").Limit(limit).Find(&es).Error; err != nil {
		return nil, fmt.Errorf("store: kv list: %w", err)
	}
	return es, nil
}

// prefixEnd is the smallest string greater than every string with prefix.
func prefixEnd(prefix string) string {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return strings.Repeat("\xff", len(prefix)+1)
}

// KVSet writes a key.
func (t *Tx) KVSet(plugin, key string, value []byte) error {
	return t.exec("kv set", func(db *gorm.DB) error {
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plugin"}, {Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"value"}),
		}).Create(&KVEntry{Plugin: plugin, Key: key, Value: value}).Error
	})
}

// KVDelete removes a key (absent is fine).
func (t *Tx) KVDelete(plugin, key string) error {
	return t.exec("kv delete", func(db *gorm.DB) error {
		return db.Where("plugin = ? AND key = ?", plugin, key).Delete(&KVEntry{}).Error
	})
}

// KVCompareAndSwap sets key to value only if its current value is old
// (oldFound false: only if it is absent). *swapped tells which.
func (t *Tx) KVCompareAndSwap(plugin, key string, old []byte, oldFound bool, value []byte, swapped *bool) error {
	return t.exec("kv compare-and-swap", func(db *gorm.DB) error {
		var e KVEntry
		err := db.Where("plugin = ? AND key = ?", plugin, key).Take(&e).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if found != oldFound || (found && string(e.Value) != string(old)) {
			*swapped = false
			return nil
		}
		*swapped = true
		return db.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "plugin"}, {Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"value"}),
		}).Create(&KVEntry{Plugin: plugin, Key: key, Value: value}).Error
	})
}

// WalletChange is one wallet operation inside a commit.
type WalletChange struct {
	User, To int64  // To: the payee of a transfer
	Amount   int64  // credited (> 0) or debited
	Debit    bool   // debit Amount from User if the balance allows
	Transfer bool   // move Amount from User to To if User's balance allows
	Plugin   string // who asks
	Reason   string
	Once     string // if set: applied only if no ledger entry of Plugin has this key
	Initial  int64  // the balance of an account seen for the first time
	OK       bool   // result: false when the balance was too low
	Balance  int64  // result: User's balance afterwards
}

// Wallet applies a wallet operation: reads the balances and writes them
// with their ledger entries in the commit's transaction, so a debit can
// never make a balance negative and nothing is lost or created.
func (t *Tx) Wallet(w *WalletChange) error {
	return t.exec("wallet", func(db *gorm.DB) error {
		bal, err := balance(db, w.User, w.Initial)
		if err != nil {
			return err
		}
		w.Balance, w.OK = bal, true
		if w.Once != "" {
			var n int64
			if err := db.Model(&LedgerEntry{}).Where("plugin = ? AND once = ?", w.Plugin, w.Once).Limit(1).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil // done before: report success, change nothing
			}
		}
		switch {
		case w.Amount == 0:
			return nil
		case w.Transfer:
			if bal < w.Amount {
				w.OK = false
				return nil
			}
			to, err := balance(db, w.To, w.Initial)
			if err != nil {
				return err
			}
			if to > math.MaxInt64-w.Amount {
				w.OK = false
				return nil
			}
			if err := move(db, w.User, -w.Amount, bal-w.Amount, w.Plugin, w.Reason, w.To, w.Once); err != nil {
				return err
			}
			w.Balance = bal - w.Amount
			return move(db, w.To, w.Amount, to+w.Amount, w.Plugin, w.Reason, w.User, "")
		case w.Debit:
			if bal < w.Amount {
				w.OK = false
				return nil
			}
			w.Balance = bal - w.Amount
			return move(db, w.User, -w.Amount, w.Balance, w.Plugin, w.Reason, 0, w.Once)
		default:
			if bal > math.MaxInt64-w.Amount {
				w.OK = false // a balance never overflows
				return nil
			}
			w.Balance = bal + w.Amount
			return move(db, w.User, w.Amount, w.Balance, w.Plugin, w.Reason, 0, w.Once)
		}
	})
}

// balance reads a user's balance, opening the account with initial chips
// (and a ledger line saying so) the first time.
func balance(db *gorm.DB, user, initial int64) (int64, error) {
	var w Wallet
	err := db.Where("user_id = ?", user).Take(&w).Error
	if err == nil {
		return w.Balance, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, err
	}
	if err := db.Create(&Wallet{UserID: user, Balance: initial}).Error; err != nil {
		return 0, err
	}
	return initial, db.Create(&LedgerEntry{UserID: user, Delta: initial, Balance: initial,
		Plugin: "salond", Reason: "opening balance", At: now()}).Error
}

func move(db *gorm.DB, user, delta, after int64, plugin, reason string, counterparty int64, once string) error {
	if err := mustChange(db.Model(&Wallet{}).Where("user_id = ?", user).Update("balance", after)); err != nil {
		return err
	}
	return db.Create(&LedgerEntry{UserID: user, Delta: delta, Balance: after, Plugin: plugin,
		Reason: reason, Counterparty: counterparty, At: now(), Once: once}).Error
}

// Ledger returns a user's ledger entries, oldest first.
func (s *Store) Ledger(user int64) ([]LedgerEntry, error) {
	var es []LedgerEntry
	err := s.db.Where("user_id = ?", user).Order("id").Find(&es).Error
	return es, err
}

// Balance reads a balance without opening an account (0, false if none).
func (s *Store) Balance(user int64) (int64, bool, error) {
	var w Wallet
	err := s.db.Where("user_id = ?", user).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, false, nil
	}
	return w.Balance, err == nil, err
}
