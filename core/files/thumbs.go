package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Thumbnails. The web page shows a small preview of each image (made by
// core/web/filehttp); it is made once and kept here, under the blob's id,
// so that it goes with the blob: Remove deletes both, Sweep removes the
// thumbnails of blobs it removes. A thumbnail is a cache: losing one only
// means making it again.

// OpenThumb opens the thumbnail of blob id and returns it with its size.
// When there is none the error matches fs.ErrNotExist.
func (s *Store) OpenThumb(id string) (*os.File, int64, error) {
	if !validID(id) {
		return nil, 0, errBadID
	}
	f, err := s.root.Open(thumbPfx + id)
	if err != nil {
		return nil, 0, fmt.Errorf("files: open thumbnail: %w", err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file", id)
	}
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("files: open thumbnail: %w", err)
	}
	return f, fi.Size(), nil
}

// SaveThumb stores data as the thumbnail of blob id. It is written in tmp/
// and renamed into place, so a reader never sees half of one. When the
// blob is gone once it is in place (the file was deleted meanwhile) the
// thumbnail is removed again and the error matches fs.ErrNotExist: Remove
// deletes the blob before the thumbnail, so either it saw this one or this
// check sees the blob gone, and no thumbnail outlives its blob.
func (s *Store) SaveThumb(id string, data []byte) (err error) {
	if !validID(id) {
		return errBadID
	}
	tmp := tmpPrefix + "thumb-" + randomHex()
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return fmt.Errorf("files: new thumbnail: %w", err)
	}
	defer func() {
		if err != nil {
			s.root.Remove(tmp)
		}
	}()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("files: write thumbnail: %w", err)
	}
	if err := s.root.Rename(tmp, thumbPfx+id); err != nil {
		return fmt.Errorf("files: store thumbnail: %w", err)
	}
	if _, err := s.root.Stat(blobPfx + id); err != nil {
		s.root.Remove(thumbPfx + id)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("files: thumbnail of a removed blob: %w", err)
		}
		return fmt.Errorf("files: store thumbnail: %w", err)
	}
	return nil
}
