package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/salon-chat/salon/core/store"
)

// servePprof serves the profiler on a loopback address only: profiles show
// what the server holds, which is nobody else's business.
func servePprof(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof must be a loopback address, not %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/sqlite", serveSQLiteMemory)
	go http.Serve(ln, mux)
	return nil
}

// serveSQLiteMemory answers what SQLite's allocator holds, which no Go
// profile shows: {"memory_used": bytes, "memory_highwater": bytes,
// "malloc_arenas": the C allocator's arenas}.
func serveSQLiteMemory(w http.ResponseWriter, _ *http.Request) {
	used, peak := store.MemoryUsed()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]int64{"memory_used": used, "memory_highwater": peak,
		"malloc_arenas": int64(store.MallocArenas())})
}
