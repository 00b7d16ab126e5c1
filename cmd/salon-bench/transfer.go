package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// historyScenario stores o.historySize messages in one channel, then times
// GET of its save.txt.
func historyScenario(srv *server, o options) (Result, error) {
	c, err := register(srv.addr, "historian", 64)
	if err != nil {
		return Result{}, err
	}
	c.send("NEW SERV archive")
	l, err := c.expect("TAG ")
	if err != nil {
		return Result{}, err
	}
	var sid int64
	fmt.Sscanf(l, "TAG %d 0", &sid)
	to := fmt.Sprintf("%d 0", sid)
	pad := strings.Repeat("h", max(o.size-20, 1))
	for i := 0; i < o.historySize; i++ {
		c.slots <- struct{}{}
		c.send(fmt.Sprintf("MSG %s %d %s", to, time.Now().UnixNano(), pad))
	}
	if !c.waitIdle(time.Minute) {
		return Result{}, fmt.Errorf("messages not acknowledged")
	}
	cpu0 := srv.cpuSeconds()
	start := time.Now()
	c.send("GET " + to)
	size, err := receiveFile(c, "save.txt")
	if err != nil {
		return Result{}, err
	}
	elapsed := time.Since(start).Seconds()
	return Result{Scenario: "history", Params: fmt.Sprintf("messages=%d size=%d bytes=%d", o.historySize, o.size, size),
		Seconds: elapsed, Messages: int64(o.historySize), PerSecond: float64(o.historySize) / elapsed,
		ServerCPUSeconds: srv.cpuSeconds() - cpu0, ServerRSSKiB: srv.rssKiB()}, nil
}

// receiveFile reads NEWFILE, FILE... and ENDFILE for name, checking sizes.
func receiveFile(c *client, name string) (int64, error) {
	l, err := c.expect("NEWFILE ")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(l)
	want, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
	var got int64
	buf := make([]byte, 4096)
	for {
		l, err := c.expect("")
		if err != nil {
			return 0, err
		}
		f := strings.Fields(l)
		switch {
		case f[0] == "FILE" && len(f) == 5 && f[3] == name:
			n, err := base64.StdEncoding.Decode(buf, []byte(f[4]))
			if err != nil {
				return 0, err
			}
			got += int64(n)
		case f[0] == "ENDFILE" && f[len(f)-2] == name:
			if got != want {
				return 0, fmt.Errorf("received %d bytes, announced %d", got, want)
			}
			return got, nil
		}
	}
}

// filesScenario uploads o.fileMiB MiB with pipelined FILE lines, then
// downloads it back.
func filesScenario(srv *server, o options) ([]Result, error) {
	c, err := register(srv.addr, "uploader", 64)
	if err != nil {
		return nil, err
	}
	c.send("NEW SERV depot")
	l, err := c.expect("TAG ")
	if err != nil {
		return nil, err
	}
	var sid int64
	fmt.Sscanf(l, "TAG %d 0", &sid)
	size := int64(o.fileMiB) << 20
	data := make([]byte, size)
	rand.Read(data)

	cpu0 := srv.cpuSeconds()
	start := time.Now()
	c.send(fmt.Sprintf("NEWFILE %d 0 blob.bin %d", sid, size))
	if _, err := c.expect("NEWFILE OK"); err != nil {
		return nil, err
	}
	lines := 0
	done := make(chan error, 1)
	go func() {
		var b bytes.Buffer
		for off := int64(0); off < size; off += 2880 {
			end := min(off+2880, size)
			b.Reset()
			fmt.Fprintf(&b, "FILE %d 0 blob.bin %s\r\n", sid, base64.StdEncoding.EncodeToString(data[off:end]))
			c.wmu.Lock()
			_, err := c.w.Write(b.Bytes())
			c.wmu.Unlock()
			if err != nil {
				done <- err
				return
			}
		}
		c.wmu.Lock()
		c.w.Flush()
		c.wmu.Unlock()
		done <- nil
	}()
	lines = int((size + 2879) / 2880)
	for i := 0; i < lines; i++ {
		if _, err := c.expect("FILE OK"); err != nil {
			return nil, err
		}
	}
	if err := <-done; err != nil {
		return nil, err
	}
	c.send(fmt.Sprintf("ENDFILE %d 0 blob.bin %d", sid, size))
	if _, err := c.expect("ENDFILE OK"); err != nil {
		return nil, err
	}
	up := time.Since(start).Seconds()
	cpuUp := srv.cpuSeconds() - cpu0

	cpu0 = srv.cpuSeconds()
	start = time.Now()
	c.send(fmt.Sprintf("GET %d 0 blob.bin", sid))
	if _, err := receiveFile(c, "blob.bin"); err != nil {
		return nil, err
	}
	down := time.Since(start).Seconds()
	mib := float64(size) / (1 << 20)
	params := fmt.Sprintf("MiB=%d", o.fileMiB)
	return []Result{
		{Scenario: "upload", Params: params, Seconds: up, MiBPerSecond: mib / up, ServerCPUSeconds: cpuUp, ServerRSSKiB: srv.rssKiB()},
		{Scenario: "download", Params: params, Seconds: down, MiBPerSecond: mib / down, ServerCPUSeconds: srv.cpuSeconds() - cpu0, ServerRSSKiB: srv.rssKiB()},
	}, nil
}
