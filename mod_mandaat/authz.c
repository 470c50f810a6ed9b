/* Authorisation providers on the chosen capacity, usable in <RequireAll>/<RequireAny> like
 * any other Require:
 *   Require mandaat-action <action>...        the session allows one of these actions
 *   Require mandaat-party <party-id|basis>... the represented party is one of these ids
 *                                             (KBO number or INSZ, any common notation), or
 *                                             the basis is one of self, kbo, right, mandate
 * Before authentication (no r->user) they answer "denied, no user", which makes httpd run
 * the authentication; after it, gateway.c has put the checked session of the request in
 * place. Outside a MandaatService location there is no session and they deny. */
#include "login.h"

#include <apr_strings.h>
#include <http_request.h>
#include <mod_auth.h>

typedef struct party_rule_t {
    apr_array_header_t *ids; /* normalised party ids */
    unsigned bases;          /* MND_BASIS_BIT mask */
} party_rule_t;

static const mnd_session_t *request_session(request_rec *r)
{
    const mnd_req_t *req = mnd_req_peek(r);
    return req ? req->session : NULL;
}

/* Common prologue: the session, or the answer to give without one. */
static int no_session(request_rec *r, const char *provider, authz_status *st)
{
    if (!r->user) {
        *st = AUTHZ_DENIED_NO_USER;
        return 1;
    }
    if (request_session(r))
        return 0;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  MND_LOGNO(0033) "Require %s is used where no %s gives a session; denying",
                  provider, MND_DIR_SERVICE);
    *st = AUTHZ_DENIED;
    return 1;
}

static const char *parse_actions(cmd_parms *cmd, const char *line, const void **parsed)
{
    apr_array_header_t *list = apr_array_make(cmd->pool, 4, sizeof(const char *));
    const char *w;
    while (*line && (w = ap_getword_white(cmd->pool, &line)) && *w)
        APR_ARRAY_PUSH(list, const char *) = w;
    if (list->nelts == 0)
        return "Require mandaat-action needs at least one action code";
    *parsed = list;
    return NULL;
}

static authz_status check_action(request_rec *r, const char *line, const void *parsed)
{
    const apr_array_header_t *want = parsed;
    const mnd_session_t *s;
    authz_status st;
    int i, j;
    (void)line;

    if (no_session(r, "mandaat-action", &st))
        return st;
    s = request_session(r);
    for (i = 0; i < want->nelts; i++)
        for (j = 0; j < s->actions->nelts; j++)
            if (!strcmp(APR_ARRAY_IDX(want, i, const char *),
                        APR_ARRAY_IDX(s->actions, j, const char *)))
                return AUTHZ_GRANTED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  MND_LOGNO(0034) "Require mandaat-action %s: the chosen capacity (%s for %s) "
                                  "allows none of these",
                  line, s->cap_key, s->party);
    return AUTHZ_DENIED;
}

static const char *parse_party(cmd_parms *cmd, const char *line, const void **parsed)
{
    party_rule_t *rule = apr_pcalloc(cmd->pool, sizeof(*rule));
    const char *w;

    rule->ids = apr_array_make(cmd->pool, 4, sizeof(const char *));
    while (*line && (w = ap_getword_white(cmd->pool, &line)) && *w) {
        mnd_basis_t b;
        mnd_party_kind_t kind;
        const char *id;
        if (mnd_basis_parse(w, &b)) {
            rule->bases |= MND_BASIS_BIT(b);
            continue;
        }
        if (mnd_party_id_parse(cmd->pool, w, &kind, &id))
            return apr_psprintf(cmd->pool,
                                "Require mandaat-party: '%s' is neither a basis (self, kbo, "
                                "right, mandate) nor a valid KBO number or INSZ",
                                w);
        APR_ARRAY_PUSH(rule->ids, const char *) = id;
    }
    if (rule->ids->nelts == 0 && !rule->bases)
        return "Require mandaat-party needs at least one party id or basis";
    *parsed = rule;
    return NULL;
}

static authz_status check_party(request_rec *r, const char *line, const void *parsed)
{
    const party_rule_t *rule = parsed;
    const mnd_session_t *s;
    authz_status st;
    int i;
    (void)line;

    if (no_session(r, "mandaat-party", &st))
        return st;
    s = request_session(r);
    if (rule->bases & MND_BASIS_BIT(s->basis))
        return AUTHZ_GRANTED;
    for (i = 0; i < rule->ids->nelts; i++)
        if (!strcmp(APR_ARRAY_IDX(rule->ids, i, const char *), s->party))
            return AUTHZ_GRANTED;
    return AUTHZ_DENIED;
}

static const authz_provider action_provider = {check_action, parse_actions};
static const authz_provider party_provider = {check_party, parse_party};

void mnd_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "mandaat-action", AUTHZ_PROVIDER_VERSION,
                              &action_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "mandaat-party", AUTHZ_PROVIDER_VERSION,
                              &party_provider, AP_AUTH_INTERNAL_PER_CONF);
}
