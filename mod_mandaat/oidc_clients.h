/* What oidc_config.c needs of oidc_clients.c: the relying parties read from their files at
 * start, and what the discovery document says about them. Private to the OIDC glue. */
#ifndef MND_GLUE_OIDC_CLIENTS_H
#define MND_GLUE_OIDC_CLIENTS_H

#include "oidc.h"

/* Largest client file read (the core refuses more than this too). */
#define MND_OIDC_CLIENT_FILE_MAX (64 * 1024)

/* Read every client declared in oc (files, and every *.json of the directories, in name order)
 * into a new registry in p; *list gets the clients (mnd_oidc_client_t *) in that order.
 * MND_EINVAL names the file and the directive for an unreadable or malformed file, a client_id
 * given twice, a directory without *.json, or a pairwise client without
 * MandaatOIDCPairwiseSecret. Logs each client at debug on s (nothing when s is NULL). */
mnd_error_t *mnd_oidc_clients_load(apr_pool_t *p, server_rec *s, const mnd_oidc_conf_t *oc,
                                   mnd_oidc_registry_t **reg, apr_array_header_t **list);

/* The union of the clients' scopes (const char *), in order of first appearance. */
apr_array_header_t *mnd_oidc_clients_scopes(apr_pool_t *p, const apr_array_header_t *clients);

/* Every claim an id_token, access token or userinfo answer may carry for one of the clients
 * (const char *): the ones every token has, then those of the clients' options (act,
 * given_name/family_name with scope profile, rrn, the acm and mandaat profiles, with
 * <service>_rol_3d for each service of an acm client). */
apr_array_header_t *mnd_oidc_clients_claims(apr_pool_t *p, const apr_array_header_t *clients);

#endif
