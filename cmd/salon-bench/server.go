package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is the salond under test.
type server struct {
	addr string
	web  string // its web listener (/ws), when o.web asked for one
	pid  int
	cmd  *exec.Cmd
	dir  string

	pprof  string        // where its profiler listens, if it has one
	exited chan struct{} // closed once the process has ended
	cpus   []int         // the CPUs it is pinned to; nil when it is not
}

// startServer starts salond on a fresh data folder and a free loopback port,
// pinned to o.cpu, with cheap password hashing (logins are not what these
// scenarios measure). The main server (the one with plugins) also serves
// its profiler: on o.pprof, or on a free loopback port.
func startServer(o options, plugins string) (*server, error) {
	return startServerOn(o, plugins, "")
}

// startServerOn is startServer on the data folder dataDir, which outlives
// the server (an attack sets its data up on this server, then attacks it
// on one with the default configuration); "" is a fresh folder, removed
// when the server stops. A port found free may be taken by the time salond
// binds it; salond then exits at once, and the start is tried again on
// other ports.
func startServerOn(o options, plugins, dataDir string) (*server, error) {
	if o.addr != "" {
		host, _, err := net.SplitHostPort(o.addr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-addr must be a loopback address, got %q", o.addr)
		}
		return &server{addr: o.addr, pprof: o.pprof}, nil
	}
	return retryStart(func() (*server, error) { return startServerOnce(o, plugins, dataDir) })
}

var errExitedEarly = errors.New("salond exited before accepting connections")

// retryStart tries start up to three times while salond exits at once
// (another process took the port between the check and the bind).
func retryStart(start func() (*server, error)) (*server, error) {
	for attempt := 1; ; attempt++ {
		s, err := start()
		if !errors.Is(err, errExitedEarly) || attempt == 3 {
			return s, err
		}
	}
}

func startServerOnce(o options, plugins, dataDir string) (*server, error) {
	dir, err := os.MkdirTemp("", "salon-bench-")
	if err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	if dataDir == "" {
		dataDir = filepath.Join(dir, "data")
	}
	logBlock := "level = \"warn\""
	stderr := io.Writer(os.Stderr)
	if o.serverLog != nil {
		// The scenario reads the server's log: info lines, as JSON.
		logBlock = "level = \"info\"\n  format = \"json\""
		stderr = o.serverLog
	}
	cfg := fmt.Sprintf("listen = %q\ndata_dir = %q\nlog {\n  %s\n}\npasswords {\n  time = 1\n  memory_kib = 64\n}\nlimits {\n  send_queue_bytes = 67108864\n  messages_per_second = 100000\n  message_burst = 100000\n  registrations_per_hour = 100000\n  connections_per_address = 100000\n}\nfiles {\n  max_bytes = 1099511627776\n}\nstorage {\n  sync = %q\n}\n%s",
		addr, dataDir, logBlock, o.sync, plugins+o.serverConfig)
	var web string
	if o.web {
		// The WebSocket scenarios: the same server with the web listener
		// on a loopback port of its own.
		if web, err = freeLoopbackAddr(); err != nil {
			return nil, err
		}
		cfg += fmt.Sprintf("web {\n  listen = %q\n}\n", web)
	}
	cfgFile := filepath.Join(dir, "bench.hcl")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	args := []string{o.salond, "-config", cfgFile}
	var pprof string
	if plugins != "" || o.web {
		// Only the main server profiles on o.pprof: two cannot share the
		// address. The web scenarios' servers profile on a port of their
		// own (idle-ws asks them to collect their garbage through it).
		if pprof = o.pprof; pprof == "" || plugins == "" {
			if pprof, err = freeLoopbackAddr(); err != nil {
				return nil, err
			}
		}
		args = append(args, "-pprof", pprof)
	}
	srv, err := spawn(o, args, dir, addr, pprof, stderr)
	if srv != nil {
		srv.web = web
	}
	return srv, err
}

// spawn runs the salond command line args, pinned to o.cpu, with its
// standard error to stderr, and waits until it accepts connections on
// addr. dir is the folder removed when it stops.
func spawn(o options, args []string, dir, addr, pprof string, stderr io.Writer) (*server, error) {
	var cpus []int
	if o.cpu != "" {
		if path, err := exec.LookPath("taskset"); err == nil {
			args = append([]string{path, "-c", o.cpu}, args...)
			if cpus, err = parseCPUList(o.cpu); err != nil {
				return nil, err
			}
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s := &server{addr: addr, pprof: pprof, pid: cmd.Process.Pid, cmd: cmd, dir: dir, exited: exited, cpus: cpus}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-exited:
			os.RemoveAll(dir)
			return nil, errExitedEarly
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("salond did not start on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		<-s.exited
		os.RemoveAll(s.dir)
	}
}

// cpuSeconds is what the server has cost in CPU time. Pinned to CPUs of
// its own, that is the busy time of those CPUs (/proc/stat): it then counts
// the network work the kernel does for the server's sockets wherever the
// kernel runs it, in the process's context or in ksoftirqd, which the
// process's own times leave out. Unpinned, it is the process's user and
// system time.
func (s *server) cpuSeconds() float64 {
	if s.pid == 0 {
		return 0
	}
	if len(s.cpus) > 0 {
		return cpusBusySeconds(s.cpus)
	}
	return s.processCPUSeconds()
}

// processCPUSeconds is the server process's own user and system time. It
// leaves out the kernel's network work done outside the process, but also
// whatever else runs on the server's CPUs: the measure for figures that
// must not move when other jobs share the machine.
func (s *server) processCPUSeconds() float64 {
	if s.pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		return 0
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // clock ticks; USER_HZ is 100 on Linux
}

// cpusBusySeconds adds up the time the given CPUs spent running anything:
// user, nice, system, irq and softirq (not idle, I/O wait or steal).
func cpusBusySeconds(cpus []int) float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	var ticks float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		n, err := strconv.Atoi(f[0][3:])
		if err != nil || !slices.Contains(cpus, n) {
			continue
		}
		for _, i := range []int{1, 2, 3, 6, 7} { // user nice system irq softirq
			v, _ := strconv.ParseFloat(f[i], 64)
			ticks += v
		}
	}
	return ticks / 100 // USER_HZ
}

// parseCPUList reads a taskset CPU list: "0", "0-3", "0,2-3".
func parseCPUList(list string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("CPU list %q: %w", list, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("CPU list %q: bad range %q", list, part)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// rssKiB reads the server's resident memory.
func (s *server) rssKiB() int64 { return s.status("VmRSS:") }

// anonKiB reads the server's anonymous resident memory: its heap, stacks
// and C allocations, without the pages of its executable, which grow as
// more of its code runs and are no one's growth.
func (s *server) anonKiB() int64 { return s.status("RssAnon:") }

// status reads one KiB figure of /proc/<pid>/status.
func (s *server) status(field string) int64 {
	if s.pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			n, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return n
		}
	}
	return 0
}

// freeLoopbackAddr returns a loopback address with a port nobody listens
// on at the moment.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
