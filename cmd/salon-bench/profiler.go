package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// What the bench reads from the server through its profiler's address
// (salond -pprof): goroutines, the runtime's memory figures, SQLite's, and
// a garbage collection on demand.

// profilerGet fetches path from the profiler at addr, which must be on
// loopback.
func profilerGet(addr, path string) (io.ReadCloser, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return nil, fmt.Errorf("the profiler's address must be on loopback, not %q", addr)
	}
	cl := http.Client{Timeout: 10 * time.Second}
	resp, err := cl.Get("http://" + addr + path)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return resp.Body, nil
}

// pprofLines hands each line of a profile's text form to each.
func pprofLines(addr, profile string, each func(string)) error {
	body, err := profilerGet(addr, "/debug/pprof/"+profile+"?debug=1")
	if err != nil {
		return err
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		each(sc.Text())
	}
	return sc.Err()
}

// pprofGoroutines reads the server's goroutine count: the first line of
// the goroutine profile is "goroutine profile: total N".
func pprofGoroutines(addr string) (int64, error) {
	n := int64(-1)
	err := pprofLines(addr, "goroutine", func(line string) {
		if s, ok := strings.CutPrefix(line, "goroutine profile: total "); ok && n < 0 {
			n, _ = strconv.ParseInt(s, 10, 64)
		}
	})
	if err == nil && n < 0 {
		err = fmt.Errorf("goroutine profile: no total")
	}
	return n, err
}

// pprofMemStats reads the runtime.MemStats that end the heap profile
// ("# HeapAlloc = 123" lines), in bytes.
func pprofMemStats(addr string) (map[string]int64, error) {
	ms := map[string]int64{}
	err := pprofLines(addr, "heap", func(line string) {
		rest, comment := strings.CutPrefix(line, "# ")
		name, value, ok := strings.Cut(rest, " = ")
		if comment && ok {
			if n, err := strconv.ParseInt(value, 10, 64); err == nil {
				ms[name] = n
			}
		}
	})
	if _, ok := ms["HeapAlloc"]; err == nil && !ok {
		err = fmt.Errorf("heap profile: no MemStats")
	}
	return ms, err
}

// collectGarbage has the server run a garbage collection now.
func collectGarbage(addr string) error {
	body, err := profilerGet(addr, "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = io.Copy(io.Discard, body)
	return err
}

// sqliteKiB reads what SQLite's allocator holds from salond's
// /debug/sqlite.
func sqliteKiB(addr string) (int64, error) {
	body, err := profilerGet(addr, "/debug/sqlite")
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var v struct {
		Used int64 `json:"memory_used"`
	}
	if err := json.NewDecoder(body).Decode(&v); err != nil {
		return 0, fmt.Errorf("/debug/sqlite: %w", err)
	}
	return v.Used >> 10, nil
}

// saveHeapProfile writes the server's heap profile to file.
func saveHeapProfile(addr, file string) error {
	body, err := profilerGet(addr, "/debug/pprof/heap")
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
