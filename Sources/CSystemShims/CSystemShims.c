#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "CSystemShims.h"

int finews_syncfs(int fd) {
    return syncfs(fd);
}

int finews_open_unnamed(const char *directory, unsigned int mode) {
    return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
}

/* Whether linkat(AT_EMPTY_PATH) may be tried: it needs CAP_DAC_READ_SEARCH, and
   once refused it is not tried again. */
static _Atomic int empty_path_refused = 0;

int finews_link_unnamed(int fd, const char *path) {
    /* The descriptor itself, where allowed (root): no walk through /proc. */
    if (!empty_path_refused) {
        if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) return 0;
        if (errno != ENOENT && errno != EPERM) return -1;
        empty_path_refused = 1;
    }
    char name[64];
    int written = snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    if (written < 0 || (size_t)written >= sizeof name) {
        errno = EINVAL;
        return -1;
    }
    return linkat(AT_FDCWD, name, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

long finews_raise_open_files_limit(long wanted) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur != RLIM_INFINITY && (long)limit.rlim_cur < wanted) {
        rlim_t target = (rlim_t)wanted;
        if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < target) target = limit.rlim_max;
        if (target > limit.rlim_cur) {
            limit.rlim_cur = target;
            if (setrlimit(RLIMIT_NOFILE, &limit) != 0 && getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
        }
    }
    return limit.rlim_cur == RLIM_INFINITY ? wanted : (long)limit.rlim_cur;
}
