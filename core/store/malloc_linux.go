package store

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// The C library's allocator serves SQLite. glibc gives threads that
// allocate at the same time arenas of their own (up to eight per core), and
// each arena keeps what SQLite frees for its own later use: with the Go
// runtime moving cgo calls between threads, a server's resident memory
// grows to several times what SQLite holds. One arena is enough here (the
// database is used by at most a few connections at once), and what it keeps
// free is handed back to the system now and then.
static void salon_malloc_one_arena(void) {
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 1);
#endif
}

static void salon_malloc_trim(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

func init() { C.salon_malloc_one_arena() }

// releaseFreedMemory hands the memory the C allocator keeps free back to
// the system.
func releaseFreedMemory() { C.salon_malloc_trim() }
