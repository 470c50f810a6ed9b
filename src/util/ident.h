/* Belgian identifiers: INSZ (rijksregisternummer / BIS number) of natural persons and KBO
 * enterprise numbers of organisations. Every entry point normalises with these and rejects
 * what fails, with a message that names the rule. Normalised forms are digit strings:
 * 11 digits for an INSZ, 10 digits for a KBO number. */
#ifndef MND_UTIL_IDENT_H
#define MND_UTIL_IDENT_H

#include "util/error.h"

#define MND_INSZ_LEN 11
#define MND_KBO_LEN 10

typedef enum mnd_party_kind_t { MND_PARTY_PERSON = 1, MND_PARTY_ORG = 2 } mnd_party_kind_t;

/* Normalise and validate an INSZ (spaces, dots, dashes, slashes stripped; check digits with
 * the 2000 rule; BIS month +20/+40; month or day 00 allowed). out gets 11 digits + NUL. */
mnd_error_t *mnd_insz_parse(apr_pool_t *p, const char *in, char out[MND_INSZ_LEN + 1]);

/* Normalise and validate a KBO enterprise number (optional BE prefix, legacy 9 digits get a
 * leading 0, first digit 0 or 1, mod 97 check). out gets 10 digits + NUL. */
mnd_error_t *mnd_kbo_parse(apr_pool_t *p, const char *in, char out[MND_KBO_LEN + 1]);

/* Parse either kind: 11 digits after normalisation is an INSZ, 9 or 10 a KBO number.
 * *id is the normalised form in p. */
mnd_error_t *mnd_party_id_parse(apr_pool_t *p, const char *in, mnd_party_kind_t *kind,
                                const char **id);

/* 1 when a valid normalised INSZ is a BIS number (month +20 or +40), else 0. */
int mnd_insz_is_bis(const char *insz);

/* "85.07.30-033.28" from a normalised INSZ. */
const char *mnd_insz_format(apr_pool_t *p, const char *insz);

/* "85.07.30-***.**": the form shown to people by default. */
const char *mnd_insz_mask(apr_pool_t *p, const char *insz);

/* "0123.456.789" from a normalised KBO number. */
const char *mnd_kbo_format(apr_pool_t *p, const char *kbo);

/* Display form of a normalised party id of either kind (persons masked; anything that is
 * neither form shows as "***", since it could be a mistyped INSZ). */
const char *mnd_party_id_display(apr_pool_t *p, const char *id);

#endif
