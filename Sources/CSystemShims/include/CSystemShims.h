#ifndef FINEWS_CSYSTEMSHIMS_H
#define FINEWS_CSYSTEMSHIMS_H

/*
 * Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc
 * module does not see.
 */

/// Flushes every dirty buffer of the file system that holds `fd` (syncfs(2)).
/// Returns 0, or -1 with errno set.
int finews_syncfs(int fd);

/// Opens an unnamed regular file in `directory` for writing (open(2) with
/// O_TMPFILE): it has no name until finews_link_unnamed gives it one, and a crash
/// before that leaves nothing behind. Returns the descriptor, or -1 with errno set
/// (EOPNOTSUPP, EISDIR or EINVAL where the file system or kernel has no O_TMPFILE).
int finews_open_unnamed(const char *directory, unsigned int mode);

/// Gives the unnamed file open at `fd` the name `path` (linkat(2) of the
/// descriptor with AT_EMPTY_PATH where the process may, else through
/// /proc/self/fd). Fails with EEXIST when `path` exists.
/// Returns 0, or -1 with errno set.
int finews_link_unnamed(int fd, const char *path);

/// Raises the soft limit of open files towards `wanted`, within the hard limit.
/// Returns the soft limit now in effect, or -1.
long finews_raise_open_files_limit(long wanted);

#endif
