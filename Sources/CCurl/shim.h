#ifndef FINEWS_CCURL_SHIM_H
#define FINEWS_CCURL_SHIM_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/*
 * curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, and
 * Swift cannot call C variadic functions. These typed wrappers fix the type of
 * the third argument for each kind of option, as libcurl's documentation asks
 * ("long", "char *", "curl_off_t", a function pointer or a data pointer).
 */

typedef size_t (*finews_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*finews_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                             curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode finews_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                        finews_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode finews_easy_setopt_xferinfo_callback(CURL *handle, finews_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

static inline CURLcode finews_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode finews_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode finews_easy_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode finews_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode finews_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

typedef curl_socket_t (*finews_curl_opensocket_callback)(void *userdata, curlsocktype purpose,
                                                         struct curl_sockaddr *address);
typedef int (*finews_curl_prereq_callback)(void *userdata, char *primary_ip, char *local_ip,
                                           int primary_port, int local_port);

static inline CURLcode finews_easy_setopt_opensocket_callback(CURL *handle, finews_curl_opensocket_callback value) {
    return curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value);
}

static inline CURLcode finews_easy_setopt_prereq_callback(CURL *handle, finews_curl_prereq_callback value) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, value);
}

/*
 * The IP address libcurl is about to connect to, copied into `out` (16 bytes):
 * returns 4 for IPv4, 16 for IPv6 and 0 for anything else (a Unix socket). `addr`
 * is declared as a plain `struct sockaddr` but libcurl stores the whole address
 * there (`addrlen` bytes), so each family is read only when `addrlen` covers it.
 */
static inline int finews_sockaddr_ip(const struct curl_sockaddr *address, unsigned char out[16]) {
    if (address->family == AF_INET && address->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)&address->addr;
        memcpy(out, &in4->sin_addr, 4);
        return 4;
    }
    if (address->family == AF_INET6 && address->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)&address->addr;
        memcpy(out, &in6->sin6_addr, 16);
        return 16;
    }
    return 0;
}

/* What libcurl's own CURLOPT_OPENSOCKETFUNCTION does, plus close-on-exec (the daemon may start hooks). */
static inline curl_socket_t finews_open_socket(const struct curl_sockaddr *address) {
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

#endif
