/* The benchmarks' HTTP client: see http_client.h. */
#include "http_client.h"

#include "bench_util.h"

#include <apr_base64.h>
#include <apr_escape.h>
#include <apr_strings.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void buf_reserve(mnd_buf_t *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->len + n + 1)
            c *= 2;
        if (!(b->d = realloc(b->d, c)))
            abort();
        b->cap = c;
    }
}

void mnd_buf_add(mnd_buf_t *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->d + b->len, s, n);
    b->len += n;
    b->d[b->len] = '\0';
}

void mnd_buf_printf(mnd_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->d + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* ---- HTTP/1.1 client over one keep-alive connection ---- */

void mnd_http_close(mnd_http_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->in_len = c->in_pos = 0;
}

static int conn_open(mnd_http_conn_t *c)
{
    struct sockaddr_in a;
    struct timeval tv = {60, 0};
    int one = 1;
    if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)c->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        mnd_http_close(c);
        return -1;
    }
    return 0;
}

/* Read more bytes; 0 at end of stream, -1 on error. */
static ssize_t fill(mnd_http_conn_t *c)
{
    ssize_t n;
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    if (c->in_len == sizeof(c->in))
        return -1;
    do
        n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->in_len += (size_t)n;
    return n;
}

/* Take n bytes into out (or drop them when out is NULL). */
static int take(mnd_http_conn_t *c, size_t n, mnd_buf_t *out)
{
    while (n > 0) {
        size_t have = c->in_len - c->in_pos, k = have < n ? have : n;
        if (k == 0) {
            if (fill(c) <= 0)
                return -1;
            continue;
        }
        if (out)
            mnd_buf_add(out, c->in + c->in_pos, k);
        c->in_pos += k;
        n -= k;
    }
    return 0;
}

static int read_line(mnd_http_conn_t *c, char *line, size_t len)
{
    char *eol;
    while (!(eol = memmem(c->in + c->in_pos, c->in_len - c->in_pos, "\r\n", 2)))
        if (fill(c) <= 0)
            return -1;
    snprintf(line, len, "%.*s", (int)(eol - (c->in + c->in_pos)), c->in + c->in_pos);
    c->in_pos = (size_t)(eol - c->in) + 2;
    return 0;
}

/* The value of header name in head (from *from on, which moves past it), or NULL. */
const char *mnd_http_header(const char *head, const char *name, const char **from, size_t *len)
{
    size_t n = strlen(name);
    const char *h = from && *from ? *from : head;
    while ((h = strstr(h, "\r\n")) != NULL) {
        h += 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            const char *v = h + n + 1, *e;
            while (*v == ' ' || *v == '\t')
                v++;
            e = strstr(v, "\r\n");
            *len = e ? (size_t)(e - v) : strlen(v);
            if (from)
                *from = v;
            return v;
        }
    }
    return NULL;
}

static int read_chunked(mnd_http_conn_t *c)
{
    char line[256];
    for (;;) {
        unsigned long n;
        if (read_line(c, line, sizeof(line)) < 0)
            return -1;
        n = strtoul(line, NULL, 16);
        if (n == 0)
            break;
        if (take(c, n, &c->body) < 0 || take(c, 2, NULL) < 0)
            return -1;
    }
    do /* trailers up to the empty line */
        if (read_line(c, line, sizeof(line)) < 0)
            return -1;
    while (line[0]);
    return 0;
}

/* One response: -2 when the connection ended before its first byte (a keep-alive connection
 * the server closed: worth one retry), -1 on other errors. *close says the server ends it. */
static int read_response(mnd_http_conn_t *c, mnd_http_resp_t *r, int *close_after)
{
    const char *v;
    char *end;
    size_t len;
    while (!(end = memmem(c->in + c->in_pos, c->in_len - c->in_pos, "\r\n\r\n", 4))) {
        ssize_t got = fill(c);
        if (got <= 0)
            return c->in_len == 0 ? -2 : -1;
    }
    c->head.len = c->body.len = 0;
    mnd_buf_add(&c->head, c->in + c->in_pos, (size_t)(end - (c->in + c->in_pos)) + 2);
    mnd_buf_add(&c->body, "", 0);
    c->in_pos = (size_t)(end - c->in) + 4;
    if (sscanf(c->head.d, "HTTP/1.%*d %d", &r->status) != 1)
        return -1;
    *close_after =
        (v = mnd_http_header(c->head.d, "Connection", NULL, &len)) && !strncasecmp(v, "close", 5);
    if ((v = mnd_http_header(c->head.d, "Transfer-Encoding", NULL, &len)) &&
        !strncasecmp(v, "chunked", 7)) {
        if (read_chunked(c) < 0)
            return -1;
    } else if ((v = mnd_http_header(c->head.d, "Content-Length", NULL, &len))) {
        if (take(c, strtoul(v, NULL, 10), &c->body) < 0)
            return -1;
    } else if (r->status >= 200 && r->status != 204 && r->status != 304) {
        while (take(c, 1, &c->body) == 0) /* until the server closes */
            ;
        *close_after = 1;
    }
    r->head = c->head.d;
    r->body = c->body.d;
    r->body_len = c->body.len;
    return 0;
}

static int send_all(int fd, const char *d, size_t n)
{
    while (n > 0) {
        ssize_t k = send(fd, d, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        d += k;
        n -= (size_t)k;
    }
    return 0;
}

/* One request and its response; extra holds complete header lines. */
int mnd_http_request(mnd_http_conn_t *c, const char *method, const char *path, const char *extra,
                     const char *body, mnd_http_resp_t *r)
{
    int attempt, rc = -1, close_after = 0;
    c->req.len = 0;
    mnd_buf_printf(&c->req,
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: %s\r\n"
                   "Accept-Language: nl\r\n%s",
                   method, path, c->port, c->agent, extra ? extra : "");
    if (body)
        mnd_buf_printf(&c->req,
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       "Content-Length: %zu\r\n",
                       strlen(body));
    mnd_buf_add(&c->req, "\r\n", 2);
    if (body)
        mnd_buf_add(&c->req, body, strlen(body));
    for (attempt = 0; attempt < 2; attempt++) {
        if (c->fd < 0 && conn_open(c) < 0)
            return -1;
        if (send_all(c->fd, c->req.d, c->req.len) == 0)
            rc = read_response(c, r, &close_after);
        else
            rc = -2;
        if (rc == 0 && close_after)
            mnd_http_close(c);
        if (rc != -2)
            break;
        mnd_http_close(c);
        c->reconnects++;
    }
    if (rc != 0)
        mnd_http_close(c);
    return rc == 0 ? 0 : -1;
}

/* ---- cookies: what a browser would send to 127.0.0.1 ---- */

static void jar_set(mnd_http_jar_t *j, const char *sc, size_t len)
{
    char line[1024], *eq, *semi, *attrs, *path;
    int i, del;
    snprintf(line, sizeof(line), "%.*s", (int)len, sc);
    if (!(eq = strchr(line, '=')))
        return;
    *eq = '\0';
    semi = strchr(eq + 1, ';');
    attrs = semi ? semi + 1 : eq + 1 + strlen(eq + 1);
    if (semi)
        *semi = '\0';
    del = eq[1] == '\0' || strcasestr(attrs, "max-age=0") != NULL;
    path = strcasestr(attrs, "path=");
    for (i = 0; i < j->n && strcmp(j->c[i].name, line) != 0; i++)
        ;
    if (del) {
        if (i < j->n)
            j->c[i] = j->c[--j->n];
        return;
    }
    if (i == j->n && j->n == MND_HTTP_MAX_COOKIES)
        return;
    if (i == j->n)
        j->n++;
    snprintf(j->c[i].name, sizeof(j->c[i].name), "%.63s", line);
    snprintf(j->c[i].value, sizeof(j->c[i].value), "%.255s", eq + 1);
    snprintf(j->c[i].path, sizeof(j->c[i].path), "%.*s", path ? (int)strcspn(path + 5, ";") : 1,
             path ? path + 5 : "/");
}

static void jar_update(mnd_http_jar_t *j, const char *head)
{
    const char *from = NULL, *v;
    size_t len;
    while ((v = mnd_http_header(head, "Set-Cookie", &from, &len)) != NULL)
        jar_set(j, v, len);
}

/* RFC 6265 path match. */
static int path_match(const char *cookie_path, const char *path)
{
    size_t n = strlen(cookie_path);
    return strncmp(cookie_path, path, n) == 0 &&
           (path[n] == '\0' || path[n] == '/' || path[n] == '?' || cookie_path[n - 1] == '/');
}

/* The Cookie header line for path (empty when none applies) plus the auth line. */
void mnd_http_request_headers(const mnd_http_jar_t *j, const char *path, const char *auth,
                              mnd_buf_t *out)
{
    int i, any = 0;
    out->len = 0;
    mnd_buf_add(out, "", 0);
    if (auth)
        mnd_buf_printf(out, "Authorization: %s\r\n", auth);
    for (i = 0; i < j->n; i++)
        if (path_match(j->c[i].path, path)) {
            mnd_buf_printf(out, "%s%s=%s", any++ ? "; " : "Cookie: ", j->c[i].name, j->c[i].value);
        }
    if (any)
        mnd_buf_add(out, "\r\n", 2);
}

/* ---- the browser ---- */

void mnd_http_client_init(mnd_http_client_t *cl, apr_pool_t *p, int port, const char *user,
                          const char *pw, const char *agent)
{
    memset(cl, 0, sizeof(*cl));
    cl->conn.fd = -1;
    cl->conn.port = port;
    cl->conn.agent = agent;
    if (user) {
        const char *cred = apr_pstrcat(p, user, ":", pw, NULL);
        char *b64 = apr_palloc(p, (apr_size_t)apr_base64_encode_len((int)strlen(cred)));
        apr_base64_encode(b64, cred, (int)strlen(cred));
        cl->auth = apr_pstrcat(p, "Basic ", b64, NULL);
    }
    apr_pool_create(&cl->pool, p);
}

void mnd_http_client_done(mnd_http_client_t *cl)
{
    mnd_http_close(&cl->conn);
    free(cl->conn.head.d);
    free(cl->conn.body.d);
    free(cl->conn.req.d);
    free(cl->hdr.d);
}

/* A request as the browser sends it: cookies and credentials; answers the timed status. */
int mnd_http_browse(mnd_http_client_t *cl, const char *method, const char *path, const char *body,
                    int expect, mnd_http_resp_t *r, double *ms)
{
    double t0;
    mnd_http_request_headers(&cl->jar, path, cl->auth, &cl->hdr);
    t0 = mnd_bench_now();
    if (mnd_http_request(&cl->conn, method, path, cl->hdr.d, body, r) < 0) {
        snprintf(cl->why, sizeof(cl->why), "%s %s: no response (%s)", method, path,
                 strerror(errno));
        return -1;
    }
    if (ms)
        *ms = (mnd_bench_now() - t0) * 1e3;
    jar_update(&cl->jar, r->head);
    if (r->status != expect) {
        snprintf(cl->why, sizeof(cl->why), "%s %s: status %d, expected %d: %.200s", method, path,
                 r->status, expect, r->body_len ? r->body : r->head);
        return -1;
    }
    return 0;
}

/* The path of a Location header (absolute or not). */
const char *mnd_http_location_path(apr_pool_t *p, const mnd_http_resp_t *r)
{
    size_t len;
    const char *v = mnd_http_header(r->head, "Location", NULL, &len), *s;
    if (!v)
        return NULL;
    v = apr_pstrmemdup(p, v, len);
    if ((s = strstr(v, "://")) != NULL)
        v = strchr(s + 3, '/');
    return v;
}

/* The value of the attribute value="..." of the first tag that carries marker, from *at on. */
const char *mnd_http_form_value(apr_pool_t *p, const char *html, const char *marker)
{
    const char *m = strstr(html, marker), *v, *e, *gt;
    if (!m || !(v = strstr(m, "value=\"")) || !(gt = strchr(m, '>')) || v > gt)
        return NULL;
    v += 7;
    if (!(e = strchr(v, '"')))
        return NULL;
    return apr_punescape_entity(p, apr_pstrmemdup(p, v, (apr_size_t)(e - v)));
}