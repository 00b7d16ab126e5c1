package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/salon-chat/salon/core/store"
)

// The search group (make bench-search): FIND, HIST and the login's UNREAD
// over one channel of -search-messages messages (a million by default).
// Building that channel takes a while, so the group is not in the default
// list. The messages are written straight into the data folder through
// core/store's own commit path, in large batches: the rows and the
// full-text index are those salond writes (the index kept by its triggers,
// in the same transactions), only without the wire and the group commit's
// small batches. A bench server then opens the folder.

// searchGroup is the scenario name that stands for find, hist and unread.
const searchGroup = "search"

var searchScenarios = []string{"find", "hist", "unread"}

// The words of the built channel. Ordinary words are made of the
// syllables below and drawn with Zipf's law, so a few are in most
// messages and most are in few; the special words hold letters no
// syllable has (h, y, w, c), so they are only where they are put.
var syllables = []string{"ka", "lo", "mi", "nu", "re", "so", "ta", "vi", "be", "do", "fa", "gu", "pe", "ri", "ze", "xo"}

const (
	vocabulary   = 2000     // ordinary words
	rareWord     = "rhythm" // in one message of every rareEvery
	rareEvery    = 10000
	uniqueWord   = "hymn" // in one message, near the oldest
	absentWord   = "wych" // in none
	wordsPerText = 10     // words of a message, about
)

// vocabWord is ordinary word k (k < vocabulary): its digits in base 16,
// two at least, as syllables.
func vocabWord(k int) string {
	var b strings.Builder
	for n := k + len(syllables); n > 0; n /= len(syllables) {
		b.WriteString(syllables[n%len(syllables)])
	}
	return b.String()
}

// searchData is the folder holding the built channel, shared by the
// group's scenarios in one run.
type searchData struct {
	dir, data      string
	sid            int64 // the server whose general channel holds the messages
	first, last    int64 // the IDs of the messages written, every channel's
	messages       int   // in the general channel
	chans          []int64
	perChan        int // messages in each of chans
	built          time.Duration
	reader, writer string // the reader belongs to every channel and has read none of the general one
	readerTag      int64
	counts         []int // of tallied
}

var builtSearch *searchData

// searchScenario runs one scenario of the group, building the channel
// first if this run has not yet.
func searchScenario(o options, name string) ([]Result, error) {
	if builtSearch == nil {
		d, err := buildSearchData(o)
		if err != nil {
			return nil, fmt.Errorf("building the channel: %w", err)
		}
		builtSearch = d
	}
	d := builtSearch
	srv, err := startServerOn(o, "", d.data)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	switch name {
	case "find":
		return d.find(srv, o)
	case "hist":
		return d.hist(srv, o)
	default:
		return d.unread(srv, o)
	}
}

// removeSearchData removes the built channel's folder at the end of a run,
// unless keep (-search-keep: to look into the database afterwards).
func removeSearchData(keep bool) {
	if builtSearch == nil {
		return
	}
	if keep {
		fmt.Printf("search: the data folder is kept: %s\n", builtSearch.data)
	} else {
		os.RemoveAll(builtSearch.dir)
	}
	builtSearch = nil
}

// buildSearchData registers the reader and the writer on a bench server
// (the reader's server, the writer a member of it), stops it, and writes
// the messages into its database.
func buildSearchData(o options) (*searchData, error) {
	dir, err := os.MkdirTemp("", "salon-search-")
	if err != nil {
		return nil, err
	}
	d := &searchData{dir: dir, data: filepath.Join(dir, "data"), reader: "reader", writer: "writer",
		messages: o.searchMessages, perChan: o.channelMessages}
	var writerTag int64
	err = func() error {
		srv, err := startServerOn(o, "", d.data)
		if err != nil {
			return err
		}
		defer srv.stop()
		r, err := register(srv.addr, d.reader, 1)
		if err != nil {
			return err
		}
		defer r.conn.Close()
		d.readerTag = r.tag
		w, err := register(srv.addr, d.writer, 1)
		if err != nil {
			return err
		}
		defer w.conn.Close()
		writerTag = w.tag
		r.send("NEW SERV big")
		l, err := r.expect("TAG ")
		if err != nil {
			return err
		}
		fmt.Sscanf(l, "TAG %d 0", &d.sid)
		k := &club{addr: srv.addr, owner: r, sid: d.sid}
		for i := range o.searchChannels {
			tag, err := k.channel(fmt.Sprintf("c%d", i+1))
			if err != nil {
				return err
			}
			d.chans = append(d.chans, tag)
		}
		r.send(fmt.Sprintf("INV 0 %d %d 0", w.tag, d.sid))
		if _, err := w.expect("INV "); err != nil {
			return err
		}
		w.send(fmt.Sprintf("JOIN %d 0", d.sid))
		_, err = w.expect(fmt.Sprintf("GRP %d 0 ", d.sid))
		return err
	}()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	start := time.Now()
	if err := d.write(writerTag); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	d.built = time.Since(start)
	for i, ws := range tallied {
		var words []string
		for _, w := range ws {
			words = append(words, vocabWord(w))
		}
		fmt.Printf("search: %q in %d messages of the general channel\n", strings.Join(words, " "), d.counts[i])
	}
	total := d.messages + len(d.chans)*d.perChan
	fmt.Printf("search: %d messages (%d in the general channel, %d in each of %d others) written in %v (%.0f a second, through core/store with the index)\n",
		total, d.messages, d.perChan, len(d.chans), d.built.Round(time.Millisecond), float64(total)/d.built.Seconds())
	return d, nil
}

// searchBatch is how many messages one commit of the build writes.
const searchBatch = 20000

// write stores the messages, by the writer, a millisecond apart, numbered
// after everything the database holds as the hub would number them: the
// general channel's and the other channels' in a shuffled order, so that
// every channel's messages are spread over the whole span of IDs (a
// search of every conversation then finds recent matches in each). The
// reader's marker is put at the newest message of every other channel:
// only the general channel is unread.
func (d *searchData) write(author int64) error {
	return openFilling(d.data, func(st *store.Store, snap *store.Snapshot) error {
		return d.writeInto(st, snap, author)
	})
}

func (d *searchData) writeInto(st *store.Store, snap *store.Snapshot, author int64) error {
	total := d.messages + len(d.chans)*d.perChan
	d.first = snap.LastMessage + 1
	d.last = d.first + int64(total) - 1
	// where[k] is the channel of message k: 0 the general one, i the
	// i-th of d.chans.
	where := make([]int32, total)
	for i := range d.chans {
		for j := range d.perChan {
			where[d.messages+i*d.perChan+j] = int32(i + 1)
		}
	}
	shuffle := rand.New(rand.NewPCG(14, 3))
	shuffle.Shuffle(total, func(a, b int) { where[a], where[b] = where[b], where[a] })
	newest := make([]int64, len(d.chans)+1)
	rng := rand.New(rand.NewPCG(14, 1))
	zipf := rand.NewZipf(rng, 1.07, 1, vocabulary-1)
	words := make([]string, vocabulary)
	for k := range words {
		words[k] = vocabWord(k)
	}
	sent := time.Now().Add(-time.Duration(total) * time.Millisecond).UnixNano()
	var text []string
	general := 0 // messages of the general channel so far
	for done := 0; done < total; {
		n := min(searchBatch, total-done)
		batch := make([]store.Message, n)
		for j := range batch {
			k := done + j
			id := d.first + int64(k)
			newest[where[k]] = id
			text = text[:0]
			for range wordsPerText - 2 + rng.IntN(5) {
				text = append(text, words[zipf.Uint64()])
			}
			m := store.Message{ID: id, ServerID: d.sid, AuthorID: author, Kind: store.KindText,
				SentAt: sent + int64(k)*int64(time.Millisecond)}
			if c := where[k]; c > 0 {
				m.ChannelTag = d.chans[c-1]
			} else {
				// The special words are in the general channel only.
				if general%rareEvery == rareEvery/2 {
					text = append(text, rareWord)
				}
				if general == d.messages/100 {
					text = append(text, uniqueWord)
				}
				general++
				d.tally(text)
			}
			m.Body = strings.Join(text, " ")
			batch[j] = m
		}
		last := done+n == total
		err := st.Commit([]store.Change{func(tx *store.Tx) error {
			for _, m := range batch {
				if err := tx.AddMessage(m); err != nil {
					return err
				}
			}
			if !last {
				return nil
			}
			for i, tag := range d.chans {
				if err := tx.SetReadMarker(d.readerTag, store.ChannelConversation(d.sid, tag), newest[i+1]); err != nil {
					return err
				}
			}
			return nil
		}})
		if err != nil {
			return err
		}
		done += n
	}
	return nil
}

// tallied are the words and pairs of words whose messages in the general
// channel the build counts, so that the figures can say how common each
// query's words are.
var tallied = [][]int{{0}, {0, 1}, {200}, {50}, {51}, {50, 51}}

// tally counts text in d.counts, for each of tallied it holds.
func (d *searchData) tally(text []string) {
	if d.counts == nil {
		d.counts = make([]int, len(tallied))
	}
	for i, ws := range tallied {
		all := true
		for _, w := range ws {
			all = all && slices.Contains(text, vocabWord(w))
		}
		if all {
			d.counts[i]++
		}
	}
}

// login logs the reader in on a tags connection.
func (d *searchData) login(srv *server) (*client, error) {
	c, err := dial(srv.addr, 1)
	if err != nil {
		return nil, err
	}
	c.send("CAP REQ tags")
	c.send("IAM " + d.reader + " bench-password")
	if _, err := c.expect("TAG 0 "); err != nil {
		c.conn.Close()
		return nil, err
	}
	// The burst is over once a PING sent after IAM is answered.
	c.send("PING ready")
	if _, err := c.expect("PONG ready"); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// timeQueries sends each query in turn and waits for the line that ends its
// answer, starting with end; it returns the times and the last end line.
func timeQueries(c *client, queries []string, end string) ([]int64, string, error) {
	var times []int64
	var last string
	for _, q := range queries {
		start := time.Now()
		if err := c.send(q); err != nil {
			return nil, "", err
		}
		l, err := c.expect(end)
		if err != nil {
			return nil, "", err
		}
		times = append(times, time.Since(start).Nanoseconds())
		last = l
	}
	return times, last, nil
}

// searchResult is a row of the group: one kind of query, repeated.
func (d *searchData) searchResult(srv *server, name, params string, times []int64, cpu float64) Result {
	var total int64
	for _, t := range times {
		total += t
	}
	r := Result{Scenario: name, Params: fmt.Sprintf("messages=%d %s", d.messages, params), Messages: int64(len(times)),
		Seconds: float64(total) / 1e9, ServerCPUSeconds: cpu, ServerRSSKiB: srv.rssKiB()}
	if total > 0 {
		r.PerSecond = float64(len(times)) / r.Seconds
	}
	r.LatencyP50Micros, r.LatencyP99Micros, r.LatencyMaxMicros = percentiles(times)
	return r
}

// find times FIND in the channel, and over all of the reader's
// conversations (FIND 0 0), for words of every frequency: each query
// o.queries times, one at a time.
func (d *searchData) find(srv *server, o options) ([]Result, error) {
	c, err := d.login(srv)
	if err != nil {
		return nil, err
	}
	defer c.conn.Close()
	conv := fmt.Sprintf("%d 0", d.sid)
	kinds := []struct{ name, text, conv string }{
		{"common", vocabWord(0), conv},
		{"common-pair", vocabWord(0) + " " + vocabWord(1), conv},
		{"medium", vocabWord(200), conv},
		{"rare-pair", vocabWord(50) + " " + vocabWord(51), conv},
		{"rare", rareWord, conv},
		{"common-rare", vocabWord(0) + " " + rareWord, conv},
		{"unique", uniqueWord, conv},
		{"none", absentWord, conv},
		{"all-common", vocabWord(0), "0 0"},
		{"all-rare", rareWord, "0 0"},
		{"all-none", absentWord, "0 0"},
	}
	var rows []Result
	for _, k := range kinds {
		queries := make([]string, o.queries)
		for i := range queries {
			queries[i] = fmt.Sprintf("FIND %s %s", k.conv, k.text)
		}
		cpu0 := srv.processCPUSeconds()
		times, last, err := timeQueries(c, queries, "FIND ")
		if err != nil {
			return nil, fmt.Errorf("FIND %s: %w", k.text, err)
		}
		params := fmt.Sprintf("%q %s", k.text, last)
		if k.conv == "0 0" {
			params = fmt.Sprintf("conversations=%d %s", 1+len(d.chans), params)
		}
		rows = append(rows, d.searchResult(srv, "find-"+k.name, params, times,
			srv.processCPUSeconds()-cpu0))
	}
	return rows, nil
}

// hist times HIST of 200 messages from the newest, then from random
// places in the middle half of the channel.
func (d *searchData) hist(srv *server, o options) ([]Result, error) {
	c, err := d.login(srv)
	if err != nil {
		return nil, err
	}
	defer c.conn.Close()
	conv := fmt.Sprintf("%d 0", d.sid)
	rng := rand.New(rand.NewPCG(14, 2))
	span := d.last - d.first + 1
	var rows []Result
	for _, kind := range []string{"newest", "middle"} {
		queries := make([]string, o.queries)
		for i := range queries {
			before := int64(0)
			if kind == "middle" {
				before = d.first + span/4 + rng.Int64N(span/2)
			}
			queries[i] = fmt.Sprintf("HIST %s %d 200", conv, before)
		}
		cpu0 := srv.processCPUSeconds()
		times, last, err := timeQueries(c, queries, "HIST ")
		if err != nil {
			return nil, err
		}
		if last != fmt.Sprintf("HIST %s 200", conv) {
			return nil, fmt.Errorf("HIST answered %q", last)
		}
		rows = append(rows, d.searchResult(srv, "hist-"+kind, "limit=200", times, srv.processCPUSeconds()-cpu0))
	}
	return rows, nil
}

// unread times the reader's login on a tags connection, from IAM to the
// PONG of a PING sent with it (after the burst and its UNREAD of the
// whole channel), o.logins times, each on a new connection after the last
// one closed.
func (d *searchData) unread(srv *server, o options) ([]Result, error) {
	var times []int64
	var line string
	cpu0 := srv.processCPUSeconds()
	for range o.logins {
		c, err := dial(srv.addr, 1)
		if err != nil {
			return nil, err
		}
		c.send("CAP REQ tags")
		if _, err := c.expect("CAP ACK"); err != nil {
			return nil, err
		}
		start := time.Now()
		c.send("IAM " + d.reader + " bench-password")
		c.send("PING login")
		for {
			l, err := c.expect("")
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(l, "UNREAD ") {
				line = l
			}
			if l == "PONG login" {
				break
			}
		}
		times = append(times, time.Since(start).Nanoseconds())
		c.conn.Close()
		// The next login must be the user's first session again.
		time.Sleep(20 * time.Millisecond)
	}
	if line == "" {
		return nil, errors.New("no UNREAD line in the burst")
	}
	return []Result{d.searchResult(srv, "unread-login", fmt.Sprintf("unread=all %q", line), times, srv.processCPUSeconds()-cpu0)}, nil
}
