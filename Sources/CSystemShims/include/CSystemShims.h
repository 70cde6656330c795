#ifndef FINEWS_CSYSTEMSHIMS_H
#define FINEWS_CSYSTEMSHIMS_H

/*
 * Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc
 * module does not see.
 */

/// Flushes every dirty buffer of the file system that holds `fd` (syncfs(2)).
/// Returns 0, or -1 with errno set.
int finews_syncfs(int fd);

#endif
