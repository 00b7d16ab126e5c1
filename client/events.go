package client

import (
	"time"

	"github.com/salon-chat/salon/core/history"
	"github.com/salon-chat/salon/core/wire"
)

// Event is what a Client reports through Events: either a Line the server
// sent (other than the lines of uploads and downloads, which the client
// consumes itself), or one of the types below, which say what happened to
// the connection and to transfers.
type Event any

// Connecting says a connection attempt starts.
type Connecting struct {
	Addr    string
	Attempt int // 1 for the first attempt after a success or at start
}

// LoggedIn says the server accepted the login: the login burst follows,
// then Ready. Every piece of state learnt from an earlier connection is
// stale from here on (the burst restates it).
type LoggedIn struct {
	Me          int64
	Pseudo      string
	Registered  bool // the account was created by this login
	Reconnected bool // a connection was lost before this one
}

// Ready follows the login burst: everything the server says about the
// user's world has arrived.
type Ready struct{}

// Disconnected says the connection is gone; the client tries again after
// RetryIn.
type Disconnected struct {
	Err     error
	RetryIn time.Duration
}

// LoginFailed says the server refused the pseudo or password. The client
// stops; Login starts it again.
type LoginFailed struct {
	Reason string
}

// Closed says the client stopped for good (after Close or a logout).
type Closed struct{}

// UploadProgress reports the bytes of an upload the server acknowledged.
type UploadProgress struct {
	ID    int
	To    wire.Addr
	Name  string // the name the upload was announced with
	Acked int64
	Size  int64
}

// UploadDone says the server stored an upload. Its final name arrives in
// the FileSent line that follows.
type UploadDone struct {
	ID   int
	To   wire.Addr
	Name string
	Size int64
}

// UploadFailed says an upload was dropped; nothing of it was kept.
type UploadFailed struct {
	ID     int
	To     wire.Addr
	Name   string
	Reason string
}

// DownloadProgress reports the bytes of a download received so far.
type DownloadProgress struct {
	Addr     wire.Addr
	Name     string
	Received int64
	Size     int64
}

// DownloadDone says a file was saved, complete, at Path.
type DownloadDone struct {
	Addr wire.Addr
	Name string
	Path string
	Size int64
}

// DownloadFailed says a download (of a file, a preview or a history)
// failed; a partial file is removed.
type DownloadFailed struct {
	Addr   wire.Addr
	Name   string
	Reason string
}

// HistoryLoaded carries a conversation's history (save.txt, parsed with
// the server's own parser), oldest message first.
type HistoryLoaded struct {
	Addr    wire.Addr
	Header  history.Header
	Entries []history.Entry
}

// Preview describes a received image file without keeping it: its size,
// and its format and dimensions when the standard decoders know it.
type Preview struct {
	Addr          wire.Addr
	Name          string
	Size          int64
	Format        string // "png", "jpeg", "gif" or ""
	Width, Height int
}
