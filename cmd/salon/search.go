package main

import (
	"fmt"

	"github.com/salon-chat/salon/client"
)

// The search pane takes the conversation's place: results newest first,
// up/down to choose, enter to open the conversation at that message, esc
// to come back.

func (m *model) searchKey(key string) {
	x := &m.ext
	s := m.st.Search
	n := 0
	if s != nil {
		n = len(s.Results)
	}
	switch key {
	case "up", "k":
		x.found = max(0, x.found-1)
	case "down", "j":
		x.found = min(max(0, n-1), x.found+1)
	case "esc", "q":
		x.search = false
	case "enter":
		if x.found < n {
			r := s.Results[x.found]
			x.search = false
			m.jumpToResult(r)
		}
	}
}

// jump opens a result's conversation with the message selected, paging
// back until it is loaded.
func (m *model) jumpToResult(r client.Result) {
	m.open(r.Conv)
	m.ext.search = false
	if m.st.Item(r.Conv, r.Item.ID) != nil {
		m.ext.selecting, m.ext.sel = true, r.Item.ID
		m.showSelected()
	} else {
		m.ext.jumpTo = r.Item.ID
		m.maybeOlder()
	}
	m.setStatus("selecting: up/down move · r reply · e edit · d delete · + react · esc done", true)
}

func (m *model) drawSearch(width, height int) []string {
	s := m.st.Search
	var lines []string
	if s == nil {
		return padLines(lines, width, height)
	}
	where := "everywhere"
	if s.In != client.Home {
		where = "in " + m.st.ConversationName(s.In)
	}
	head := fmt.Sprintf("SEARCH “%s” %s", s.Query, where)
	switch {
	case !s.Done:
		head += " — searching…"
	default:
		head += fmt.Sprintf(" — %d found · up/down choose · enter go there · esc close", len(s.Results))
	}
	lines = append(lines, fit(styles.header.Render(head), width))
	first := 0
	if room := height - 1; m.ext.found >= room {
		first = m.ext.found - room + 1
	}
	for i := first; i < len(s.Results) && len(lines) < height; i++ {
		r := s.Results[i]
		it := r.Item
		text := it.Text
		if it.Kind == client.Shared {
			text = "[file] " + it.File
		}
		line := fit(styles.faint.Render(m.st.ConversationName(r.Conv)+" "+it.Time.Local().Format("2006-01-02 15:04"))+" "+
			m.st.Pseudo(it.Author)+" │ "+displayable(text), width)
		if i == m.ext.found {
			line = styles.selected.Render(line)
		}
		lines = append(lines, line)
	}
	return padLines(lines, width, height)
}

func padLines(lines []string, width, height int) []string {
	for len(lines) < height {
		lines = append(lines, spaces(width))
	}
	return lines[:height]
}
