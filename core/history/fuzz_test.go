package history

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that Writer and Reader
// agree: whatever Parse accepts, Writer accepts too, and writing it then
// parsing again gives the same header and entries, in exactly the bytes
// HeaderSize and EntrySize announce.
func FuzzParse(f *testing.F) {
	for _, g := range golden {
		f.Add([]byte(g.file))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, entries, err := Parse(data)
		if err != nil {
			if h != (Header{}) || entries != nil {
				t.Fatalf("Parse returned %+v %+v with error %v", h, entries, err)
			}
			return
		}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, h)
		if err != nil {
			t.Fatalf("Parse accepted a header Writer refuses: %v", err)
		}
		size := HeaderSize(h)
		for _, e := range entries {
			if err := w.Write(e); err != nil {
				t.Fatalf("Parse accepted an entry Writer refuses: %v", err)
			}
			size += EntrySize(e)
		}
		if size != w.Written() || size != int64(buf.Len()) {
			t.Fatalf("sizes say %d bytes, Written() = %d, wrote %d", size, w.Written(), buf.Len())
		}
		h2, entries2, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("Parse of Writer's output %q: %v", buf.Bytes(), err)
		}
		if h2 != h || len(entries2) != len(entries) {
			t.Fatalf("re-parse gave %+v and %d entries, want %+v and %d", h2, len(entries2), h, len(entries))
		}
		for i := range entries {
			if entries2[i] != entries[i] {
				t.Fatalf("entry %d: re-parse gave %+v, want %+v", i, entries2[i], entries[i])
			}
		}
	})
}
