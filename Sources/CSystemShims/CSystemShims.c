#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "CSystemShims.h"

int finews_syncfs(int fd) {
    return syncfs(fd);
}

int finews_start_writeback(int fd) {
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}
