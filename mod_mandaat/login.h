/* The login path of the glue: per-request state, cookies, pages, the gateway hooks, the authz
 * providers and the endpoints (choose, switch, cancel, why, jwks, logout). What these files
 * share; the core they call is in src/flow (transactions, sessions, claims), src/html (pages),
 * src/core (resolution, audit, recent choices) and src/jose (the gateway's JWT).
 * See docs/gateway.md and docs/flow.md. */
#ifndef MND_LOGIN_H
#define MND_LOGIN_H

#include "mod_mandaat.h"

#include "core/resolve.h"
#include "flow/session.h"
#include "flow/txn.h"
#include "html/i18n.h"

#include <apr_hash.h>

/* Cookie names (the outside world sees them). */
#define MND_COOKIE_TXN "mandaat_txn"
#define MND_COOKIE_SESSION "mandaat_session"

/* Purposes of sealed state (bound into the AAD: a value of one never opens as another). */
#define MND_PURPOSE_TXN "txn"
#define MND_PURPOSE_SESSION "session"
/* A marker that a session was ended by logout: a request that read the session just before
 * the logout may still write it back; the marker keeps it dead. */
#define MND_PURPOSE_ENDED "session-ended"

/* Largest sealed transaction and session we accept back from the cache. */
#define MND_TXN_MAX_JSON (64 * 1024 + 6 * 256 * 1024)
#define MND_SESSION_MAX_JSON (128 * 1024)

/* Seconds an expired transaction stays in the cache (unusable) to explain itself. */
#define MND_TXN_GRACE 900

/* Largest urlencoded form body read by the endpoints. */
#define MND_FORM_MAX_BYTES 8192

/* ---- request.c: what the hooks of one request tell each other ---- */

typedef struct mnd_req_t {
    /* Set when our handler answers the request itself (a redirect to the chooser, an error
     * page): nothing further, in particular no proxy, runs for it. */
    int intercept;
    int status;             /* the answer's HTTP status */
    const char *location;   /* redirect target (status 303) */
    const char *error;      /* error code: MANDAAT_ERROR and the message key error.<code> */
    const char *back;       /* the error page's link back, or NULL */
    const char *reference;  /* transaction id shown for the helpdesk, or NULL */
    mnd_session_t *session; /* the valid session of a gateway request, or NULL */
    int checked;            /* the gateway's session check ran for this request */
    const char *form_target; /* an origin the page's forms may post to besides 'self' (the
                                SAML ACS, the OIDC redirect_uri), or NULL */
    int manual_post;        /* the posting page waits for the person's click */
} mnd_req_t;

/* The state of r (created on first use). */
mnd_req_t *mnd_req(request_rec *r);

/* The state of r or NULL when no hook created one. */
mnd_req_t *mnd_req_peek(const request_rec *r);

/* Answer r with an error page: status, code (message key error.<code>), optional back link. */
void mnd_req_fail(request_rec *r, int status, const char *code, const char *back);

/* Answer r with a 303 redirect to url. */
void mnd_req_redirect(request_rec *r, const char *url);

/* Map a core error to the answer: MND_ESTORE is 503 store_unavailable (fail closed), anything
 * else 500 internal; logs err with the request's context. */
void mnd_req_fail_error(request_rec *r, mnd_error_t *err, const char *what);

/* Log a security event at warn in the one greppable form
 * "MNDnnnn: security event=<event> client=<ip> uri=<path> <detail>"; detail never holds a
 * secret. */
void mnd_security_event(request_rec *r, const char *event, const char *detail);

/* The endpoint URL for name ("choose"): MandaatEndpointPath + "/" + name. */
const char *mnd_endpoint_url(request_rec *r, const char *name);

/* Whether return_to is a local path we may redirect to (starts with one '/', not "//" or
 * "/\", no control characters, at most 8 KiB). */
int mnd_local_path_ok(const char *return_to);

/* ---- cookies.c ---- */

/* The value of cookie name if it is a well-formed handle (43..128 base64url characters);
 * NULL otherwise. */
const char *mnd_cookie_handle(request_rec *r, const char *name);

/* Set cookie name=value for path with max_age seconds: HttpOnly, SameSite=Lax, Secure unless
 * MandaatCookieSecure Off. In err_headers_out, so redirects and error pages keep it. */
void mnd_cookie_set(request_rec *r, const char *name, const char *value, const char *path,
                    int max_age);

/* Remove cookie name for path. */
void mnd_cookie_clear(request_rec *r, const char *name, const char *path);

/* ---- scrub.c ---- */

/* fixups hook (first): remove every incoming header and environment variable that is ours
 * (Mandaat-*, MANDAAT_*, any case, '-' and '_' alike) so that nothing but the module sets
 * them; a header sent by the client is a security event. */
int mnd_scrub_fixups(request_rec *r);

/* ---- pages.c ---- */

typedef enum mnd_page_id_t {
    MND_PAGE_CHOOSER = 0,
    MND_PAGE_WHY,
    MND_PAGE_ERROR,
    MND_PAGE_POST, /* posts a protocol message to a partner (SAML, OIDC form_post) */
    MND_PAGE__N
} mnd_page_id_t;

/* post_config hook: load and check every template of every server that needs pages; a bad
 * template refuses start with its file, line and column. */
int mnd_pages_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The page language for r (Accept-Language, default nl) and the catalogue. */
mnd_lang_t mnd_page_lang(request_rec *r);
const mnd_catalog_t *mnd_page_catalog(request_rec *r);

/* Send page id with values (name -> raw const char *; lang, nonce and defaults added) and
 * status; sets no-store, CSP with a nonce, frame-ancestors 'none' and the other headers.
 * Returns OK (the handler's return value). */
int mnd_page_send(request_rec *r, int status, mnd_page_id_t id, apr_hash_t *values);

/* The error page of code (error.<code>) with status; sets MANDAAT_ERROR. When the operator has
 * an ErrorDocument for status, returns status so that httpd serves it; else sends our page
 * and returns OK. */
int mnd_page_error(request_rec *r, int status, const char *code, const char *back,
                   const char *reference);

/* A plain message page (status 200) reusing the error template: title and message keys. */
int mnd_page_notice(request_rec *r, const char *title_key, const char *message_key,
                    const char *back);

/* The page that posts fields (name, value pairs, NULL-terminated; a pair with a NULL value is
 * left out) to url (a SAML ACS, an OIDC redirect_uri): names and values escaped, the CSP's
 * form-action opened to url's origin only, submitting itself unless mnd_req(r)->manual_post.
 * A url without a usable origin is a 500 (nothing is posted). Returns the handler's value. */
int mnd_post_page(request_rec *r, const char *url, const char *const *fields,
                  const char *title_key, const char *message_key);

/* ---- resolve_glue.c ---- */

/* child_init hook: a resolution cache per server that has a store. */
void mnd_resolve_child_init(apr_pool_t *p, server_rec *s);

/* The capacities of person for service now, through the server's cache. */
mnd_error_t *mnd_glue_resolve(request_rec *r, mnd_store_t *st, const char *person,
                              const char *service_id, int loa, mnd_resolution_t **out);

/* ---- keys.c: the gateway's signing keys (MandaatGatewayJWTKeyFile) ---- */

/* post_config hook: load the key files of every server; a bad key refuses start. */
int mnd_keys_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/* The keys of server s (mnd_jwt_key_t *; the first signs), or NULL when none. */
const apr_array_header_t *mnd_keys(const server_rec *s);

/* ---- login.c: transactions from start to choice ---- */

/* The person of r as upstream authentication gives it, checked: no identity is 401/403
 * no_identity, an identifier that is not a valid INSZ is 403 invalid_insz (both logged and
 * answered through mnd_req_fail). *insz is the normalised INSZ. Returns 0 when r is answered. */
int mnd_login_actor(request_rec *r, mnd_actor_t *actor, const char **insz);

/* Start a login transaction of protocol for actor/service with return_to (gateway) or
 * proto_state (the protocol's pending request) and keep it; sets the transaction cookie.
 * hint_key is the capacity the login_hint designates or NULL. */
mnd_error_t *mnd_login_begin(request_rec *r, const mnd_actor_t *actor, const char *insz,
                             const char *service_id, const char *protocol,
                             const char *return_to, const char *proto_state,
                             const char *hint_key, mnd_txn_t **out);

/* The transaction of r's cookie, checked against insz. Answers r itself (expired page,
 * foreign transaction, store down) and returns 0 when it cannot be used. */
int mnd_login_txn(request_rec *r, const char *insz, mnd_txn_t **out);

/* Complete txn with capacity cap: the transaction is taken (single use: a second completion
 * fails with MND_ECONFLICT), a session is created and kept with its cookie, the audit record
 * written, the choice remembered and the request notes set. */
mnd_error_t *mnd_login_complete(request_rec *r, mnd_store_t *st, mnd_txn_t *txn,
                                const mnd_capacity_t *cap, mnd_session_t **out);

/* How pages name the person of t: the upstream names, else the store's name of the person
 * (the self row of res), else the masked INSZ. */
const char *mnd_login_actor_name(request_rec *r, const mnd_txn_t *t, const mnd_resolution_t *res,
                                 mnd_lang_t lang);

/* Write the audit record event for session s (who acts for whom, basis, via, mandate,
 * service, actions, transaction) with detail and the client address. */
mnd_error_t *mnd_login_audit(request_rec *r, mnd_store_t *st, const mnd_session_t *s,
                             const char *event, const char *detail);

/* End the session under handle for good (logout, single logout): a marker first, so that a
 * concurrent request writing the session back cannot revive it, then its state. */
mnd_error_t *mnd_login_end_session(request_rec *r, const char *handle);

/* Set the request notes and env for CustomLog of session s (MANDAAT_ACTOR, ...). */
void mnd_login_notes(request_rec *r, const mnd_session_t *s);

/* ---- gateway.c ---- */

/* check_authz hook (first): in a MandaatService location, find the person's session (checked
 * against the store) or start the chooser; declines when a session is valid so that the
 * Require rules decide. */
int mnd_gateway_check_authz(request_rec *r);

/* check_access_ex hook (first): the same check when an upstream module authenticated in the
 * access phase already (mod_auth_mellon sets r->user there), because httpd may then skip the
 * authentication and authorisation hooks. */
int mnd_gateway_access_ex(request_rec *r);

/* fixups hook: export the session to the backend; a gateway location reached without the
 * check above (no authentication configured) is refused (fail closed). */
int mnd_gateway_fixups(request_rec *r);

/* Whether r's path is under MandaatEndpointPath (the module's own endpoints). */
int mnd_is_endpoint(request_rec *r, const char **name);

/* The session of r's cookie for insz, valid now and still granted by the store; NULL (not an
 * error) when there is none or it ended (its state is then removed). */
mnd_error_t *mnd_gateway_session(request_rec *r, mnd_store_t *st, const char *insz,
                                 const char *service_id, mnd_session_t **out);

/* The unexpired, not logged-out session of r's cookie for insz whatever its service, without
 * the store check
 * (for switch, why and logout, which then resolve themselves); NULL when there is none. */
mnd_error_t *mnd_gateway_session_any(request_rec *r, const char *insz, mnd_session_t **out);

/* ---- export.c ---- */

/* Give session s to the backend: MANDAAT_* env, Mandaat-* headers (MandaatGatewayHeaders) and
 * the signed JWT header (MandaatGatewayJWTHeader). */
mnd_error_t *mnd_export_session(request_rec *r, const mnd_session_t *s);

/* ---- authz.c ---- */

/* Register the authz providers mandaat-action and mandaat-party. */
void mnd_authz_register(apr_pool_t *p);

/* ---- handler.c and handle_*.c ---- */

/* handler hook (really first): intercepted requests and the endpoints. */
int mnd_handler(request_rec *r);

/* Answer r as decided by mnd_req_fail / mnd_req_redirect (the handler's return value). */
int mnd_answer(request_rec *r);

/* Whether r's method is in methods (AP_METHOD_BIT << M_GET | ...); otherwise r is answered
 * 405 with the Allow header allow (return mnd_answer(r) then). HEAD counts as GET. */
int mnd_method_ok(request_rec *r, apr_int64_t methods, const char *allow);
#define MND_M(m) (AP_METHOD_BIT << (m))

int mnd_handle_choose(request_rec *r);
int mnd_handle_switch(request_rec *r);
int mnd_handle_cancel(request_rec *r);
int mnd_handle_logout(request_rec *r);
int mnd_handle_why(request_rec *r);
int mnd_handle_jwks(request_rec *r);

/* Read the urlencoded POST body of r (at most MND_FORM_MAX_BYTES) into name -> value; NULL
 * and an answered request (400/413) when it is not a readable form. */
apr_hash_t *mnd_read_form(request_rec *r);

/* The value of query parameter name of r (decoded), or NULL. */
const char *mnd_query_arg(request_rec *r, const char *name);

#endif
