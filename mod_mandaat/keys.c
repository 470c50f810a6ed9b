/* The gateway's signing keys (MandaatGatewayJWTKeyFile), read once at start: a key that
 * cannot be read or is not an EC P-256 private key refuses start, naming the file. */
#include "login.h"

#include "jose/jwt.h"

#include <apr_strings.h>

int mnd_keys_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *sp;
    apr_hash_t *loaded = apr_hash_make(ptemp); /* file list -> keys, shared between servers */
    (void)plog;

    for (sp = s; sp; sp = sp->next) {
        mnd_server_conf_t *conf = mnd_server_conf_rw(sp);
        const apr_array_header_t *files = conf->jwt_key_files;
        apr_array_header_t *keys;
        const char *id;
        int i;

        if (!files || files->nelts == 0)
            continue;
        id = apr_array_pstrcat(ptemp, files, '\n');
        keys = apr_hash_get(loaded, id, APR_HASH_KEY_STRING);
        if (!keys) {
            keys = apr_array_make(pconf, files->nelts, sizeof(mnd_jwt_key_t *));
            for (i = 0; i < files->nelts; i++) {
                mnd_jwt_key_t *k = NULL;
                mnd_error_t *err =
                    mnd_jwt_key_load(pconf, APR_ARRAY_IDX(files, i, const char *), &k);
                if (!err && strcmp(mnd_jwt_key_alg(k), "ES256"))
                    err = mnd_error(ptemp, MND_EINVAL, "%s is a %s key; the gateway signs with "
                                                       "ES256 (an EC P-256 key)",
                                    APR_ARRAY_IDX(files, i, const char *), mnd_jwt_key_alg(k));
                if (err) {
                    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, sp, MND_LOGNO(0024) "%s: %s",
                                 MND_DIR_GATEWAY_JWT_KEY_FILE, err->msg);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
                APR_ARRAY_PUSH(keys, mnd_jwt_key_t *) = k;
            }
            {
                /* A key listed twice would only show as a broken JWKS later: refuse now. */
                mnd_error_t *err = mnd_jwt_keys_check(ptemp, keys);
                if (err) {
                    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, sp, MND_LOGNO(0042) "%s: %s",
                                 MND_DIR_GATEWAY_JWT_KEY_FILE, err->msg);
                    return HTTP_INTERNAL_SERVER_ERROR;
                }
            }
            apr_hash_set(loaded, id, APR_HASH_KEY_STRING, keys);
        }
        conf->jwt_keys = keys;
    }
    return OK;
}

const apr_array_header_t *mnd_keys(const server_rec *s)
{
    const apr_array_header_t *k = mnd_server_conf(s)->jwt_keys;
    return k && k->nelts > 0 ? k : NULL;
}
