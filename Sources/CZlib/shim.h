#ifndef FINEWS_CZLIB_SHIM_H
#define FINEWS_CZLIB_SHIM_H

/* zlib, for the fetcher tests only: they build gzip bodies and gzip bombs. */
#include <zlib.h>

/* deflateInit2 is a macro that Swift cannot call; windowBits 31 writes a gzip
 * wrapper, -15 a raw deflate stream. */
static inline int finews_deflate_init(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY);
}

#endif
