package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The web client's page benchmarks. web-bundle needs only the built page
// (web/dist) and runs in make bench; web-page (make bench-web) needs Node
// with web/node_modules and Chromium, and builds a channel of a million
// messages first.

// assetRef finds the files index.html loads: scripts and stylesheets.
var assetRef = regexp.MustCompile(`(?:src|href)="/?([^"?#]+\.(?:js|css))"`)

// webBundle reports what the first load of the page costs the network:
// index.html and every script and stylesheet it names, each gzipped at
// the best level (a server or proxy compressing them sends about this),
// and their sum against the target of 150 KB.
func webBundle(o options) ([]Result, error) {
	index := filepath.Join(o.webDist, "index.html")
	html, err := os.ReadFile(index)
	if err != nil {
		return nil, fmt.Errorf("the built page (make web): %w", err)
	}
	files := []string{"index.html"}
	for _, m := range assetRef.FindAllStringSubmatch(string(html), -1) {
		files = append(files, m[1])
	}
	if len(files) == 1 {
		return nil, fmt.Errorf("%s names no script or stylesheet", index)
	}
	var raw, packed int64
	var parts []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(o.webDist, f))
		if err != nil {
			return nil, err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		raw += int64(len(b))
		packed += int64(z.Len())
		parts = append(parts, fmt.Sprintf("%s=%d/%d", f, len(b), z.Len()))
	}
	fmt.Printf("web-bundle: first load %.1f KB gzipped (%.1f KB raw; target under 150 KB): %s\n",
		float64(packed)/1000, float64(raw)/1000, strings.Join(parts, " "))
	return []Result{{Scenario: "web-bundle", Params: fmt.Sprintf("files=%d raw=%dB gzip=%dB", len(files), raw, packed),
		Messages: int64(len(files))}}, nil
}

// pageFigures is what web/bench/page.mjs reports (its RESULT line).
type pageFigures struct {
	ScrollBack          int         `json:"scrollBack"`
	LoginFormMs         float64     `json:"loginFormMs"`
	LoggedInMs          float64     `json:"loggedInMs"`
	FirstConversationMs float64     `json:"firstConversationMs"`
	BigFirstMessagesMs  float64     `json:"bigFirstMessagesMs"`
	AfterFirst          tabMemory   `json:"afterFirstConversation"`
	Before              tabMemory   `json:"before"`
	After               tabMemory   `json:"after"`
	Walk                pageScrolls `json:"walk"`
}

type tabMemory struct {
	JSHeapUsedBytes float64 `json:"jsHeapUsedBytes"`
	DOMNodes        float64 `json:"domNodes"`
	Elements        int     `json:"elements"`
}

type pageScrolls struct {
	Newest, Oldest int64
	Pages          int
	Ms             float64
	MaxElements    int `json:"maxElements"`
	MaxRows        int `json:"maxRows"`
	RowsAtEnd      int `json:"rowsAtEnd"`
}

// webPage builds a channel of o.webMessages messages (as the search group
// does, through core/store), adds a small server of a few messages over
// the protocol, then runs web/bench/page.mjs in Chromium against a server
// with its web listener, logged in as the channel's reader.
func webPage(o options) ([]Result, error) {
	o.web = true
	bo := o
	bo.searchMessages, bo.searchChannels, bo.channelMessages = o.webMessages, 0, 0
	d, err := buildSearchData(bo)
	if err != nil {
		return nil, fmt.Errorf("building the channel: %w", err)
	}
	defer os.RemoveAll(d.dir)
	srv, err := startServerOn(o, "", d.data)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := waitWeb(srv.web); err != nil {
		return nil, err
	}
	// The small conversation: a server of the reader's with 20 messages.
	c, err := dial(srv.addr, 1)
	if err != nil {
		return nil, err
	}
	c.send("IAM " + d.reader + " bench-password")
	if _, err := c.expect("GRP 0 "); err != nil {
		return nil, err
	}
	c.send("NEW SERV small")
	var small int64
	for {
		l, err := c.expect("TAG ")
		if err != nil {
			return nil, err
		}
		if _, err := fmt.Sscanf(l, "TAG %d 0 small", &small); err == nil {
			break
		}
	}
	const smallMessages = 20
	for i := range smallMessages {
		c.send(fmt.Sprintf("MSG %d 0 %d hello number %d", small, time.Now().UnixNano(), i))
	}
	for deadline := time.Now().Add(30 * time.Second); c.received.Load() < smallMessages; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the small channel's messages were not all echoed")
		}
	}
	c.conn.Close()

	cmd := exec.Command(o.node, o.webScript)
	cmd.Env = append(os.Environ(),
		"SALON_URL=http://"+srv.web+"/",
		"SALON_PSEUDO="+d.reader, "SALON_PASSWORD=bench-password",
		"SALON_SMALL=small", "SALON_BIG=big",
		fmt.Sprintf("SALON_SCROLL=%d", o.webScroll),
		"SALON_CHROMIUM="+o.chromium)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cpu0 := srv.processCPUSeconds()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s %s: %w", o.node, o.webScript, err)
	}
	var f *pageFigures
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "RESULT "); ok {
			f = new(pageFigures)
			if err := json.Unmarshal([]byte(rest), f); err != nil {
				return nil, fmt.Errorf("the page script's result: %w", err)
			}
		} else {
			fmt.Println("web-page:", sc.Text())
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("the page script: %w", err)
	}
	if f == nil {
		return nil, fmt.Errorf("the page script reported nothing")
	}
	mib := func(b float64) float64 { return b / (1 << 20) }
	fmt.Printf("web-page: login form %.0f ms, logged in %.0f ms, first conversation %.0f ms after navigation\n",
		f.LoginFormMs, f.LoggedInMs, f.FirstConversationMs)
	fmt.Printf("web-page: channel of %d messages: first messages %.0f ms after the click\n", d.messages, f.BigFirstMessagesMs)
	fmt.Printf("web-page: before scrolling: JS heap %.1f MiB, %d elements (%0.f DOM nodes)\n",
		mib(f.Before.JSHeapUsedBytes), f.Before.Elements, f.Before.DOMNodes)
	fmt.Printf("web-page: scrolled back %d messages (%d to %d) in %d pages, %.1f s; rows at most %d, elements at most %d\n",
		f.Walk.Newest-f.Walk.Oldest, f.Walk.Newest, f.Walk.Oldest, f.Walk.Pages, f.Walk.Ms/1000, f.Walk.MaxRows, f.Walk.MaxElements)
	fmt.Printf("web-page: after scrolling: JS heap %.1f MiB, %d elements (%0.f DOM nodes), %d rows\n",
		mib(f.After.JSHeapUsedBytes), f.After.Elements, f.After.DOMNodes, f.Walk.RowsAtEnd)
	r := Result{Scenario: "web-page", Seconds: f.Walk.Ms / 1000, Messages: f.Walk.Newest - f.Walk.Oldest,
		ServerCPUSeconds: srv.processCPUSeconds() - cpu0, ServerRSSKiB: srv.rssKiB(),
		Params: fmt.Sprintf("messages=%d first-conversation=%.0fms first-messages=%.0fms heap=%.1f->%.1fMiB elements=%d->%d(max %d)",
			d.messages, f.FirstConversationMs, f.BigFirstMessagesMs, mib(f.Before.JSHeapUsedBytes), mib(f.After.JSHeapUsedBytes),
			f.Before.Elements, f.After.Elements, f.Walk.MaxElements)}
	return []Result{r}, nil
}
