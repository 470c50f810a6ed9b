/* The benchmarks' HTTP client (bench_login, bench_saml): HTTP/1.1 with keep-alive over plain
 * sockets to 127.0.0.1, one connection per client, Content-Length and chunked bodies, a small
 * cookie jar, and a "browser" that sends its cookies and Basic credentials with each request.
 * Deliberately small: it finds form fields with plain string search, not an HTML parser. Not
 * thread-safe per client; use one client per thread. */
#ifndef MND_BENCH_HTTP_CLIENT_H
#define MND_BENCH_HTTP_CLIENT_H

#include <apr_pools.h>
#include <stddef.h>

/* A growing, always NUL-terminated byte buffer (malloc'ed: free(b.d) when done). */
typedef struct mnd_buf_t {
    char *d;
    size_t len, cap;
} mnd_buf_t;

/* One keep-alive connection to 127.0.0.1:port (fd -1 while closed). */
typedef struct mnd_http_conn_t {
    int fd, port;
    const char *agent; /* User-Agent */
    char in[65536];
    size_t in_len, in_pos; /* received bytes in[in_pos, in_len) not yet consumed */
    mnd_buf_t head, body, req;
    long reconnects;
} mnd_http_conn_t;

/* A response; head and body point into the connection's buffers until its next request. */
typedef struct mnd_http_resp_t {
    int status;
    const char *head; /* status line and headers, NUL-terminated */
    const char *body;
    size_t body_len;
} mnd_http_resp_t;

#define MND_HTTP_MAX_COOKIES 8
/* The cookies a browser would keep for 127.0.0.1 (name, value, path; no expiry). */
typedef struct mnd_http_jar_t {
    int n;
    struct {
        char name[64], value[256], path[128];
    } c[MND_HTTP_MAX_COOKIES];
} mnd_http_jar_t;

/* A browser: a connection, its cookies, its credentials. */
typedef struct mnd_http_client_t {
    mnd_http_conn_t conn;
    mnd_http_jar_t jar;
    mnd_buf_t hdr;
    apr_pool_t *pool; /* the caller's scratch pool (e.g. cleared per login) */
    const char *auth; /* "Basic ..." */
    char why[512];    /* the last failure */
} mnd_http_client_t;

/* Append n bytes of s to b (aborts when out of memory). */
void mnd_buf_add(mnd_buf_t *b, const char *s, size_t n);

/* Append the formatted text to b, however long. */
void mnd_buf_printf(mnd_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Close c's connection (the next request opens a new one). */
void mnd_http_close(mnd_http_conn_t *c);

/* The value of header name in head (from *from on, which moves past it; from may be NULL), or
 * NULL; *len is its length. */
const char *mnd_http_header(const char *head, const char *name, const char **from, size_t *len);

/* One request and its response on c (opened when closed; one retry when a kept-alive
 * connection was closed by the server); extra holds complete header lines, body (may be NULL)
 * is sent as a urlencoded form. 0, or -1 on a transport error. */
int mnd_http_request(mnd_http_conn_t *c, const char *method, const char *path, const char *extra,
                     const char *body, mnd_http_resp_t *r);

/* A browser of user with password pw (user NULL: one that sends no credentials) for
 * 127.0.0.1:port, sending User-Agent agent; its scratch pool is a child of p. */
void mnd_http_client_init(mnd_http_client_t *cl, apr_pool_t *p, int port, const char *user,
                          const char *pw, const char *agent);

/* Close the connection and free the client's buffers. */
void mnd_http_client_done(mnd_http_client_t *cl);

/* The Cookie line (when a cookie applies to path) and the Authorization line (auth non-NULL)
 * a browser would send, into out (replaced). */
void mnd_http_request_headers(const mnd_http_jar_t *j, const char *path, const char *auth,
                              mnd_buf_t *out);

/* A request as the browser sends it (cookies, credentials), the jar updated from the
 * response; *ms (may be NULL) the time from send to the last byte. -1 with cl->why set when
 * there is no response or its status is not expect. */
int mnd_http_browse(mnd_http_client_t *cl, const char *method, const char *path, const char *body,
                    int expect, mnd_http_resp_t *r, double *ms);

/* The path of r's Location header (absolute or not), in p; NULL when there is none. */
const char *mnd_http_location_path(apr_pool_t *p, const mnd_http_resp_t *r);

/* The entity-decoded value="..." of the first tag of html that carries marker, or NULL. */
const char *mnd_http_form_value(apr_pool_t *p, const char *html, const char *marker);

#endif
