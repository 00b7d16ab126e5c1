// Package files keeps the bytes of uploaded files on disk and turns the names
// clients give them into safe ones.
//
// A file's bytes are a blob named by a random id, never by anything a client
// sent: client names only ever become labels (SafeName, UniqueName) that the
// store keeps in the database next to the id. Every disk operation goes
// through an os.Root opened on <dataDir>/files, so even a planted symlink
// cannot lead a read or a removal outside that folder.
package files

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Layout under the data folder. Uploads are written in tmp/ and renamed into
// blobs/ once complete, so a blob is never seen half written and a crash
// leaves only tmp/ leftovers, which Sweep clears.
const (
	dirName   = "files"
	blobsDir  = "blobs"
	tmpDir    = "tmp"
	thumbsDir = "thumbs" // a blob's preview, by the blob's id (thumbs.go)
	idLen     = 32       // hex characters: 128 random bits
	dirPerm   = 0o750
	filePerm  = 0o640
	tmpPrefix = tmpDir + "/"
	blobPfx   = blobsDir + "/"
	thumbPfx  = thumbsDir + "/"
)

// errBadID is returned for an id that is not 32 lowercase hex characters;
// such an id is refused before any disk access.
var errBadID = errors.New("files: invalid blob id")

// Store keeps blobs under <dataDir>/files: finished blobs in files/blobs/<id>,
// uploads in progress in files/tmp/<random>, the previews made of images in
// files/thumbs/<id>. It is safe for concurrent use.
type Store struct {
	root *os.Root // <dataDir>/files
}

// Open creates <dataDir>/files/blobs and <dataDir>/files/tmp if needed and
// opens the store on them.
func Open(dataDir string) (*Store, error) {
	// The data folder itself is the operator's choice, so it is the one path
	// made outside a Root; everything below it is made through one.
	if err := os.MkdirAll(dataDir, dirPerm); err != nil {
		return nil, fmt.Errorf("files: create data folder: %w", err)
	}
	data, err := os.OpenRoot(dataDir)
	if err != nil {
		return nil, fmt.Errorf("files: open data folder: %w", err)
	}
	defer data.Close()
	for _, d := range []string{blobsDir, tmpDir, thumbsDir} {
		if err := data.MkdirAll(dirName+"/"+d, dirPerm); err != nil {
			return nil, fmt.Errorf("files: create %s: %w", d, err)
		}
	}
	root, err := data.OpenRoot(dirName)
	if err != nil {
		return nil, fmt.Errorf("files: open %s: %w", dirName, err)
	}
	return &Store{root: root}, nil
}

// Close releases the store's folder. Uploads still open can no longer
// finish.
func (s *Store) Close() error { return s.root.Close() }

// Upload is a blob being received. It is not safe for concurrent use: one
// session's reader owns it.
type Upload struct {
	s    *Store
	f    *os.File // nil once finished or aborted
	tmp  string   // path of the temp file inside the root; "" once gone
	size int64
}

var errDone = errors.New("files: upload already finished or aborted")

// NewUpload starts an upload in a new temp file with a random name.
func (s *Store) NewUpload() (*Upload, error) {
	name := tmpPrefix + randomHex()
	// O_EXCL: a name clash (or anything planted there) fails instead of
	// being written through.
	f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("files: new upload: %w", err)
	}
	return &Upload{s: s, f: f, tmp: name}, nil
}

// Write appends p to the upload.
func (u *Upload) Write(p []byte) (int, error) {
	if u.f == nil {
		return 0, errDone
	}
	n, err := u.f.Write(p)
	u.size += int64(n)
	return n, err
}

// Size returns the number of bytes written so far.
func (u *Upload) Size() int64 { return u.size }

// Abort drops the upload: it closes and removes the temp file. It is safe to
// call twice or after Finish, so callers may defer it.
func (u *Upload) Abort() {
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	if u.tmp != "" {
		u.s.root.Remove(u.tmp)
		u.tmp = ""
	}
}

// Finish makes the upload a blob and returns its id. The bytes are on disk
// before the blob appears and the blob's name is on disk before Finish
// returns, so a row committed afterwards never points to a missing blob. On
// error nothing is left behind.
func (u *Upload) Finish() (id string, err error) {
	if u.f == nil {
		return "", errDone
	}
	defer func() {
		if err != nil {
			u.Abort()
		}
	}()
	f := u.f
	u.f = nil
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("files: sync upload: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("files: close upload: %w", err)
	}
	// 128 random bits make a clash with an existing blob negligible, so a
	// plain rename (which would replace one) is enough.
	id = randomHex()
	blob := blobPfx + id
	if err := u.s.root.Rename(u.tmp, blob); err != nil {
		return "", fmt.Errorf("files: store upload: %w", err)
	}
	u.tmp = ""
	if err := u.s.syncDir(blobsDir); err != nil {
		// The caller will not record this id: drop the blob rather than
		// leave it for the next Sweep.
		u.s.root.Remove(blob)
		return "", fmt.Errorf("files: sync %s: %w", blobsDir, err)
	}
	return id, nil
}

// syncDir makes the entries of dir durable (the rename into it).
func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// NewSpool returns an empty temporary file, read-write, for bytes that
// are written once and read back once (a history prepared for its
// download). Its name is removed at once: the file lives as long as it is
// open, and nothing is left of it after a crash.
func (s *Store) NewSpool() (*os.File, error) {
	name := tmpPrefix + "spool-" + randomHex()
	f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, fmt.Errorf("files: new spool: %w", err)
	}
	if err := s.root.Remove(name); err != nil {
		f.Close()
		return nil, fmt.Errorf("files: new spool: %w", err)
	}
	return f, nil
}

// OpenBlob opens blob id for reading and returns it with its size. An id
// that is not 32 lowercase hex characters is refused without touching the
// disk.
func (s *Store) OpenBlob(id string) (*os.File, int64, error) {
	if !validID(id) {
		return nil, 0, errBadID
	}
	f, err := s.root.Open(blobPfx + id)
	if err != nil {
		return nil, 0, fmt.Errorf("files: open blob: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		// A directory or device planted under a blob's name is not a blob.
		err = fmt.Errorf("%s is not a regular file", id)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("files: open blob: %w", err)
	}
	return f, fi.Size(), nil
}

// Remove deletes blob id and its thumbnail, in that order (SaveThumb
// relies on it). A blob already gone is not an error, so removal can be
// retried. The id is checked as in OpenBlob.
func (s *Store) Remove(id string) error {
	if !validID(id) {
		return errBadID
	}
	if err := s.root.Remove(blobPfx + id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: remove blob: %w", err)
	}
	if err := s.root.Remove(thumbPfx + id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: remove thumbnail: %w", err)
	}
	return nil
}

// Sweep removes every file in tmp/ (uploads cut off by a crash) and every
// blob whose id keep(id) reports false (blobs whose row was never
// committed), with the thumbnails of such ids. It returns how many files it removed. Entries of blobs/ whose
// names are not ids were not made by the store and are left alone.
//
// Sweep must run before any upload starts or any blob is finished (at
// start-up): it would take an upload in progress, or a blob whose row is
// about to be committed, for a leftover. On error it still sweeps what it
// can and reports the first error.
func (s *Store) Sweep(keep func(id string) bool) (int, error) {
	removed := 0
	var first error
	note := func(err error) {
		if first == nil {
			first = fmt.Errorf("files: sweep: %w", err)
		}
	}
	sweep := func(dir string, drop func(name string) bool) {
		names, err := s.list(dir)
		if err != nil {
			note(err)
		}
		for _, name := range names {
			if !drop(name) {
				continue
			}
			if err := s.root.Remove(dir + "/" + name); err != nil {
				note(err)
				continue
			}
			removed++
		}
	}
	sweep(tmpDir, func(string) bool { return true })
	sweep(blobsDir, func(name string) bool { return validID(name) && !keep(name) })
	sweep(thumbsDir, func(name string) bool { return validID(name) && !keep(name) })
	return removed, first
}

// list returns the names in dir.
func (s *Store) list(dir string) ([]string, error) {
	d, err := s.root.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

// validID reports whether id is 32 lowercase hex characters, the only form
// randomHex makes. Anything else (a path, "..", an empty string) is refused
// before it can reach the disk.
func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// randomHex returns 128 random bits as 32 lowercase hex characters.
func randomHex() string {
	b := make([]byte, idLen/2)
	rand.Read(b) // never returns an error; it crashes the program instead
	return hex.EncodeToString(b)
}
