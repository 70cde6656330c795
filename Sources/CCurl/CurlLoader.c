/*
 * libcurl, loaded at run time: see CCurl.h. Every entry point waits for the one
 * loading (pthread_once) and then calls through the table filled by dlsym.
 */
#define _GNU_SOURCE
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/* The soname that libcurl4 (and -dev's libcurl.so link) names; ABI 4 since 2006. */
#define FINEWS_CURL_SONAME "libcurl.so.4"

static struct {
    CURLcode (*global_init)(long flags);
    curl_version_info_data *(*version_info)(CURLversion age);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    const char *(*easy_strerror)(CURLcode code);
    CURLcode (*easy_setopt)(CURL *handle, CURLoption option, ...);
    CURLcode (*easy_getinfo)(CURL *handle, CURLINFO info, ...);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
    void (*slist_free_all)(struct curl_slist *list);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd *extra, unsigned int count, int milliseconds, int *ready);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    CURLMsg *(*multi_info_read)(CURLM *multi, int *remaining);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *url);
    CURLUcode (*url_set)(CURLU *url, CURLUPart part, const char *content, unsigned int flags);
    CURLUcode (*url_get)(CURLU *url, CURLUPart part, char **content, unsigned int flags);
    void (*free)(void *pointer);
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int ready;
static char load_error[512];

/* Looks `name` up into `slot`; false (with the reason kept) when libcurl lacks it. */
static int find(void *library, const char *name, void **slot) {
    *slot = dlsym(library, name);
    if (*slot != NULL) return 1;
    snprintf(load_error, sizeof load_error,
             "%s has no %s: finews needs libcurl 7.80 or later (Debian 12's libcurl4 is 7.88)",
             FINEWS_CURL_SONAME, name);
    return 0;
}

#define FIND(field, name) find(library, name, (void **)&curl.field)

static void load(void) {
    void *library = dlopen(FINEWS_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s (%s); install libcurl4 (apt-get install libcurl4)",
                 FINEWS_CURL_SONAME, reason != NULL ? reason : "unknown error");
        return;
    }
    if (!(FIND(global_init, "curl_global_init") && FIND(version_info, "curl_version_info")
          && FIND(easy_init, "curl_easy_init") && FIND(easy_cleanup, "curl_easy_cleanup")
          && FIND(easy_strerror, "curl_easy_strerror") && FIND(easy_setopt, "curl_easy_setopt")
          && FIND(easy_getinfo, "curl_easy_getinfo") && FIND(slist_append, "curl_slist_append")
          && FIND(slist_free_all, "curl_slist_free_all") && FIND(multi_init, "curl_multi_init")
          && FIND(multi_cleanup, "curl_multi_cleanup") && FIND(multi_setopt, "curl_multi_setopt")
          && FIND(multi_add_handle, "curl_multi_add_handle") && FIND(multi_remove_handle, "curl_multi_remove_handle")
          && FIND(multi_perform, "curl_multi_perform") && FIND(multi_poll, "curl_multi_poll")
          && FIND(multi_wakeup, "curl_multi_wakeup") && FIND(multi_info_read, "curl_multi_info_read")
          && FIND(url, "curl_url") && FIND(url_cleanup, "curl_url_cleanup") && FIND(url_set, "curl_url_set")
          && FIND(url_get, "curl_url_get") && FIND(free, "curl_free"))) {
        return;
    }
    CURLcode code = curl.global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl could not initialize (curl_global_init: error %d)", (int)code);
        return;
    }
    ready = 1;
}

int finews_curl_load(void) {
    pthread_once(&load_once, load);
    return ready;
}

static void *load_on_thread(void *unused) {
    (void)unused;
    finews_curl_load();
    return NULL;
}

void finews_curl_load_in_background(void) {
    pthread_t thread;
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0) return;
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    /* dlopen and the libraries' constructors need little stack. */
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    if (pthread_create(&thread, &attributes, load_on_thread, NULL) == 0) {
        pthread_setname_np(thread, "finews-curl-load");
    }
    pthread_attr_destroy(&attributes);
}

const char *finews_curl_load_error(void) {
    pthread_once(&load_once, load);
    return ready ? NULL : load_error;
}

const char *finews_curl_version_number(void) {
    if (!finews_curl_load()) return NULL;
    const curl_version_info_data *info = curl.version_info(CURLVERSION_NOW);
    return info != NULL ? info->version : NULL;
}

CURL *finews_curl_easy_init(void) { return finews_curl_load() ? curl.easy_init() : NULL; }

void finews_curl_easy_cleanup(CURL *handle) {
    if (finews_curl_load()) curl.easy_cleanup(handle);
}

const char *finews_curl_easy_strerror(CURLcode code) {
    return finews_curl_load() ? curl.easy_strerror(code) : load_error;
}

struct curl_slist *finews_curl_slist_append(struct curl_slist *list, const char *string) {
    return finews_curl_load() ? curl.slist_append(list, string) : NULL;
}

void finews_curl_slist_free_all(struct curl_slist *list) {
    if (finews_curl_load()) curl.slist_free_all(list);
}

CURLM *finews_curl_multi_init(void) { return finews_curl_load() ? curl.multi_init() : NULL; }

CURLMcode finews_curl_multi_cleanup(CURLM *multi) {
    return finews_curl_load() ? curl.multi_cleanup(multi) : CURLM_INTERNAL_ERROR;
}

CURLMcode finews_curl_multi_add_handle(CURLM *multi, CURL *easy) {
    return finews_curl_load() ? curl.multi_add_handle(multi, easy) : CURLM_INTERNAL_ERROR;
}

CURLMcode finews_curl_multi_remove_handle(CURLM *multi, CURL *easy) {
    return finews_curl_load() ? curl.multi_remove_handle(multi, easy) : CURLM_INTERNAL_ERROR;
}

CURLMcode finews_curl_multi_perform(CURLM *multi, int *running) {
    return finews_curl_load() ? curl.multi_perform(multi, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode finews_curl_multi_poll(CURLM *multi, struct curl_waitfd *extra, unsigned int count, int milliseconds,
                                 int *ready_count) {
    return finews_curl_load() ? curl.multi_poll(multi, extra, count, milliseconds, ready_count) : CURLM_INTERNAL_ERROR;
}

CURLMcode finews_curl_multi_wakeup(CURLM *multi) {
    return finews_curl_load() ? curl.multi_wakeup(multi) : CURLM_INTERNAL_ERROR;
}

CURLMsg *finews_curl_multi_info_read(CURLM *multi, int *remaining) {
    return finews_curl_load() ? curl.multi_info_read(multi, remaining) : NULL;
}

CURLU *finews_curl_url(void) { return finews_curl_load() ? curl.url() : NULL; }

void finews_curl_url_cleanup(CURLU *url) {
    if (finews_curl_load()) curl.url_cleanup(url);
}

CURLUcode finews_curl_url_set(CURLU *url, CURLUPart part, const char *content, unsigned int flags) {
    return finews_curl_load() ? curl.url_set(url, part, content, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode finews_curl_url_get(CURLU *url, CURLUPart part, char **content, unsigned int flags) {
    return finews_curl_load() ? curl.url_get(url, part, content, flags) : CURLUE_OUT_OF_MEMORY;
}

void finews_curl_free(void *pointer) {
    if (finews_curl_load()) curl.free(pointer);
}

/* The typed faces of the variadic functions (Swift cannot call C variadics). */

CURLcode finews_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_data_callback(CURL *handle, CURLoption option, finews_curl_data_callback value) {
    return finews_curl_load() ? curl.easy_setopt(handle, option, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_xferinfo_callback(CURL *handle, finews_curl_xferinfo_callback value) {
    return finews_curl_load() ? curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_opensocket_callback(CURL *handle, finews_curl_opensocket_callback value) {
    return finews_curl_load() ? curl.easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_setopt_prereq_callback(CURL *handle, finews_curl_prereq_callback value) {
    return finews_curl_load() ? curl.easy_setopt(handle, CURLOPT_PREREQFUNCTION, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return finews_curl_load() ? curl.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return finews_curl_load() ? curl.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_getinfo_offset(CURL *handle, CURLINFO info, curl_off_t *value) {
    return finews_curl_load() ? curl.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}

CURLcode finews_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return finews_curl_load() ? curl.easy_getinfo(handle, info, value) : CURLE_FAILED_INIT;
}

CURLMcode finews_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return finews_curl_load() ? curl.multi_setopt(handle, option, value) : CURLM_INTERNAL_ERROR;
}
