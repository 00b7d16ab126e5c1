package main

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// completion is a tab completion in progress: tab again cycles through the
// candidates, any other key accepts the current one.
type completion struct {
	before, after string   // the input around the word being completed
	candidates    []string // what the word may become, with what follows it
	index         int
}

// completeInput completes the word before the cursor: a command after a
// leading slash, a command's keyword or file name, else a pseudo (members
// of the conversation on screen first).
func (m *model) completeInput(delta int) {
	if c := m.complete; c != nil {
		c.index = (c.index + delta + len(c.candidates)) % len(c.candidates)
		m.applyCompletion()
		return
	}
	value := []rune(m.input.Value())
	pos := min(m.input.Position(), len(value))
	start := pos
	for start > 0 && value[start-1] != ' ' {
		start--
	}
	before, word, after := string(value[:start]), string(value[start:pos]), string(value[pos:])
	cands := m.candidates(before, word)
	if len(cands) == 0 {
		return
	}
	m.complete = &completion{before: before, after: after, candidates: cands}
	if delta < 0 {
		m.complete.index = len(cands) - 1
	}
	m.applyCompletion()
}

func (m *model) applyCompletion() {
	c := m.complete
	m.input.SetValue(c.before + c.candidates[c.index] + c.after)
	m.input.SetCursor(utf8.RuneCountInString(c.before + c.candidates[c.index]))
}

// candidates lists the completions of word, typed after before.
func (m *model) candidates(before, word string) []string {
	fields := strings.Fields(before)
	switch {
	case before == "" && strings.HasPrefix(word, "/"):
		var out []string
		for _, c := range commands {
			if strings.HasPrefix("/"+c.name, strings.ToLower(word)) {
				out = append(out, "/"+c.name+" ")
			}
		}
		return out
	case len(fields) == 1 && fields[0] == "/new":
		return prefixed([]string{"server ", "channel "}, word)
	case len(fields) == 1 && fields[0] == "/download":
		return prefixed(m.fileNames(), word)
	case len(fields) == 1 && fields[0] == "/jeu":
		return prefixed(m.gameNames(), word)
	case len(fields) == 1 && (fields[0] == "/accept" || fields[0] == "/decline"):
		if kinds := prefixed([]string{"friend ", "invite "}, word); len(kinds) > 0 {
			return kinds
		}
	}
	at := strings.HasPrefix(word, "@")
	prefix := wire.FoldPseudo(strings.TrimPrefix(word, "@"))
	var out []string
	for _, p := range m.pseudos() {
		if strings.HasPrefix(wire.FoldPseudo(p), prefix) {
			switch {
			case at:
				out = append(out, "@"+p+" ")
			case before == "":
				out = append(out, p+": ") // addressing someone, IRC-style
			default:
				out = append(out, p+" ")
			}
		}
	}
	return out
}

func prefixed(list []string, word string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(word)) {
			out = append(out, s)
		}
	}
	return out
}

// pseudos lists the pseudos to complete: the conversation's members, then
// everyone else this user knows, each group alphabetically.
func (m *model) pseudos() []string {
	seen := map[int64]bool{}
	var out []string
	for _, u := range m.st.MemberList(m.st.Active) {
		if u.Pseudo != "" && u.Tag != m.st.Me {
			seen[u.Tag] = true
			out = append(out, u.Pseudo)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	var rest []string
	for tag, u := range m.st.Users {
		if !seen[tag] && u.Pseudo != "" && tag != m.st.Me {
			rest = append(rest, u.Pseudo)
		}
	}
	slices.SortFunc(rest, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return append(out, rest...)
}

// fileNames lists the files shared in the conversation on screen, newest
// first.
func (m *model) fileNames() []string {
	c := m.st.Convs[m.st.Active]
	if c == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i := len(c.Items) - 1; i >= 0; i-- {
		if f := c.Items[i].File; c.Items[i].Kind == client.Shared && !seen[f] {
			seen[f] = true
			out = append(out, f+" ")
		}
	}
	return out
}

// gameNames lists the games seen in any conversation.
func (m *model) gameNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range m.st.Convs {
		for _, it := range c.Items {
			if it.Kind == client.Played && !seen[it.Game] {
				seen[it.Game] = true
				out = append(out, it.Game+" ")
			}
		}
	}
	slices.Sort(out)
	return out
}
