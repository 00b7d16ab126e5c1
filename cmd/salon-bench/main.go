// Command salon-bench is Salon's load generator. It starts salond (or uses
// one already running), drives it over loopback with simulated users and
// reports throughput, latency and the server's CPU and memory.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"
)

// Result is one scenario's figures; -json writes them all so that two runs
// can be compared.
type Result struct {
	Scenario         string  `json:"scenario"`
	Params           string  `json:"params"`
	Seconds          float64 `json:"seconds"`
	Messages         int64   `json:"messages"`
	Deliveries       int64   `json:"deliveries"`
	PerSecond        float64 `json:"per_second"` // deliveries, or messages exported
	StoredPerSecond  float64 `json:"stored_per_second"`
	ServerCPUSeconds float64 `json:"server_cpu_seconds"`
	PerCPUSecond     float64 `json:"deliveries_per_server_cpu_second"`
	// The server process's own user and system time, beside the pinned
	// CPU's busy time above: on a shared machine another job may run on
	// the server's CPU, which the busy time counts and this does not.
	ProcessCPUSeconds float64 `json:"server_process_cpu_seconds,omitempty"`
	LatencyP50Micros  float64 `json:"latency_p50_us"`
	LatencyP99Micros  float64 `json:"latency_p99_us"`
	LatencyMaxMicros  float64 `json:"latency_max_us"`
	// The same deliveries, to the kernel's receive time rather than the
	// load generator's reading (see stampedReader).
	ArrivalP50Micros float64 `json:"arrival_p50_us,omitempty"`
	ArrivalP99Micros float64 `json:"arrival_p99_us,omitempty"`
	ServerRSSKiB     int64   `json:"server_rss_kib"`
	MiBPerSecond     float64 `json:"mib_per_second,omitempty"`
	KiBPerConnection float64 `json:"kib_per_idle_connection,omitempty"`

	// Attacks (attacks.go): the innocent user's waits are in Messages (how
	// many actions) and the latency fields, the server's peak anonymous
	// memory in ServerRSSKiB.
	Verdict        string `json:"verdict,omitempty"`
	PeakGoroutines int64  `json:"peak_goroutines,omitempty"`
	LogLines       int64  `json:"log_lines,omitempty"`
	LogErrors      int64  `json:"log_errors,omitempty"`
}

func main() {
	var o options
	flag.StringVar(&o.salond, "salond", "bin/salond", "salond binary to start when -addr is empty")
	flag.StringVar(&o.addr, "addr", "", "address of a running salond (loopback only); empty starts one")
	flag.StringVar(&o.pprof, "server-pprof", "", "have the started server serve its profiler on this loopback address")
	flag.StringVar(&o.sync, "sync", "full", "the started server's storage.sync: full (durable against power loss) or normal")
	flag.StringVar(&o.cpu, "server-cpu", "0", "CPU list the started server is pinned to with taskset (empty: no pinning)")
	flag.StringVar(&o.salondNoIndex, "salond-noindex", "bin/salond-noindex", "salond built with the salon_bench_noindex tag, without the full-text index (store-index)")
	flag.StringVar(&o.scenarios, "scenarios", "floor,fanout,fanout-rate,fanout-hook,fanout-tags,store,store-index,history,files,rtt,idle,fanout-ws,idle-ws,web-bundle", "comma-separated scenarios: floor, fanout, fanout-rate, fanout-hook, fanout-tags, store, store-index, history, files, rtt, idle, fanout-ws (fanout over /ws against TCP, in pairs), idle-ws (idle over TCP then /ws), web-bundle (the page's first load, gzipped); not by default: web-page (the page in Chromium over a channel of -web-messages: make bench-web), soak, calls (the forwarding unit under calls of -call-shapes: make bench-calls), search (find, hist and unread over a channel of -search-messages), attacks (every attack-* scenario) or one attack-* by name")
	flag.StringVar(&o.callShapes, "call-shapes", "2,10,25,10v", "calls: participants of each call measured, v for audio and video (otherwise audio only)")
	flag.StringVar(&o.echo, "echo-plugin", "bin/salon-bench-echo", "the echo plugin binary (rtt)")
	flag.StringVar(&o.wordfilter, "wordfilter", "bin/salon-wordfilter", "the wordfilter plugin binary (fanout-hook)")
	flag.IntVar(&o.rounds, "rounds", 5000, "rtt: round trips of each kind")
	flag.IntVar(&o.rate, "rate", 0, "fanout: deliveries per second to aim at (0: as fast as possible); fanout-rate always uses 400000")
	flag.IntVar(&o.idle, "idle", 2000, "idle: connections held open, logged in")
	flag.IntVar(&o.historySize, "history-messages", 100000, "history: messages in the exported channel")
	flag.IntVar(&o.searchMessages, "search-messages", 1000000, "search: messages in the searched channel")
	flag.IntVar(&o.searchChannels, "search-channels", 99, "search: other channels the reader makes and belongs to (at most 99: a user makes 100 channels at most; FIND 0 0 covers them all)")
	flag.IntVar(&o.channelMessages, "channel-messages", 2000, "search: messages in each of the other channels")
	flag.BoolVar(&o.searchKeep, "search-keep", false, "search: keep the data folder of the built channel (its path is printed)")
	flag.IntVar(&o.queries, "queries", 200, "find, hist: times each query is sent")
	flag.IntVar(&o.logins, "logins", 20, "unread: logins timed")
	flag.IntVar(&o.pairs, "pairs", 4, "fanout-tags, store-index, fanout-ws: off/on pairs run")
	flag.DurationVar(&o.pairDuration, "pair-duration", 4*time.Second, "fanout-tags, store-index, fanout-ws: time each side of a pair sends")
	flag.IntVar(&o.fileMiB, "file-mib", 64, "files: MiB uploaded then downloaded")
	flag.IntVar(&o.members, "members", 200, "fanout: members of the channel")
	flag.IntVar(&o.senders, "senders", 20, "fanout: members who send")
	flag.IntVar(&o.storeSenders, "store-senders", 100, "store: concurrent senders")
	flag.IntVar(&o.size, "size", 64, "message text bytes")
	flag.IntVar(&o.window, "window", 16, "messages a sender may have unacknowledged")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "time each scenario sends")
	flag.StringVar(&o.webDist, "web-dist", "web/dist", "web-bundle: the built page")
	flag.StringVar(&o.node, "node", "node", "web-page: the Node.js that runs the page script")
	flag.StringVar(&o.webScript, "web-script", "web/bench/page.mjs", "web-page: the page script (playwright-core from web/node_modules)")
	flag.StringVar(&o.chromium, "chromium", "/usr/bin/chromium", "web-page: the Chromium the page script drives")
	flag.IntVar(&o.webMessages, "web-messages", 1000000, "web-page: messages in the channel opened and scrolled")
	flag.IntVar(&o.webScroll, "web-scroll", 10000, "web-page: messages scrolled back")
	flag.StringVar(&o.jsonOut, "json", "", "write the results as JSON to this file")
	flag.Parse()

	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "salon-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	salond, addr, cpu, scenarios, jsonOut string
	pprof, sync                           string
	members, senders, storeSenders        int
	size, window                          int
	historySize, fileMiB, rounds          int
	searchMessages, queries, logins       int
	searchChannels, channelMessages       int
	pairs                                 int
	searchKeep                            bool
	salondNoIndex                         string
	rate, idle                            int
	webDist, node, webScript, chromium    string
	webMessages, webScroll                int
	web                                   bool // the started servers also serve the web listener (fanout-ws, idle-ws)
	echo, wordfilter                      string
	duration, pairDuration                time.Duration
	serverConfig                          string    // HCL the started servers' configuration ends with (calls: the calls block)
	serverLog                             io.Writer // when set, the started servers log at info level, as JSON, to it
	callShapes                            string
}

func run(o options) error {
	names := expandScenarios(o.scenarios)
	// One server for the scenarios that are not attacks (those start their
	// own), with the echo plugin; fanout-hook gets one of its own with a
	// message hook, so that the two fan-outs differ only by the hook.
	var srv *server
	defer removeSearchData(o.searchKeep)
	if slices.ContainsFunc(names, func(n string) bool { return !ownServer(n) }) {
		var err error
		if srv, err = startServer(o, pluginBlock("echo", o.echo, "")); err != nil {
			return err
		}
		defer srv.stop()
	}
	var results, attacks []Result
	var calls []CallResult
	var held []error
	for _, name := range names {
		if name == "calls" {
			more, err := callsScenario(o)
			calls = append(calls, more...)
			if err != nil { // the shapes measured before it are still printed
				held = append(held, fmt.Errorf("%s: %w", name, err))
			}
			continue
		}
		if a, ok := findAttack(name); ok {
			r, err := runAttack(o, a)
			attacks = append(attacks, r)
			if err != nil {
				held = append(held, fmt.Errorf("%s: %w", name, err))
			}
			continue
		}
		more, err := runScenario(srv, o, name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, more...)
	}
	if len(results) > 0 {
		printTable(results)
	}
	if len(attacks) > 0 {
		printAttackTable(attacks)
	}
	if len(calls) > 0 {
		printCallTable(calls)
	}
	if o.jsonOut != "" {
		var all any = append(results, attacks...)
		if len(calls) > 0 {
			// The calls' figures are their own: alone, their array; beside
			// other scenarios', after them.
			if len(results)+len(attacks) == 0 {
				all = calls
			} else {
				mixed := []any{}
				for _, r := range append(results, attacks...) {
					mixed = append(mixed, r)
				}
				for _, r := range calls {
					mixed = append(mixed, r)
				}
				all = mixed
			}
		}
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return errors.Join(held...)
}

// runScenario runs one of the scenarios that are not attacks.
func runScenario(srv *server, o options, name string) ([]Result, error) {
	var r Result
	var more []Result
	var err error
	switch name {
	case "fanout":
		r, err = fanout(srv, o)
	case "fanout-rate":
		fixed := o
		fixed.rate = 400000
		r, err = fanoutOwn(fixed, name, "")
	case "idle":
		r, err = idleScenario(srv, o)
	case "fanout-hook":
		r, err = fanoutOwn(o, name, pluginBlock("wordfilter", o.wordfilter, "words = [\"zzyzx\"]\n"))
	case "rtt":
		more, err = rtt(srv, o)
	case "store":
		r, err = storeScenario(srv, o)
	case "history":
		r, err = historyScenario(srv, o)
	case "files":
		more, err = filesScenario(srv, o)
	case "fanout-tags":
		more, err = fanoutTags(o)
	case "store-index":
		more, err = storeIndex(o)
	case "fanout-ws":
		more, err = fanoutWS(o)
	case "idle-ws":
		more, err = idleWS(o)
	case "web-bundle":
		more, err = webBundle(o)
	case "web-page":
		more, err = webPage(o)
	case "find", "hist", "unread":
		more, err = searchScenario(o, name)
	case "soak":
		r, err = soakScenario(srv, o)
	case "floor":
		more, err = floorScenario(o)
	default:
		return nil, fmt.Errorf("unknown scenario %q", name)
	}
	if err != nil {
		return nil, err
	}
	if more == nil {
		more = []Result{r}
	}
	return more, nil
}

// fanoutOwn runs fanout as scenario name on a server of its own, with
// plugins.
func fanoutOwn(o options, name, plugins string) (Result, error) {
	srv, err := startServer(o, plugins)
	if err != nil {
		return Result{}, err
	}
	defer srv.stop()
	r, err := fanout(srv, o)
	r.Scenario = name
	return r, err
}

// ownServer tells whether scenario name starts the servers it measures
// rather than use the run's main one.
func ownServer(name string) bool {
	if _, attack := findAttack(name); attack {
		return true
	}
	return slices.Contains(searchScenarios, name) || name == "fanout-tags" || name == "store-index" ||
		name == "fanout-ws" || name == "idle-ws" || name == "web-bundle" || name == "web-page" || name == "calls"
}

// pluginBlock is the HCL declaring a plugin for the server under test.
func pluginBlock(name, command, config string) string {
	abs, err := filepath.Abs(command)
	if err != nil {
		abs = command
	}
	return fmt.Sprintf("plugin %q {\n  command = %q\n  config {\n%s  }\n}\n", name, abs, config)
}

func printTable(results []Result) {
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "scenario\tparams\tmsgs\tper s\tstored/s\tdeliv/CPU-s\tp50 µs\tp99 µs\tmax µs\tarr p50\tarr p99\tMiB/s\tsrv CPU s\tRSS KiB\tKiB/conn\t")
	for _, r := range results {
		fmt.Fprintf(w, "%s\t%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.2f\t%d\t%.1f\t\n", r.Scenario, r.Params, r.Messages,
			r.PerSecond, r.StoredPerSecond, r.PerCPUSecond, r.LatencyP50Micros, r.LatencyP99Micros, r.LatencyMaxMicros,
			r.ArrivalP50Micros, r.ArrivalP99Micros, r.MiBPerSecond, r.ServerCPUSeconds, r.ServerRSSKiB, r.KiBPerConnection)
	}
	w.Flush()
}
