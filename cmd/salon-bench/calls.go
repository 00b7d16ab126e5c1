package main

// calls: the forwarding unit (core/call) under calls of several sizes.
// Each shape gets a salond of its own with calls on loopback; N users of
// one server's general channel join its call, each with a pion client
// (core/call/calltest, in this process) that sends synthetic RTP and
// answers the server's offers. Once everyone receives everyone else, the
// server's CPU, the packets the clients receive and their latencies are
// measured over -duration.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/salon-chat/salon/core/call/calltest"
	"github.com/salon-chat/salon/core/wire"
)

// CallResult is one call shape's figures.
type CallResult struct {
	Scenario     string  `json:"scenario"`
	Params       string  `json:"params"`
	Participants int     `json:"participants"`
	Video        bool    `json:"video"`
	Seconds      float64 `json:"seconds"`
	// Forwarded streams: one per track and receiver, N×(N−1) per kind.
	Streams int `json:"streams"`
	// Packets the clients received over the window: what the unit forwarded.
	Packets          int64   `json:"packets"`
	PacketsPerSecond float64 `json:"packets_per_second"`
	// The server process's user and system time over the window, and the
	// busy time of its pinned CPU (which counts the kernel's network work
	// done outside the process, and whatever else runs there).
	ProcessCPUSeconds float64 `json:"server_process_cpu_seconds"`
	ServerCPUSeconds  float64 `json:"server_cpu_seconds"`
	// Per forwarded stream, in % of one core, and per forwarded packet, in
	// µs of CPU; from the process's time.
	CorePercentPerStream float64 `json:"core_percent_per_stream"`
	CPUMicrosPerPacket   float64 `json:"cpu_us_per_packet"`
	// End to end: the sender's write to the receiver's read, same clock.
	AudioP50Micros float64 `json:"audio_p50_us"`
	AudioP99Micros float64 `json:"audio_p99_us"`
	VideoP50Micros float64 `json:"video_p50_us,omitempty"`
	VideoP99Micros float64 `json:"video_p99_us,omitempty"`
	// The unit's own receipt-to-resend figures, from the room's log line
	// when it closes (over the room's whole life, set-up included).
	UnitP50Micros float64 `json:"unit_p50_us"`
	UnitP99Micros float64 `json:"unit_p99_us"`
	UnitDropped   int64   `json:"unit_dropped"`
	// Resident memory: before the joins, once everyone receives everyone,
	// and the growth divided by N.
	RSSBeforeKiB      int64   `json:"server_rss_before_kib"`
	RSSAfterKiB       int64   `json:"server_rss_after_kib"`
	KiBPerParticipant float64 `json:"kib_per_participant"`
}

type callShape struct {
	n     int
	video bool
}

// parseCallShapes reads -call-shapes: "2,10,25,10v" (v: audio and video).
func parseCallShapes(list string) ([]callShape, error) {
	var shapes []callShape
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		s := callShape{video: strings.HasSuffix(f, "v")}
		n, err := strconv.Atoi(strings.TrimSuffix(f, "v"))
		if err != nil || n < 2 || n > 1000 {
			return nil, fmt.Errorf("-call-shapes: bad shape %q (2 to 1000 participants, v for video)", f)
		}
		s.n = n
		shapes = append(shapes, s)
	}
	return shapes, nil
}

func callsScenario(o options) ([]CallResult, error) {
	shapes, err := parseCallShapes(o.callShapes)
	if err != nil {
		return nil, err
	}
	var out []CallResult
	for _, s := range shapes {
		r, err := callRun(o, s)
		if err != nil {
			return out, fmt.Errorf("%d participants: %w", s.n, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// logBuffer is a salond's log, written by its process's standard error.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// roomClosed finds the unit's "room closed" line and its figures.
func (b *logBuffer) roomClosed() (map[string]any, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["@message"] == "room closed" { // hclog's JSON
			return m, true
		}
	}
	return nil, false
}

// callPeer is one participant: its protocol connection and its pion client.
type callPeer struct {
	c    *client
	pc   *calltest.Client
	conv string
	errs chan error
}

// serve answers the server's offers on the peer's connection until it
// closes: an offer comes as RTC lines of base64 pieces, the last marked.
func (p *callPeer) serve() {
	var offer wire.RTCPieces
	server, channel, _ := strings.Cut(p.conv, " ")
	conv, _ := wire.ParseAddr(server, channel)
	for line := range p.c.ctrl {
		if strings.HasPrefix(line, "ERR") {
			p.fail(fmt.Errorf("server said %q", line))
			continue
		}
		_, kind, seq, last, piece, ok := wire.ParseRTCLine(line)
		if !ok || kind != "offer" {
			continue
		}
		sdp, done, err := offer.Add(kind, seq, last, piece)
		if err != nil {
			p.fail(fmt.Errorf("offer: %w", err))
			return
		}
		if !done {
			continue
		}
		answer, err := p.pc.HandleOffer(sdp)
		if err != nil {
			p.fail(err)
			return
		}
		for _, l := range wire.RTCLines(conv, "answer", answer) {
			if err := p.c.send(strings.TrimSuffix(string(l), "\r\n")); err != nil {
				return
			}
		}
	}
}

func (p *callPeer) fail(err error) {
	select {
	case p.errs <- err:
	default:
	}
}

// trackKeys is the remote tracks a participant receives from each other one.
func trackKeys(peers []*callPeer, self int, video bool) []string {
	var keys []string
	for j, q := range peers {
		if j == self {
			continue
		}
		keys = append(keys, fmt.Sprintf("%d/mic", q.c.tag))
		if video {
			keys = append(keys, fmt.Sprintf("%d/cam", q.c.tag))
		}
	}
	return keys
}

func callRun(o options, shape callShape) (CallResult, error) {
	var log logBuffer
	own := o
	own.serverLog = &log
	own.serverConfig = fmt.Sprintf("calls {\n  udp = \"127.0.0.1:0\"\n  max_participants = %d\n}\n", max(shape.n, 2))
	srv, err := startServer(own, "")
	if err != nil {
		return CallResult{}, err
	}
	defer srv.stop()

	members, sid, err := channelMembers(srv.addr, shape.n)
	if err != nil {
		return CallResult{}, err
	}
	conv := fmt.Sprintf("%d 0", sid)
	time.Sleep(500 * time.Millisecond) // let the registrations' garbage settle before the first reading
	rss0 := srv.rssKiB()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	join := "audio"
	if shape.video {
		join = "video"
	}
	var peers []*callPeer
	defer func() {
		for _, p := range peers {
			p.c.conn.Close()
			p.pc.Close()
		}
	}()
	for _, m := range members {
		pc, err := calltest.New(calltest.Options{NoCam: !shape.video, LatencyHistogram: true})
		if err != nil {
			return CallResult{}, err
		}
		p := &callPeer{c: m, pc: pc, conv: conv, errs: make(chan error, 1)}
		peers = append(peers, p)
		go p.serve()
		if err := m.send("CALL " + conv + " JOIN " + join); err != nil {
			return CallResult{}, err
		}
		// One at a time: each join renegotiates everyone already in.
		if err := poll(ctx, func() bool { return pc.ConnectionState() == webrtc.PeerConnectionStateConnected }); err != nil {
			return CallResult{}, fmt.Errorf("participant %d did not connect: %w", len(peers), firstErr(peers, err))
		}
	}
	// Everyone receives everyone else's tracks.
	for i, p := range peers {
		for _, k := range trackKeys(peers, i, shape.video) {
			if err := p.pc.WaitPackets(ctx, k, 10); err != nil {
				return CallResult{}, fmt.Errorf("participant %d: %w", i, firstErr(peers, err))
			}
		}
	}
	time.Sleep(time.Second) // past the key frame requests and the joins' renegotiations
	rss1 := srv.rssKiB()

	snapshot := func() [][]calltest.TrackStats {
		all := make([][]calltest.TrackStats, len(peers))
		for i, p := range peers {
			for _, k := range trackKeys(peers, i, shape.video) {
				st, _ := p.pc.Track(k)
				all[i] = append(all[i], st)
			}
		}
		return all
	}
	before := snapshot()
	cpu0, proc0 := srv.cpuSeconds(), srv.processCPUSeconds()
	start := time.Now()
	time.Sleep(o.duration)
	after := snapshot()
	cpu, proc := srv.cpuSeconds()-cpu0, srv.processCPUSeconds()-proc0
	elapsed := time.Since(start).Seconds()

	var packets int64
	var audio, video calltest.LatencyHistogram
	for i := range peers {
		for j, st := range after[i] {
			packets += int64(st.Packets - before[i][j].Packets)
			h := st.Latencies
			h.Sub(&before[i][j].Latencies)
			// trackKeys alternates mic, cam with video.
			if shape.video && j%2 == 1 {
				video.Add(&h)
			} else {
				audio.Add(&h)
			}
		}
	}
	kinds := 1
	if shape.video {
		kinds = 2
	}
	streams := shape.n * (shape.n - 1) * kinds
	params := fmt.Sprintf("participants=%d %s", shape.n, join)
	r := CallResult{Scenario: "calls", Params: params, Participants: shape.n, Video: shape.video,
		Seconds: elapsed, Streams: streams, Packets: packets, PacketsPerSecond: float64(packets) / elapsed,
		ProcessCPUSeconds: proc, ServerCPUSeconds: cpu,
		CorePercentPerStream: 100 * proc / elapsed / float64(streams),
		AudioP50Micros:       us(audio.Quantile(0.5)), AudioP99Micros: us(audio.Quantile(0.99)),
		RSSBeforeKiB: rss0, RSSAfterKiB: rss1, KiBPerParticipant: float64(rss1-rss0) / float64(shape.n)}
	if packets > 0 {
		r.CPUMicrosPerPacket = proc * 1e6 / float64(packets)
	}
	if shape.video {
		r.VideoP50Micros, r.VideoP99Micros = us(video.Quantile(0.5)), us(video.Quantile(0.99))
	}

	// Everyone leaves: the room closes and logs its figures.
	for _, p := range peers {
		p.c.send("CALL " + conv + " LEAVE")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if m, ok := log.roomClosed(); ok {
			num := func(k string) float64 { f, _ := m[k].(float64); return f }
			r.UnitP50Micros = num("latency_p50") / 1e3 // slog's JSON gives durations in ns
			r.UnitP99Micros = num("latency_p99") / 1e3
			r.UnitDropped = int64(num("dropped"))
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "salon-bench: calls: no \"room closed\" line in salond's log")
			break
		}
	}
	return r, nil
}

// poll waits until cond holds (the connection's state changes wake no
// calltest Wait), or the context's error.
func poll(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// firstErr is the first error a peer's signaling reported, or err.
func firstErr(peers []*callPeer, err error) error {
	for _, p := range peers {
		select {
		case e := <-p.errs:
			return fmt.Errorf("%w (signaling: %v)", err, e)
		default:
		}
	}
	return err
}

// channelMembers registers n users in the general channel of a server the
// first of them makes, and gives them with the server's tag.
func channelMembers(addr string, n int) ([]*client, int64, error) {
	owner, err := register(addr, "owner", 1)
	if err != nil {
		return nil, 0, err
	}
	if err := owner.send("NEW SERV bench"); err != nil {
		return nil, 0, err
	}
	l, err := owner.expect("TAG ")
	if err != nil {
		return nil, 0, err
	}
	var sid int64
	fmt.Sscanf(l, "TAG %d 0", &sid)
	members := []*client{owner}
	for i := 1; i < n; i++ {
		m, err := register(addr, fmt.Sprintf("m%d", i), 1)
		if err != nil {
			return nil, 0, err
		}
		owner.send(fmt.Sprintf("INV 0 %d %d 0", m.tag, sid))
		if _, err := m.expect("INV "); err != nil {
			return nil, 0, err
		}
		m.send(fmt.Sprintf("JOIN %d 0", sid))
		if _, err := m.expect(fmt.Sprintf("GRP %d 0 ", sid)); err != nil {
			return nil, 0, err
		}
		members = append(members, m)
	}
	return members, sid, nil
}

func printCallTable(results []CallResult) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "calls\tstreams\tpkts/s\tproc CPU s\tbusy CPU s\t% core/stream\tµs CPU/pkt\taudio p50 µs\taudio p99 µs\tvideo p50 µs\tvideo p99 µs\tunit p50 µs\tunit p99 µs\tdropped\tRSS before KiB\tRSS after KiB\tKiB/participant\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%d\t%.0f\t%.2f\t%.2f\t%.3f\t%.1f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t%.0f\t\n",
			r.Params, r.Streams, r.PacketsPerSecond, r.ProcessCPUSeconds, r.ServerCPUSeconds,
			r.CorePercentPerStream, r.CPUMicrosPerPacket, r.AudioP50Micros, r.AudioP99Micros,
			r.VideoP50Micros, r.VideoP99Micros, r.UnitP50Micros, r.UnitP99Micros, r.UnitDropped,
			r.RSSBeforeKiB, r.RSSAfterKiB, r.KiBPerParticipant)
	}
	w.Flush()
}
