#ifndef FINEWS_CCURL_SHIM_H
#define FINEWS_CCURL_SHIM_H

#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/*
 * libcurl is loaded at run time (dlopen of libcurl.so.4), not linked: with its TLS,
 * SSH, LDAP and Kerberos libraries it is 36 shared objects, and loading them took
 * about 7 ms of every start, before main. A fetching command starts the loading on
 * a thread of its own (finews_curl_load_in_background) while it reads its
 * configuration and state;
 * every function below waits for it to end, and reports failure (NULL,
 * CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR, CURLUE_OUT_OF_MEMORY) when libcurl could
 * not be loaded. Only the types and constants come from curl.h.
 */

/* Loads libcurl and runs curl_global_init, once; later calls wait for the first.
 * Returns 1 when libcurl is ready, 0 when it is not (finews_curl_load_error says why). */
int finews_curl_load(void);
/* Starts finews_curl_load on a detached thread of its own and returns at once. */
void finews_curl_load_in_background(void);
/* Why libcurl could not be loaded, or NULL once it has (waits for the loading). */
const char *finews_curl_load_error(void);

/* The version of the libcurl in use ("7.88.1"), or NULL. */
const char *finews_curl_version_number(void);

CURL *finews_curl_easy_init(void);
void finews_curl_easy_cleanup(CURL *handle);
const char *finews_curl_easy_strerror(CURLcode code);
struct curl_slist *finews_curl_slist_append(struct curl_slist *list, const char *string);
void finews_curl_slist_free_all(struct curl_slist *list);

CURLM *finews_curl_multi_init(void);
CURLMcode finews_curl_multi_cleanup(CURLM *multi);
CURLMcode finews_curl_multi_add_handle(CURLM *multi, CURL *easy);
CURLMcode finews_curl_multi_remove_handle(CURLM *multi, CURL *easy);
CURLMcode finews_curl_multi_perform(CURLM *multi, int *running);
CURLMcode finews_curl_multi_poll(CURLM *multi, struct curl_waitfd *extra, unsigned int count, int milliseconds,
                                 int *ready);
CURLMcode finews_curl_multi_wakeup(CURLM *multi);
CURLMsg *finews_curl_multi_info_read(CURLM *multi, int *remaining);

CURLU *finews_curl_url(void);
void finews_curl_url_cleanup(CURLU *url);
CURLUcode finews_curl_url_set(CURLU *url, CURLUPart part, const char *content, unsigned int flags);
CURLUcode finews_curl_url_get(CURLU *url, CURLUPart part, char **content, unsigned int flags);
void finews_curl_free(void *pointer);

/*
 * curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, and
 * Swift cannot call C variadic functions. These typed wrappers fix the type of
 * the third argument for each kind of option, as libcurl's documentation asks
 * ("long", "char *", "curl_off_t", a function pointer or a data pointer).
 */

typedef size_t (*finews_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*finews_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                             curl_off_t ultotal, curl_off_t ulnow);

CURLcode finews_easy_setopt_long(CURL *handle, CURLoption option, long value);

CURLcode finews_easy_setopt_string(CURL *handle, CURLoption option, const char *value);

CURLcode finews_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);

CURLcode finews_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);

CURLcode finews_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

CURLcode finews_easy_setopt_data_callback(CURL *handle, CURLoption option,
                                                        finews_curl_data_callback value);

CURLcode finews_easy_setopt_xferinfo_callback(CURL *handle, finews_curl_xferinfo_callback value);

CURLcode finews_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

CURLcode finews_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);

CURLcode finews_easy_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value);

CURLcode finews_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value);

CURLMcode finews_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

typedef curl_socket_t (*finews_curl_opensocket_callback)(void *userdata, curlsocktype purpose,
                                                         struct curl_sockaddr *address);
typedef int (*finews_curl_prereq_callback)(void *userdata, char *primary_ip, char *local_ip,
                                           int primary_port, int local_port);

CURLcode finews_easy_setopt_opensocket_callback(CURL *handle, finews_curl_opensocket_callback value);

CURLcode finews_easy_setopt_prereq_callback(CURL *handle, finews_curl_prereq_callback value);

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
