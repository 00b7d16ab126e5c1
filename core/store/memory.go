package store

/*
// SQLite's own allocator statistics; the library is linked in by
// github.com/mattn/go-sqlite3, compiled with memory statistics on.
long long sqlite3_memory_used(void);
long long sqlite3_memory_highwater(int resetFlag);
*/
import "C"

// MemoryUsed reports the bytes SQLite has allocated and not freed, in the
// whole process (page caches, prepared statements, schema), and the most it
// ever held at once. Memory the C library keeps after SQLite frees it does
// not count.
func MemoryUsed() (now, peak int64) {
	return int64(C.sqlite3_memory_used()), int64(C.sqlite3_memory_highwater(0))
}

// MallocArenas is how many arenas the C library's allocator has made (-1
// where the C library is not glibc): one is what salond asks for.
func MallocArenas() int { return mallocArenas() }
