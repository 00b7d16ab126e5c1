package store

/*
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
//
// The limit only stops new arenas, and the Go runtime starts threads before
// any Go code runs, each getting an arena as it frees its start-up record:
// so it is set by a constructor, which the loader runs before the runtime
// starts.
__attribute__((constructor)) static void salon_malloc_one_arena(void) {
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, 1);
#endif
}

// salon_malloc_arenas counts the allocator's arenas in its own report
// (malloc_info lists one <heap nr="..."> per arena); -1 if unknown.
static int salon_malloc_arenas(void) {
#ifdef __GLIBC__
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		return -1;
	}
	int ok = malloc_info(0, f) == 0;
	fclose(f);
	int n = 0;
	for (char *p = buf; ok && (p = strstr(p, "<heap nr=")) != NULL; p++) {
		n++;
	}
	free(buf);
	return ok ? n : -1;
#else
	return -1;
#endif
}

static void salon_malloc_trim(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

// releaseFreedMemory hands the memory the C allocator keeps free back to
// the system.
func releaseFreedMemory() { C.salon_malloc_trim() }

// mallocArenas is how many arenas the C allocator has (-1 where it cannot
// tell): one, unless the constructor above did not run.
func mallocArenas() int { return int(C.salon_malloc_arenas()) }
