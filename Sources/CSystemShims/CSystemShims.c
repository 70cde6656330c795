#define _GNU_SOURCE
#include <malloc.h>
#include <unistd.h>

#include "CSystemShims.h"

int finews_syncfs(int fd) {
    return syncfs(fd);
}

int finews_malloc_trim(void) {
    return malloc_trim(0);
}
