package client_test

import (
	"fmt"
	"testing"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/core/server/servertest"
	"github.com/salon-chat/salon/core/wire"
)

func isEnd(verb string) func(client.Event) bool {
	return func(e client.Event) bool { end, ok := e.(client.End); return ok && end.Verb == verb }
}

// Part two against a real salond: direct messages received while offline
// are unread at the next login (UNREAD), reading them on one session
// clears them on the other (READ), a long conversation opens on its
// newest page and pages back with HIST, FIND finds, and replies, edits,
// reactions and deletions reach the other party's state.
func TestTagsUnreadReadHistFind(t *testing.T) {
	srv := servertest.Start(t, nil)
	alice := connect(t, fastOptions(srv.Addr), "alice", true)
	bob := connect(t, fastOptions(srv.Addr), "bob", true)
	if !alice.st.Tags || !alice.c.Tags() {
		t.Fatal("the client did not get the tags capability")
	}
	alice.send("WHO bob")
	alice.waitState("bob known", func(s *client.State) bool { return s.FindUser("bob") != nil })
	alice.send(wire.Head("INV", wire.User(bob.me())))
	bob.waitState("friend request", func(s *client.State) bool { return len(s.Invites) == 1 })
	bob.send(wire.Head("JOIN", wire.User(alice.me())))
	alice.waitState("friends", func(s *client.State) bool { return s.Friends[bob.me()] })
	bobTag := bob.me()
	bob.c.Close()

	// Offline, bob receives a long conversation.
	toBob := wire.User(bobTag)
	const total = client.PageSize + 12
	for i := 1; i <= total; i++ {
		alice.send(wire.Head("MSG", toBob, fmt.Sprintf("message %d about ecole", i)))
	}
	alice.waitState("all sent", func(s *client.State) bool {
		return lastItem(s, toBob).Text == fmt.Sprintf("message %d about ecole", total)
	})
	first := alice.st.Convs[toBob].Items[0]
	if first.ID == 0 || first.Time.IsZero() {
		t.Fatalf("own message without tags: %+v", first)
	}

	// Two sessions of bob: both say what arrived while he was away.
	bob1 := connect(t, fastOptions(srv.Addr), "bob", false)
	bob2 := connect(t, fastOptions(srv.Addr), "bob", false)
	dm := wire.User(alice.me())
	for _, b := range []*peer{bob1, bob2} {
		c := b.st.Convs[dm]
		if c == nil || c.Unread != total || c.Mentions != total || c.Newest == 0 {
			t.Fatalf("%s: unread after an offline DM: %+v", b.name, c)
		}
	}

	// bob1 opens it: only the newest page comes.
	if !bob1.st.Open(dm) {
		t.Fatal("Open should ask for the newest page")
	}
	if err := bob1.c.History(dm); err != nil {
		t.Fatal(err)
	}
	bob1.waitEvent(isEnd("HIST"))
	c := bob1.st.Convs[dm]
	if len(c.Items) != client.PageSize || c.Complete || c.Items[len(c.Items)-1].Text != fmt.Sprintf("message %d about ecole", total) {
		t.Fatalf("newest page: %d items, complete %v", len(c.Items), c.Complete)
	}
	before, ok := bob1.st.OlderCursor(dm)
	if !ok {
		t.Fatal("an older page should be there")
	}
	bob1.st.Paging(dm)
	if err := bob1.c.Older(dm, before); err != nil {
		t.Fatal(err)
	}
	bob1.waitEvent(isEnd("HIST"))
	if len(c.Items) != total || !c.Complete || c.Items[0].Text != "message 1 about ecole" {
		t.Fatalf("after paging: %d items, complete %v, first %q", len(c.Items), c.Complete, c.Items[0].Text)
	}
	for i := 1; i < len(c.Items); i++ {
		if c.Items[i].ID <= c.Items[i-1].ID {
			t.Fatalf("items out of order at %d", i)
		}
	}

	// Reading on bob1 moves the marker on bob2.
	id := bob1.st.MarkRead(dm)
	if id != c.Newest {
		t.Fatalf("MarkRead = %d, want %d", id, c.Newest)
	}
	bob1.send(wire.Head("READ", dm, id))
	bob2.waitState("read elsewhere", func(s *client.State) bool { return s.Convs[dm].Unread == 0 && s.Convs[dm].Mentions == 0 })

	// A search.
	bob1.st.StartSearch(dm, "ecole")
	if err := bob1.c.Find(dm, "ecole"); err != nil {
		t.Fatal(err)
	}
	bob1.waitEvent(isEnd("FIND"))
	res := bob1.st.Search
	if !res.Done || len(res.Results) == 0 || res.Results[0].Conv != dm || res.Results[0].Item.Text != fmt.Sprintf("message %d about ecole", total) {
		t.Fatalf("search: %+v", res)
	}
	if len(c.Items) != total {
		t.Fatal("search results went into the conversation")
	}

	// A reply, an edit, a reaction and a deletion.
	last := c.Items[len(c.Items)-1].ID
	bob1.send(fmt.Sprintf("REPLY %d yes, school", last))
	alice.waitState("reply", func(s *client.State) bool { return lastItem(s, toBob).Reply == last })
	reply := lastItem(alice.st, toBob)
	bob1.send(fmt.Sprintf("EDIT %d yes, the school", reply.ID))
	bob1.send(fmt.Sprintf("REACT %d 👍", last))
	alice.waitState("edit and reaction", func(s *client.State) bool {
		r, l := s.Item(toBob, reply.ID), s.Item(toBob, last)
		return r.Text == "yes, the school" && !r.Edited.IsZero() && len(l.Reactions) == 1 && l.Reactions[0].Emoji == "👍"
	})
	bob1.send(fmt.Sprintf("DELETE %d", reply.ID))
	alice.waitState("deletion", func(s *client.State) bool { return s.Item(toBob, reply.ID).Deleted })
	bob2.waitState("bob2 sees bob1's reply", func(s *client.State) bool { return s.Item(dm, reply.ID) != nil })
	bob2.waitState("and its deletion", func(s *client.State) bool { return s.Item(dm, reply.ID).Deleted })
}
