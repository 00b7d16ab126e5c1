package main

import (
	"bufio"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// floorScenario measures what the machine charges for one write of one line
// to a loopback socket, with no server at all: one thread pinned to the
// server's CPU writes a line to each of o.members connections in turn, and
// this process reads them. It is the floor under every fan-out figure: a
// server that wrote each delivery on its own could not deliver more lines
// per CPU-second than this, and one fan-out round to o.members sessions
// cannot take less than o.members times its cost. On loopback the writer
// also pays for the receiving side of TCP, which a real network card would
// take off the server's hands.
//
// Two runs: paced (rounds of one line per connection, as a channel with
// o.members members receiving 200 messages a second: the readers sleep
// between rounds and every write wakes one), and as fast as possible (the
// readers stay busy, so fewer wake-ups).
func floorScenario(o options) ([]Result, error) {
	var out []Result
	for _, paced := range []bool{true, false} {
		r, err := floorRun(o, paced)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func floorRun(o options, paced bool) (Result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, err
	}
	defer ln.Close()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	received := make(chan int64, o.members)
	for range o.members {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return Result{}, err
		}
		conns = append(conns, c)
		go func() {
			r := bufio.NewReaderSize(c, 1<<16)
			var n int64
			for {
				if _, err := r.ReadSlice('\n'); err != nil {
					received <- n
					return
				}
				n++
			}
		}()
		s, err := ln.Accept()
		if err != nil {
			return Result{}, err
		}
		conns = append(conns, s)
	}
	line := []byte("MSG 0 1 2 3 " + strings.Repeat("x", o.size) + "\r\n")

	type outcome struct {
		writes  int64
		elapsed time.Duration
		cpu     time.Duration
		err     error
	}
	done := make(chan outcome)
	go func() {
		// The writer has an OS thread of its own, pinned where the server
		// runs. Its cost is that CPU's busy time, which counts the kernel's
		// work for the sockets wherever it ran (see server.cpuSeconds), or
		// the thread's own time when it is not pinned.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		used := threadCPU
		if cpu, err := strconv.Atoi(o.cpu); err == nil {
			var set unix.CPUSet
			set.Set(cpu)
			if err := unix.SchedSetaffinity(0, &set); err != nil {
				done <- outcome{err: fmt.Errorf("pinning the writer to CPU %d: %w", cpu, err)}
				return
			}
			used = func() time.Duration { return time.Duration(cpusBusySeconds([]int{cpu}) * float64(time.Second)) }
		}
		var res outcome
		cpu0 := used()
		start := time.Now()
		next := start
		for time.Since(start) < o.duration {
			for i := 1; i < len(conns); i += 2 { // the accepted ends
				if _, err := conns[i].Write(line); err != nil {
					res.err = err
					done <- res
					return
				}
				res.writes++
			}
			if paced {
				next = next.Add(5 * time.Millisecond) // 200 rounds a second
				time.Sleep(time.Until(next))
			}
		}
		res.elapsed = time.Since(start)
		res.cpu = used() - cpu0
		done <- res
	}()
	res := <-done
	if res.err != nil {
		return Result{}, res.err
	}
	for i := 1; i < len(conns); i += 2 {
		conns[i].Close()
	}
	var got int64
	for range o.members {
		got += <-received
	}
	if got != res.writes {
		return Result{}, fmt.Errorf("wrote %d lines, %d arrived", res.writes, got)
	}
	params := fmt.Sprintf("conns=%d size=%d one write per line", o.members, len(line))
	if paced {
		params += " rounds=200/s"
	}
	return Result{
		Scenario:         "floor",
		Params:           params,
		Seconds:          res.elapsed.Seconds(),
		Deliveries:       res.writes,
		PerSecond:        float64(res.writes) / res.elapsed.Seconds(),
		ServerCPUSeconds: res.cpu.Seconds(),
		PerCPUSecond:     float64(res.writes) / res.cpu.Seconds(),
	}, nil
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
