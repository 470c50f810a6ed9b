/* The pages the module shows itself: templates loaded and checked at start (a bad template
 * refuses start, naming file, line and column), rendered in the language the browser asks
 * for, and sent with headers that keep them out of caches and frames: Cache-Control no-store,
 * a Content-Security-Policy that allows only this response's nonce for style and script,
 * frame-ancestors 'none' (and X-Frame-Options for old browsers), nosniff, no referrer. */
#include "login.h"

#include "crypto/seal.h"
#include "html/template.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_core.h>
#include <http_protocol.h>
#include <mod_core.h>

typedef struct mnd_pages_t {
    const mnd_catalog_t *cat;
    const mnd_template_t *pages[MND_PAGE__N];
} mnd_pages_t;

/* Placeholders the code supplies, per page; every page also gets the common ones. */
#define COMMON "lang", "nonce", "service_name", "actor_name"
static const char *const chooser_names[] = {COMMON,   "form_action", "csrf",       "search",
                                            "search_action", "summary", "rows", "pager",
                                            "why_url", "cancel_url", "matched", "total", NULL};
static const char *const why_names[] = {COMMON, "misses", "back_url", NULL};
static const char *const error_names[] = {COMMON, "title", "message", "back", "reference", NULL};
static const char *const post_names[] = {COMMON,   "title",  "message", "action",
                                         "fields", "auto", NULL};

static const struct {
    const char *file;
    const char *const *names;
} page_defs[MND_PAGE__N] = {
    {"chooser.html", chooser_names},
    {"why.html", why_names},
    {"error.html", error_names},
    {"post.html", post_names},
};

static const char *template_dir(const server_rec *s)
{
    const char *d = mnd_conf_template_dir(s);
    return d ? d : MND_TEMPLATE_DIR;
}

static mnd_error_t *load_pages(apr_pool_t *p, const server_rec *s, const mnd_pages_t **out)
{
    mnd_pages_t *pg = apr_pcalloc(p, sizeof(*pg));
    mnd_template_t *t;
    int i;

    pg->cat = mnd_catalog_builtin();
    for (i = 0; i < MND_PAGE__N; i++) {
        const char *path = apr_pstrcat(p, template_dir(s), "/", page_defs[i].file, NULL);
        MND_TRY(mnd_template_load(p, path, page_defs[i].names, pg->cat, &t));
        pg->pages[i] = t;
    }
    *out = pg;
    return NULL;
}

int mnd_pages_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *by_dir = apr_hash_make(ptemp);
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        mnd_server_conf_t *conf = mnd_server_conf_rw(sp);
        const char *dir = template_dir(sp);
        const mnd_pages_t *pg;
        mnd_error_t *err;

        if (!conf->state_used)
            continue;
        /* Servers with the same directory share one loaded set. */
        pg = apr_hash_get(by_dir, dir, APR_HASH_KEY_STRING);
        if (!pg) {
            err = load_pages(pconf, sp, &pg);
            if (err) {
                ap_log_error(APLOG_MARK, APLOG_CRIT, 0, sp,
                             MND_LOGNO(0021) "page templates (%s %s): %s", MND_DIR_TEMPLATE_DIR,
                             dir, err->msg);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(by_dir, dir, APR_HASH_KEY_STRING, pg);
        }
        conf->pages = pg;
    }
    return OK;
}

mnd_lang_t mnd_page_lang(request_rec *r)
{
    return mnd_lang_negotiate(apr_table_get(r->headers_in, "Accept-Language"), MND_LANG_NL);
}

const mnd_catalog_t *mnd_page_catalog(request_rec *r)
{
    const mnd_pages_t *pg = mnd_server_conf(r->server)->pages;
    return pg ? pg->cat : mnd_catalog_builtin();
}

static void security_headers(request_rec *r, const char *nonce)
{
    apr_table_t *h = r->err_headers_out;
    const mnd_req_t *req = mnd_req_peek(r);
    /* A page that posts to a partner (a SAML ACS, an OIDC redirect_uri) names that origin, and
     * only that. */
    const char *target = req && req->form_target ? req->form_target : "";
    apr_table_setn(h, "Cache-Control", "no-store");
    apr_table_setn(h, "Pragma", "no-cache");
    apr_table_setn(h, "Content-Security-Policy",
                   apr_psprintf(r->pool,
                                "default-src 'none'; style-src 'nonce-%s'; script-src "
                                "'nonce-%s'; form-action 'self'%s%s; "
                                "frame-ancestors 'none'; base-uri 'none'",
                                nonce, nonce, *target ? " " : "", target));
    apr_table_setn(h, "X-Frame-Options", "DENY");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    apr_table_setn(h, "Referrer-Policy", "no-referrer");
}

int mnd_page_send(request_rec *r, int status, mnd_page_id_t id, apr_hash_t *values)
{
    const mnd_pages_t *pg = mnd_server_conf(r->server)->pages;
    mnd_lang_t lang = mnd_page_lang(r);
    const char *nonce = NULL, *body;

    if (!pg) {
        /* Only when no MandaatService configured the server: say so rather than guess. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      MND_LOGNO(0022) "no page templates are loaded for this server (it has no "
                                      "%s); cannot show a page",
                      MND_DIR_SERVICE);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (mnd_random_token(r->pool, 18, &nonce))
        return HTTP_INTERNAL_SERVER_ERROR;
    if (!values)
        values = apr_hash_make(r->pool);
    apr_hash_set(values, "lang", APR_HASH_KEY_STRING, mnd_lang_code(lang));
    apr_hash_set(values, "nonce", APR_HASH_KEY_STRING, nonce);
    body = mnd_template_render(r->pool, pg->pages[id], values, lang);
    security_headers(r, nonce);
    apr_table_setn(r->err_headers_out, "Content-Language", mnd_lang_code(lang));
    ap_set_content_type(r, "text/html; charset=utf-8");
    r->status = status;
    ap_set_content_length(r, strlen(body));
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}

static const char *msg_or(request_rec *r, const char *key, const char *fallback_key)
{
    const char *m = mnd_msg(mnd_page_catalog(r), mnd_page_lang(r), key);
    return m ? m : mnd_msg(mnd_page_catalog(r), mnd_page_lang(r), fallback_key);
}

static const char *back_link(request_rec *r, const char *back)
{
    const char *text;
    if (!back || !*back)
        return "";
    text = msg_or(r, "page.continue", "error.title");
    return apr_psprintf(r->pool, "<p><a class=\"back\" href=\"%s\">%s</a></p>",
                        mnd_html_attr(r->pool, back), mnd_html_text(r->pool, text));
}

static int render_message(request_rec *r, int status, const char *title, const char *message,
                          const char *back, const char *reference)
{
    apr_hash_t *v = apr_hash_make(r->pool);
    apr_hash_set(v, "title", APR_HASH_KEY_STRING, title);
    apr_hash_set(v, "message", APR_HASH_KEY_STRING, message);
    apr_hash_set(v, "back", APR_HASH_KEY_STRING, back_link(r, back));
    if (reference) {
        const char *args[1] = {reference};
        apr_hash_set(v, "reference", APR_HASH_KEY_STRING,
                     mnd_msg_args(r->pool, mnd_page_catalog(r), mnd_page_lang(r),
                                  "error.reference", 1, args));
    }
    return mnd_page_send(r, status, MND_PAGE_ERROR, v);
}

int mnd_page_error(request_rec *r, int status, const char *code, const char *back,
                   const char *reference)
{
    apr_table_setn(r->subprocess_env, "MANDAAT_ERROR", code);
    apr_table_setn(r->notes, "MANDAAT_ERROR", code);
    /* An operator's ErrorDocument for this status wins: it can read MANDAAT_ERROR. */
    if (ap_response_code_string(r, ap_index_of_response(status)))
        return status;
    return render_message(r, status, msg_or(r, "error.title", "error.title"),
                          msg_or(r, apr_pstrcat(r->pool, "error.", code, NULL), "error.internal"),
                          back, reference);
}

int mnd_page_notice(request_rec *r, const char *title_key, const char *message_key,
                    const char *back)
{
    return render_message(r, HTTP_OK, msg_or(r, title_key, "error.title"),
                          msg_or(r, message_key, "error.title"), back, NULL);
}

/* The origin of url for the page's form-action, or NULL when it has characters a CSP source
 * cannot carry. */
static const char *csp_origin(apr_pool_t *p, const char *url)
{
    apr_uri_t u;
    const char *o, *c;
    if (apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme || !u.hostname)
        return NULL;
    o = apr_uri_unparse(p, &u, APR_URI_UNP_OMITPATHINFO | APR_URI_UNP_OMITUSERINFO);
    for (c = o; *c; c++)
        if (!apr_isalnum(*c) && !strchr(".-:/[]", *c))
            return NULL;
    return o;
}

int mnd_post_page(request_rec *r, const char *url, const char *const *fields,
                  const char *title_key, const char *message_key)
{
    const mnd_catalog_t *cat = mnd_page_catalog(r);
    mnd_lang_t lang = mnd_page_lang(r);
    apr_hash_t *v = apr_hash_make(r->pool);
    mnd_req_t *rq = mnd_req(r);
    const char *inputs = "";
    size_t i;

    rq->form_target = csp_origin(r->pool, url);
    if (!rq->form_target) {
        mnd_req_fail_error(r, mnd_error(r->pool, MND_EINTERNAL, "target URL %s", url),
                           "the page posting to a partner");
        return mnd_answer(r);
    }
    /* Every name and value escaped here: the template takes the fields as markup. */
    for (i = 0; fields && fields[i]; i += 2) {
        if (!fields[i + 1])
            continue;
        inputs = apr_pstrcat(r->pool, inputs, "<input type=\"hidden\" name=\"",
                             mnd_html_attr(r->pool, fields[i]), "\" value=\"",
                             mnd_html_attr(r->pool, fields[i + 1]), "\">\n", NULL);
    }
    apr_hash_set(v, "title", APR_HASH_KEY_STRING, mnd_msg(cat, lang, title_key));
    apr_hash_set(v, "message", APR_HASH_KEY_STRING, mnd_msg(cat, lang, message_key));
    apr_hash_set(v, "action", APR_HASH_KEY_STRING, url);
    apr_hash_set(v, "fields", APR_HASH_KEY_STRING, inputs);
    apr_hash_set(v, "auto", APR_HASH_KEY_STRING, rq->manual_post ? "0" : "1");
    return mnd_page_send(r, HTTP_OK, MND_PAGE_POST, v);
}
