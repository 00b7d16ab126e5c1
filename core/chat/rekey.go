package chat

import (
	"strconv"
	"unicode/utf8"

	"github.com/hashicorp/go-hclog"

	"github.com/salon-chat/salon/core/store"
	"github.com/salon-chat/salon/core/wire"
)

// Pseudos are unique by wire.FoldPseudo, and stored with it (PseudoKey).
// When the fold changes (it grew from a lower-casing to Unicode's caseless
// match, NFC and width folding included), accounts made before carry an
// old key, and two of them may now fold alike: "José" typed in NFC and in
// NFD were two accounts. rekey brings every account in line with today's
// fold when the hub starts, so it runs after any future change of the fold
// too, with nothing to remember: the oldest account keeps its pseudo, and a
// newer look-alike is renamed with a numbered suffix (logged, so that the
// operator can tell its owner), which keeps it usable and unique.

// rekey returns the accounts whose stored pseudo or key must change, in ID
// order, and applies the changes to users.
func rekey(users []store.User, log hclog.Logger) []store.User {
	taken := map[string]bool{}
	var fixes []store.User
	for i := range users {
		u := &users[i]
		pseudo := wire.NormName(u.Pseudo)
		if !wire.ValidName(pseudo) {
			pseudo = u.Pseudo
		}
		key := wire.FoldPseudo(pseudo)
		for n := 2; taken[key]; n++ {
			suffix := "-" + strconv.Itoa(n)
			pseudo = cutName(wire.NormName(u.Pseudo), wire.MaxName-len(suffix)) + suffix
			key = wire.FoldPseudo(pseudo)
		}
		taken[key] = true
		if pseudo != u.Pseudo {
			log.Warn("an account's pseudo folds like an older one's: renamed", "user", u.ID, "was", u.Pseudo, "now", pseudo)
		}
		if pseudo != u.Pseudo || key != u.PseudoKey {
			u.Pseudo, u.PseudoKey = pseudo, key
			fixes = append(fixes, *u)
		}
	}
	return fixes
}

// cutName cuts s to at most n bytes, on a rune boundary.
func cutName(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
