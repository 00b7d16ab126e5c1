package main

import (
	"fmt"
	"slices"
)

// The on/off comparisons of issue 14: the same load against two fresh
// servers that differ in one thing, run back to back and alternated
// -pairs times, so that the host's drift from one minute to the next
// weighs on both sides alike.

// fanoutTags compares fan-out with the tag prefix on every member's
// connection against fan-out without it, each on a fresh server with no
// plugin.
func fanoutTags(o options) ([]Result, error) {
	return comparePairs(o, "fanout-tags", func(o options, on bool) (Result, error) {
		srv, err := startServer(o, "")
		if err != nil {
			return Result{}, err
		}
		defer srv.stop()
		return fanoutTagged(srv, o, on)
	})
}

// storeIndex compares stored messages a second with the full-text index
// (salond as built) against a salond built without its triggers
// (-salond-noindex, the salon_bench_noindex build tag): the index's share
// of the commit path.
func storeIndex(o options) ([]Result, error) {
	return comparePairs(o, "store-index", func(o options, on bool) (Result, error) {
		so := o
		if !on {
			so.salond = o.salondNoIndex
		}
		srv, err := startServer(so, "")
		if err != nil {
			return Result{}, err
		}
		defer srv.stop()
		return storeScenario(srv, so)
	})
}

// comparePairs runs one(false) then one(true) o.pairs times, names the
// rows name-off and name-on, and gives each "on" row its ratio to the
// "off" row before it. Several short pairs rather than one long one: on a
// virtual machine whose host drifts, one pair of 10 s moved by tens of
// percent, the median of eight of 4 s by a few (docs/performance.md).
// one runs with o.duration set to o.pairDuration.
func comparePairs(o options, name string, one func(o options, on bool) (Result, error)) ([]Result, error) {
	o.duration = o.pairDuration
	var rows []Result
	var ratios, cpuRatios, procRatios []float64
	for range max(o.pairs, 1) {
		off, err := one(o, false)
		if err != nil {
			return nil, fmt.Errorf("off: %w", err)
		}
		off.Scenario = name + "-off"
		on, err := one(o, true)
		if err != nil {
			return nil, fmt.Errorf("on: %w", err)
		}
		on.Scenario = name + "-on"
		if off.PerSecond > 0 {
			ratios = append(ratios, on.PerSecond/off.PerSecond)
			on.Params += fmt.Sprintf(" on/off=%.3f", ratios[len(ratios)-1])
		}
		if off.PerCPUSecond > 0 && on.PerCPUSecond > 0 {
			cpuRatios = append(cpuRatios, on.PerCPUSecond/off.PerCPUSecond)
			on.Params += fmt.Sprintf(" cpu on/off=%.3f", cpuRatios[len(cpuRatios)-1])
		}
		if off.ProcessCPUSeconds > 0 && on.ProcessCPUSeconds > 0 {
			procRatios = append(procRatios, (float64(on.Deliveries)/on.ProcessCPUSeconds)/(float64(off.Deliveries)/off.ProcessCPUSeconds))
		}
		rows = append(rows, off, on)
	}
	if len(ratios) > 1 {
		// The host's drift moves single pairs by tens of percent; the
		// median of several is the figure to read.
		slices.Sort(ratios)
		fmt.Printf("%s: on/off %.3f (median of %d pairs), from %.3f to %.3f\n", name,
			ratios[len(ratios)/2], len(ratios), ratios[0], ratios[len(ratios)-1])
	}
	if len(cpuRatios) > 1 {
		slices.Sort(cpuRatios)
		fmt.Printf("%s: per server CPU-second on/off %.3f (median of %d pairs), from %.3f to %.3f\n", name,
			cpuRatios[len(cpuRatios)/2], len(cpuRatios), cpuRatios[0], cpuRatios[len(cpuRatios)-1])
	}
	if len(procRatios) > 1 {
		// The same per CPU-second of the server process alone: what another
		// job on the server's CPU does not move.
		slices.Sort(procRatios)
		fmt.Printf("%s: per server process CPU-second on/off %.3f (median of %d pairs), from %.3f to %.3f\n", name,
			procRatios[len(procRatios)/2], len(procRatios), procRatios[0], procRatios[len(procRatios)-1])
	}
	return rows, nil
}

// fanoutWS compares fan-out with every member's connection over the web
// listener's WebSocket transport against the same over TCP, each on a
// fresh server that serves both listeners: what /ws costs per delivery.
func fanoutWS(o options) ([]Result, error) {
	o.web = true
	return comparePairs(o, "fanout-ws", func(o options, on bool) (Result, error) {
		srv, err := startServer(o, "")
		if err != nil {
			return Result{}, err
		}
		defer srv.stop()
		addr := srv.addr
		if on {
			if err := waitWeb(srv.web); err != nil {
				return Result{}, err
			}
			addr = wsScheme + srv.web
		}
		return fanoutAt(srv, o, addr, false)
	})
}

// idleWS measures the memory of o.idle idle sessions over TCP, then over
// WebSocket, each on a fresh server that serves both listeners.
func idleWS(o options) ([]Result, error) {
	o.web = true
	var rows []Result
	for _, ws := range []bool{false, true} {
		srv, err := startServer(o, "")
		if err != nil {
			return nil, err
		}
		addr, name := srv.addr, "idle-ws-tcp"
		if ws {
			if err := waitWeb(srv.web); err != nil {
				srv.stop()
				return nil, err
			}
			addr, name = wsScheme+srv.web, "idle-ws-ws"
		}
		r, err := idleAt(srv, o, addr)
		srv.stop()
		if err != nil {
			return nil, err
		}
		r.Scenario = name
		rows = append(rows, r)
	}
	if rows[0].KiBPerConnection > 0 {
		fmt.Printf("idle-ws: %.1f KiB per connection over WebSocket, %.1f over TCP (%.2fx)\n",
			rows[1].KiBPerConnection, rows[0].KiBPerConnection, rows[1].KiBPerConnection/rows[0].KiBPerConnection)
	}
	return rows, nil
}
