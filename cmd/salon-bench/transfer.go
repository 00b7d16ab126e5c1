package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
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
	if err := c.say(to, o.historySize, o.size); err != nil {
		return Result{}, err
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
	return receiveInto(c, name, io.Discard)
}

// receiveInto is receiveFile writing the file's bytes to w.
func receiveInto(c *client, name string, w io.Writer) (int64, error) {
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
			w.Write(buf[:n])
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
	if err := uploadFile(c, fmt.Sprintf("%d 0", sid), "blob.bin", data); err != nil {
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

// download asks for name in conv (the history when name is empty) and
// reads it whole, returning its size.
func download(c *client, conv, name string) (int64, error) {
	if err := c.send(strings.TrimSpace("GET " + conv + " " + name)); err != nil {
		return 0, err
	}
	if name == "" {
		name = "save.txt"
	}
	return receiveFile(c, name)
}

// uploadFile uploads data as name to conv with pipelined FILE lines and
// waits for every acknowledgement, ENDFILE's included.
func uploadFile(c *client, conv, name string, data []byte) error {
	size := len(data)
	if err := c.send(fmt.Sprintf("NEWFILE %s %s %d", conv, name, size)); err != nil {
		return err
	}
	if _, err := c.expect("NEWFILE OK"); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		var b bytes.Buffer
		c.wmu.Lock()
		defer c.wmu.Unlock()
		for off := 0; off < size; off += 2880 {
			b.Reset()
			fmt.Fprintf(&b, "FILE %s %s %s\r\n", conv, name, base64.StdEncoding.EncodeToString(data[off:min(off+2880, size)]))
			if _, err := c.w.Write(b.Bytes()); err != nil {
				done <- err
				return
			}
		}
		done <- c.w.Flush()
	}()
	for range (size + 2879) / 2880 {
		if _, err := c.expect("FILE OK"); err != nil {
			return err
		}
	}
	if err := <-done; err != nil {
		return err
	}
	if err := c.send(fmt.Sprintf("ENDFILE %s %s %d", conv, name, size)); err != nil {
		return err
	}
	_, err := c.expect("ENDFILE OK")
	return err
}

// say sends n messages of size bytes to conv, as many unacknowledged as
// the client's window allows, and waits for all their echoes.
func (c *client) say(conv string, n, size int) error {
	pad := strings.Repeat("h", max(size-20, 1))
	for range n {
		c.slots <- struct{}{}
		if err := c.send(fmt.Sprintf("MSG %s %d %s", conv, time.Now().UnixNano(), pad)); err != nil {
			return err
		}
	}
	if !c.waitIdle(time.Minute) {
		return errors.New("messages not acknowledged")
	}
	return nil
}
