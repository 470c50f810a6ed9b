/* <MandaatEndpointPath>/why: why a party the person expected is missing from the chooser: the
 * near misses of the resolution, each with what it means and what to do about it. */
#include "login.h"

#include "html/chooser.h"

#include <apr_strings.h>
#include <http_protocol.h>

int mnd_handle_why(request_rec *r)
{
    mnd_actor_t actor = {0};
    const char *insz;
    mnd_txn_t *t;
    mnd_store_t *st;
    mnd_resolution_t *res;
    mnd_error_t *err;
    apr_hash_t *v;
    mnd_lang_t lang = mnd_page_lang(r);

    if (!mnd_method_ok(r, MND_M(M_GET), "GET, HEAD"))
        return mnd_answer(r);
    if (!mnd_login_actor(r, &actor, &insz) || !mnd_login_txn(r, insz, &t))
        return mnd_answer(r);
    err = mnd_glue_store(r, &st);
    if (!err)
        err = mnd_glue_resolve(r, st, t->actor, t->service_id, t->loa, &res);
    if (err) {
        mnd_req_fail_error(r, err, "explaining the chooser");
        return mnd_answer(r);
    }
    v = apr_hash_make(r->pool);
    apr_hash_set(v, "service_name", APR_HASH_KEY_STRING,
                 mnd_name_pick(res->service->name, lang, res->service->id));
    apr_hash_set(v, "actor_name", APR_HASH_KEY_STRING, mnd_login_actor_name(r, t, res, lang));
    apr_hash_set(v, "misses", APR_HASH_KEY_STRING,
                 mnd_why_build(r->pool, res, mnd_page_catalog(r), lang, mnd_now()));
    apr_hash_set(v, "back_url", APR_HASH_KEY_STRING, mnd_endpoint_url(r, "choose"));
    return mnd_page_send(r, HTTP_OK, MND_PAGE_WHY, v);
}
