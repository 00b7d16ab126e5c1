package main

import (
	"strings"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/wire"
)

// What /accept and /decline act on. A pseudo alone used to pick the
// latest invitation from that person, which accepted a server invitation
// when the user meant the friend request the notice spoke of. The target
// is now named by its kind:
//
//	/accept friend alice              alice's friend request
//	/accept invite alice              alice's invitation (the only one from her)
//	/accept invite alice club/#games  alice's invitation to that place
//
// The short forms (/accept, /accept alice, /accept #games) still work
// when exactly one pending invitation fits them; when several do, nothing
// is sent and the user is told the exact command for each.

// invitation finds the received invitation a user means by args, or
// reports why there is none, or several.
func (m *model) invitation(verb string, args []string) (client.Invitation, bool) {
	kind := ""
	if len(args) > 0 {
		switch strings.ToLower(args[0]) {
		case "friend", "invite":
			kind, args = strings.ToLower(args[0]), args[1:]
		}
	}
	if len(args) > 2 || (kind != "invite" && len(args) > 1) {
		m.usage(verb)
		return client.Invitation{}, false
	}
	var match []client.Invitation
	for _, inv := range m.st.Invites {
		if inv.To != m.st.Me || !m.fits(inv, kind, args) {
			continue
		}
		match = append(match, inv)
	}
	switch len(match) {
	case 0:
		what := "no pending invitation"
		switch kind {
		case "friend":
			what = "no pending friend request"
		case "invite":
			what = "no pending invitation to a server or channel"
		}
		if len(args) > 0 {
			what += " matches " + strings.Join(args, " ")
		}
		m.fail(m.st.Active, what)
		return client.Invitation{}, false
	case 1:
		return match[0], true
	}
	choices := make([]string, len(match))
	for i, inv := range match {
		choices[i] = "/" + verb + " " + m.inviteArgs(inv)
	}
	m.fail(m.st.Active, "several invitations match: type "+strings.Join(choices, " or "))
	return client.Invitation{}, false
}

// fits reports whether inv is one that kind ("", "friend", "invite") and
// args (a pseudo, a place, or a pseudo and a place) name.
func (m *model) fits(inv client.Invitation, kind string, args []string) bool {
	friend := inv.Place.IsUser()
	switch {
	case kind == "friend" && !friend, kind == "invite" && friend:
		return false
	case len(args) == 0:
		return true
	case len(args) == 2:
		return m.fromPseudo(inv, args[0]) && matchPlace(inv, args[1])
	}
	return m.fromPseudo(inv, args[0]) || (!friend && matchPlace(inv, args[0]))
}

func (m *model) fromPseudo(inv client.Invitation, pseudo string) bool {
	return wire.FoldPseudo(m.st.Pseudo(inv.From)) == wire.FoldPseudo(strings.TrimPrefix(pseudo, "@"))
}

// matchPlace accepts a place as a user writes it: "club", "club/#games",
// "#games" or "games".
func matchPlace(inv client.Invitation, want string) bool {
	want, name := strings.ToLower(want), strings.ToLower(inv.Name())
	return name == want || strings.HasSuffix(name, "/"+want) || strings.HasSuffix(name, "/#"+strings.TrimPrefix(want, "#"))
}

// inviteArgs is what follows /accept or /decline to name inv alone.
func (m *model) inviteArgs(inv client.Invitation) string {
	return client.InvitationArgs(inv, m.st.Pseudo(inv.From))
}

// invite sends an invitation of user to place (a friend request when
// place is Home), typed in conversation from: what the server answers,
// confirmation or refusal, is told there.
func (m *model) invite(user int64, place, from wire.Addr) {
	line := wire.Head("INV", wire.User(user))
	if place != client.Home {
		line = wire.Head("INV", wire.User(user), place)
	}
	if m.send(line) {
		m.st.Asked(user, place, from)
		m.inviting = append(m.inviting, from)
	}
}
