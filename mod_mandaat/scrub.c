/* Nothing but the module may set what the backend trusts: every incoming header and
 * environment variable named Mandaat-* / MANDAAT_* (any case; '-' and '_' alike, because CGI
 * and several backends fold one into the other) is removed on every request, before anything
 * could pass it on. A client that sends one is logged as a security event. */
#include "login.h"

#include "flow/claims.h"

#include <apr_strings.h>

typedef struct scrub_ctx_t {
    request_rec *r;
    apr_array_header_t *names;
} scrub_ctx_t;

static int collect(void *baton, const char *key, const char *value)
{
    scrub_ctx_t *ctx = baton;
    (void)value;
    if (mnd_export_is_ours(key))
        APR_ARRAY_PUSH(ctx->names, const char *) = key;
    return 1;
}

/* Remove our names from t; returns the names removed, comma-separated, or NULL. */
static const char *scrub_table(request_rec *r, apr_table_t *t)
{
    scrub_ctx_t ctx = {r, apr_array_make(r->pool, 2, sizeof(const char *))};
    int i;
    apr_table_do(collect, &ctx, t, NULL);
    if (ctx.names->nelts == 0)
        return NULL;
    for (i = 0; i < ctx.names->nelts; i++)
        apr_table_unset(t, APR_ARRAY_IDX(ctx.names, i, const char *));
    return apr_array_pstrcat(r->pool, ctx.names, ',');
}

int mnd_scrub_fixups(request_rec *r)
{
    const char *removed;
    mnd_req_t *req = mnd_req_peek(r);

    /* Our own export of a previous pass (an internal redirect of a gateway request) is
     * removed too; it is set again if this request is a gateway request. */
    removed = scrub_table(r, r->headers_in);
    if (removed && !r->prev && !r->main)
        mnd_security_event(r, "spoofed_header",
                           apr_psprintf(r->pool, "names=%s (removed)",
                                        ap_escape_logitem(r->pool, removed)));
    /* MANDAAT_ERROR is ours too, and set by mnd_req_fail before this runs. */
    if (!(req && req->error))
        scrub_table(r, r->subprocess_env);
    return DECLINED;
}
