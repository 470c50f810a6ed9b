/* The domain model of mod_mandaat (DESIGN.md section 2), free of SQL, SAML, OIDC and httpd. */
#ifndef MND_CORE_MODEL_H
#define MND_CORE_MODEL_H

#include "util/error.h"
#include "util/ident.h"
#include "util/timeutil.h"

#include <apr_tables.h>
#include <stdint.h>

/* Languages of names and labels, in this order everywhere. */
typedef enum mnd_lang_t { MND_LANG_NL = 0, MND_LANG_FR, MND_LANG_DE, MND_LANG_EN, MND_LANG__N } mnd_lang_t;
const char *mnd_lang_code(mnd_lang_t l);          /* "nl" */
int mnd_lang_parse(const char *code, mnd_lang_t *l); /* 1 if known */

/* Pick the name in language l, falling back nl, fr, de, en, then fallback. */
const char *mnd_name_pick(const char *const names[MND_LANG__N], mnd_lang_t l,
                          const char *fallback);

/* Sources of authority, in display and precedence order. */
typedef enum mnd_basis_t {
    MND_BASIS_SELF = 0,
    MND_BASIS_KBO,
    MND_BASIS_RIGHT,
    MND_BASIS_MANDATE,
    MND_BASIS__N
} mnd_basis_t;
#define MND_BASIS_BIT(b) (1u << (b))
#define MND_BASES_ALL ((1u << MND_BASIS__N) - 1)
const char *mnd_basis_name(mnd_basis_t b);              /* "self", "kbo", "right", "mandate" */
int mnd_basis_parse(const char *name, mnd_basis_t *b);  /* 1 if known */
/* Parse "self kbo mandate" into a bit mask; unknown words are an MND_EINVAL error. */
mnd_error_t *mnd_bases_parse(apr_pool_t *p, const char *list, unsigned *mask);
const char *mnd_bases_format(apr_pool_t *p, unsigned mask);

typedef struct mnd_party_t {
    const char *id;                 /* normalised INSZ or KBO number */
    mnd_party_kind_t kind;
    const char *name[MND_LANG__N];  /* NULL where unknown */
    int active;                     /* 0 for a stopped enterprise */
} mnd_party_t;

typedef struct mnd_action_t {
    const char *code;
    const char *label[MND_LANG__N];
    int citizen;                    /* offered to a person acting in own name */
} mnd_action_t;

typedef struct mnd_service_t {
    const char *id;                 /* e-counter id; SAML entityID / OIDC client_id map to it */
    const char *name[MND_LANG__N];
    unsigned bases;                 /* MND_BASIS_BIT mask of accepted bases */
    int min_loa;                    /* minimum level of assurance */
    apr_array_header_t *actions;    /* of mnd_action_t, catalogue order */
} mnd_service_t;

/* Rights of user management (per person x organisation). */
typedef enum mnd_right_kind_t {
    MND_RIGHT_HTB = 0,            /* hoofdtoegangsbeheerder */
    MND_RIGHT_LOCAL_ADMIN,        /* lokale_beheerder */
    MND_RIGHT_MANDATE_MANAGER,    /* ssm_mandaatbeheerder */
    MND_RIGHT_MANDATE_EXECUTOR,   /* ssm_mandaatuitvoerder */
    MND_RIGHT_SERVICE,            /* a service right with actions */
    MND_RIGHT__N
} mnd_right_kind_t;
const char *mnd_right_kind_name(mnd_right_kind_t k);       /* store and CLI name */
const char *mnd_right_kind_label(mnd_right_kind_t k);      /* "SSM Mandaatuitvoerder" */
int mnd_right_kind_parse(const char *name, mnd_right_kind_t *k);

typedef struct mnd_right_t {
    int64_t id;
    const char *person;             /* INSZ of the holder */
    const char *org;                /* organisation (KBO number) */
    mnd_right_kind_t kind;
    const char *service_id;         /* only for MND_RIGHT_SERVICE */
    apr_array_header_t *actions;    /* service right: allowed actions; NULL = all */
    mnd_time_t valid_from, valid_until;
    const char *granted_by;         /* INSZ, or "operator:<name>" */
    mnd_time_t granted_at;
    const char *revoked_by;         /* NULL while not revoked */
    mnd_time_t revoked_at;          /* MND_TIME_NONE while not revoked */
} mnd_right_t;

/* Mandates. Stored states; "expired" is derived at read time from valid_until. */
typedef enum mnd_mandate_state_t {
    MND_MANDATE_AWAITING = 0,
    MND_MANDATE_ACTIVE,
    MND_MANDATE_REJECTED,
    MND_MANDATE_WITHDRAWN,
    MND_MANDATE_REVOKED,
    MND_MANDATE_EXPIRED,            /* derived only, never stored */
    MND_MANDATE__N
} mnd_mandate_state_t;
const char *mnd_mandate_state_name(mnd_mandate_state_t s); /* "awaiting_approval", ... */
int mnd_mandate_state_parse(const char *name, mnd_mandate_state_t *s);

typedef struct mnd_mandate_t {
    int64_t id;
    const char *ext_ref;            /* external reference, may be NULL */
    const char *giver, *taker;      /* party ids */
    const char *service_id;
    apr_array_header_t *actions;    /* codes, subset of the service catalogue */
    mnd_time_t valid_from, valid_until;
    mnd_mandate_state_t state;      /* as stored */
    const char *initiated_by_party; /* giver (give) or taker (request) */
    const char *initiated_by_person;
    mnd_time_t created_at, state_changed_at;
    const char *state_reason;
} mnd_mandate_t;

/* The state as of time now: an active mandate past valid_until is expired. */
mnd_mandate_state_t mnd_mandate_effective_state(const mnd_mandate_t *m, mnd_time_t now);

typedef struct mnd_mandate_event_t {
    int64_t mandate_id;
    const char *event;              /* give, request, approve, reject, withdraw, revoke */
    const char *actor_person;
    const char *actor_party;        /* the party on whose behalf the actor acted */
    mnd_time_t at;
    const char *reason;
} mnd_mandate_event_t;

/* Actor names that are not persons: the operator running mandaatctl for bootstrap. */
#define MND_ACTOR_OPERATOR_PREFIX "operator:"

#endif
