package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/salon-chat/salon/client"
	"github.com/salon-chat/salon/client/pgp"
	"github.com/salon-chat/salon/core/files"
	"github.com/salon-chat/salon/core/wire"
)

// Private files (docs/privacy.md): in a private direct conversation a file
// is encrypted like a message (its bytes as the literal data, signed, to
// both keys) and uploaded as name.pgp. A .pgp file of a direct
// conversation is downloaded to a temporary folder, decrypted and
// verified, and only then saved under its original name.

// privateSuffix marks a private file's name.
const privateSuffix = ".pgp"

// privateDownload is a .pgp download in progress: where its plaintext goes.
type privateDownload struct {
	dest string // the folder or file /download was given
	tmp  string // the temporary folder the ciphertext lands in
}

// uploadPrivate encrypts the file at path for the contact u and uploads
// the ciphertext as name.pgp.
func (m *model) uploadPrivate(a wire.Addr, path string) {
	u := a.UserTag()
	if m.priv.changed[u] != nil {
		m.fail(a, m.st.Pseudo(u)+"'s key changed: compare /safety, then /trust, before sharing a file privately (nothing sent)")
		return
	}
	them := m.priv.keys[u]
	if them == nil || m.priv.key == nil {
		m.fail(a, "private messages are not ready (type /private again); nothing sent")
		return
	}
	st, err := os.Stat(path)
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", path)
	}
	if err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return
	}
	sealed, err := pgp.EncryptBytes(data, them, m.priv.key)
	if err != nil {
		m.fail(a, "cannot encrypt: "+err.Error())
		return
	}
	// The upload reads from a file it opens at once: the ciphertext is
	// written to a private temporary folder, removed as soon as Upload has
	// it open.
	tmp, err := os.MkdirTemp("", "salon-upload-")
	if err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return
	}
	defer os.RemoveAll(tmp)
	sealedPath := filepath.Join(tmp, filepath.Base(path)+privateSuffix)
	if err := os.WriteFile(sealedPath, sealed, 0o600); err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return
	}
	id, name, err := m.conn.Upload(a, sealedPath)
	if err != nil {
		m.fail(a, "cannot upload: "+err.Error())
		return
	}
	size := int64(len(sealed))
	m.transfers[uploadKey(id)] = &transfer{up: true, name: name, size: size}
	m.note(fmt.Sprintf("🔒 uploading %s encrypted as %s (%s)…", filepath.Base(path), name, humanSize(size)))
}

// isPrivateFile says whether file name of conversation a is decrypted
// after download.
func isPrivateFile(a wire.Addr, name string) bool {
	return a.IsUser() && a != client.Home && strings.HasSuffix(name, privateSuffix) && len(name) > len(privateSuffix)
}

// downloadPrivate fetches a .pgp file into a temporary folder; gotPrivate
// decrypts it when it is complete.
func (m *model) downloadPrivate(a wire.Addr, name, dest string) {
	if m.storedKey() == "" {
		m.fail(a, name+" is a private file, and you have no key to read it")
		return
	}
	m.priv.init()
	if author, ok := m.sharer(a, name); ok && author != m.st.Me &&
		m.priv.keys[author] == nil && m.priv.changed[author] == nil && !m.priv.waiting[author] {
		m.send("KEY " + wire.User(author).String())
	}
	m.unlock(func(m *model) {
		k := downloadKey(a, name)
		if m.priv.files[k] != nil {
			m.fail(a, name+" is already being downloaded")
			return
		}
		tmp, err := os.MkdirTemp("", "salon-download-")
		if err != nil {
			m.fail(a, "cannot download: "+err.Error())
			return
		}
		if err := m.conn.Download(a, name, tmp); err != nil {
			os.RemoveAll(tmp)
			m.fail(a, "cannot download: "+err.Error())
			return
		}
		m.priv.files[k] = &privateDownload{dest: dest, tmp: tmp}
		m.transfers[k] = &transfer{name: name}
	})
}

// sharer is who shared file name in conversation a (the latest sharing).
func (m *model) sharer(a wire.Addr, name string) (int64, bool) {
	c := m.st.Convs[a]
	if c == nil {
		return 0, false
	}
	for i := len(c.Items) - 1; i >= 0; i-- {
		if it := c.Items[i]; it.Kind == client.Shared && it.File == name {
			return it.Author, true
		}
	}
	return 0, false
}

// privateDone handles the end of a download; it reports false when the
// download was not a private file's.
func (m *model) privateDone(e client.Event) bool {
	var a wire.Addr
	var name string
	switch e := e.(type) {
	case client.DownloadDone:
		a, name = e.Addr, e.Name
	case client.DownloadFailed:
		a, name = e.Addr, e.Name
	default:
		return false
	}
	k := downloadKey(a, name)
	pd := m.priv.files[k]
	if pd == nil {
		return false
	}
	delete(m.priv.files, k)
	delete(m.transfers, k)
	defer os.RemoveAll(pd.tmp)
	done, ok := e.(client.DownloadDone)
	if !ok {
		m.fail(a, "download of "+name+" failed: "+e.(client.DownloadFailed).Reason)
		return true
	}
	m.openPrivate(a, name, done.Path, pd.dest)
	return true
}

// openPrivate decrypts the downloaded ciphertext at path and saves the
// plaintext under the original name.
func (m *model) openPrivate(a wire.Addr, name, path, dest string) {
	sealed, err := os.ReadFile(path)
	if err != nil {
		m.fail(a, "cannot read the downloaded "+name+": "+err.Error())
		return
	}
	author, known := m.sharer(a, name)
	var from *pgp.Public
	switch {
	case known && author == m.st.Me:
		from = m.priv.key.PublicKey()
	case known:
		if k := m.priv.keys[author]; k != nil && m.pinsLoaded()[m.pin(author)] == k.Fingerprint() {
			from = k
		}
	}
	p, err := pgp.DecryptBytes(sealed, m.priv.key, from)
	switch {
	case errors.Is(err, pgp.ErrNotForMe):
		m.fail(a, "🔒 "+name+" is encrypted for a key you do not have: not saved")
		return
	case err != nil:
		m.fail(a, "🔒 "+name+" is damaged, cannot be read: not saved")
		return
	}
	out, err := savePlain(dest, files.SafeName(strings.TrimSuffix(name, privateSuffix)), p.Text)
	if err != nil {
		m.fail(a, "cannot save "+name+": "+err.Error())
		return
	}
	if p.Verdict == pgp.Verified {
		m.st.Note(a, fmt.Sprintf("🔒 saved %s to %s (%s) · signed by %s", name, out, humanSize(int64(len(p.Text))), m.st.Pseudo(author)))
	} else {
		m.st.Fail(a, fmt.Sprintf("⚠ could not be verified: saved %s to %s (%s)", name, out, humanSize(int64(len(p.Text)))))
	}
	m.setStatus("saved "+out, true)
}

// savePlain writes data to dest: a folder (under name, made unique there)
// or a file name (replaced). A temporary file beside it is renamed into
// place, so a file with the final name is always whole.
func savePlain(dest, name string, data []byte) (string, error) {
	if dest == "" {
		dest = "."
	}
	dir, out := filepath.Dir(dest), dest
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		dir, out = dest, ""
	}
	f, err := os.CreateTemp(dir, ".salon-download-*.part")
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	if out == "" {
		out = unusedPath(dir, name)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return out, nil
}

// unusedPath is dir/name, or dir/name-2.ext, -3... if taken.
func unusedPath(dir, name string) string {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	p := filepath.Join(dir, name)
	for i := 2; ; i++ {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			return p
		}
		p = filepath.Join(dir, stem+"-"+strconv.Itoa(i)+ext)
	}
}
