#include "util/ident.h"

#include <apr_strings.h>
#include <stdint.h>
#include <string.h>

/* Enough for every accepted form; longer input is only counted, for the message. */
#define MND_IDENT_MAXDIGITS 16

/* Why a byte was rejected, printable even when the input is not ASCII. */
static const char *ident_char_name(apr_pool_t *p, unsigned char ch)
{
    if (ch >= 0x20 && ch < 0x7f)
        return apr_psprintf(p, "'%c'", ch);
    return apr_psprintf(p, "byte 0x%02X", ch);
}

/* Copy the digits of in to digits (at most MND_IDENT_MAXDIGITS kept, all counted in *n),
 * skipping the separators people type. allow_be accepts the "BE" prefix of VAT-style
 * enterprise numbers; *had_be tells the caller it was there. what names the identifier. */
static mnd_error_t *ident_normalise(apr_pool_t *p, const char *in, const char *what, int allow_be,
                                    char digits[MND_IDENT_MAXDIGITS + 1], size_t *n, int *had_be)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t count = 0;
    *n = 0;
    if (had_be)
        *had_be = 0;
    if (!in)
        return mnd_error(p, MND_EINVAL, "no %s given", what);
    while (*s == ' ' || *s == '\t')
        s++;
    if (allow_be && (s[0] == 'B' || s[0] == 'b') && (s[1] == 'E' || s[1] == 'e')) {
        s += 2;
        if (had_be)
            *had_be = 1;
    }
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (count < MND_IDENT_MAXDIGITS)
                digits[count] = (char)*s;
            count++;
        } else if (*s != ' ' && *s != '\t' && *s != '.' && *s != '-' && *s != '/') {
            return mnd_error(p, MND_EINVAL,
                             "%s '%s': %s at position %d is not allowed (only digits, "
                             "spaces, dots, dashes and slashes%s)",
                             what, in, ident_char_name(p, *s),
                             (int)(s - (const unsigned char *)in) + 1,
                             allow_be ? ", after an optional BE prefix" : "");
        }
    }
    digits[count < MND_IDENT_MAXDIGITS ? count : MND_IDENT_MAXDIGITS] = '\0';
    *n = count;
    return NULL;
}

/* Value of the first len digits of s (len <= 18, fits in 64 bits). */
static int64_t ident_number(const char *s, int len)
{
    int64_t v = 0;
    int i;
    for (i = 0; i < len; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int ident_two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Birth month and day of an 11-digit INSZ: month 00-12 (RRN), 20-32 or 40-52 (BIS, +20 sex
 * unknown, +40 sex known); 00 stands for an unknown month or day. */
static mnd_error_t *insz_check_date(apr_pool_t *p, const char *d)
{
    int month = ident_two(d + 2), day = ident_two(d + 4);
    if (!(month <= 12 || (month >= 20 && month <= 32) || (month >= 40 && month <= 52)))
        return mnd_error(p, MND_EINVAL,
                         "INSZ %s: month %02d is not 00-12 (national register), 20-32 or "
                         "40-52 (BIS number)",
                         d, month);
    if (day > 31)
        return mnd_error(p, MND_EINVAL, "INSZ %s: day %02d is not 00-31", d, day);
    return NULL;
}

/* Check digits are 97 - (first 9 digits mod 97); for births from 2000 a "2" is put in front
 * of those 9 digits first. Either rule may hold, as the year has only two digits. */
static mnd_error_t *insz_check_digits(apr_pool_t *p, const char *d)
{
    int64_t base = ident_number(d, 9);
    int cc = ident_two(d + 9);
    int before2000 = (int)(97 - base % 97);
    int from2000 = (int)(97 - (2000000000LL + base) % 97);
    if (cc == before2000 || cc == from2000)
        return NULL;
    return mnd_error(p, MND_EINVAL,
                     "INSZ %s: check digits %02d do not match (expected %02d, or %02d for a "
                     "birth from 2000)",
                     d, cc, before2000, from2000);
}

mnd_error_t *mnd_insz_parse(apr_pool_t *p, const char *in, char out[MND_INSZ_LEN + 1])
{
    char d[MND_IDENT_MAXDIGITS + 1];
    size_t n;
    out[0] = '\0';
    MND_TRY(ident_normalise(p, in, "INSZ", 0, d, &n, NULL));
    if (n != MND_INSZ_LEN)
        return mnd_error(p, MND_EINVAL, "INSZ '%s': an INSZ has 11 digits, got %d", in, (int)n);
    MND_TRY(insz_check_date(p, d));
    MND_TRY(insz_check_digits(p, d));
    memcpy(out, d, MND_INSZ_LEN + 1);
    return NULL;
}

/* A 10-digit KBO number: first digit 0 or 1 (1 once the 0-range ran out), and the last two
 * digits are 97 - (first 8 digits mod 97). Comparing like this rather than testing
 * (first8 + last2) mod 97 == 0 keeps 00 from passing where the check digits must be 97. */
static mnd_error_t *kbo_check(apr_pool_t *p, const char *d)
{
    int64_t base;
    int cc, want;
    if (d[0] != '0' && d[0] != '1')
        return mnd_error(p, MND_EINVAL, "KBO number %s: the first digit must be 0 or 1, got %c", d,
                         d[0]);
    base = ident_number(d, 8);
    cc = ident_two(d + 8);
    want = (int)(97 - base % 97);
    if (cc != want)
        return mnd_error(p, MND_EINVAL,
                         "KBO number %s: check digits %02d do not match (expected %02d = 97 - "
                         "first 8 digits mod 97)",
                         d, cc, want);
    return NULL;
}

mnd_error_t *mnd_kbo_parse(apr_pool_t *p, const char *in, char out[MND_KBO_LEN + 1])
{
    char d[MND_IDENT_MAXDIGITS + 2];
    size_t n;
    out[0] = '\0';
    MND_TRY(ident_normalise(p, in, "KBO number", 1, d + 1, &n, NULL));
    if (n != MND_KBO_LEN && n != MND_KBO_LEN - 1)
        return mnd_error(p, MND_EINVAL,
                         "KBO number '%s': a KBO number has 10 digits (or 9 in the legacy "
                         "form), got %d",
                         in, (int)n);
    /* Legacy numbers were 9 digits; the 10-digit form puts a 0 in front. */
    d[0] = '0';
    MND_TRY(kbo_check(p, n == MND_KBO_LEN ? d + 1 : d));
    memcpy(out, n == MND_KBO_LEN ? d + 1 : d, MND_KBO_LEN + 1);
    return NULL;
}

mnd_error_t *mnd_party_id_parse(apr_pool_t *p, const char *in, mnd_party_kind_t *kind,
                                const char **id)
{
    char d[MND_IDENT_MAXDIGITS + 1];
    char buf[MND_INSZ_LEN + 1];
    size_t n;
    int had_be;
    *id = NULL;
    MND_TRY(ident_normalise(p, in, "party id", 1, d, &n, &had_be));
    if (n == MND_INSZ_LEN && !had_be) {
        MND_TRY(mnd_insz_parse(p, in, buf));
        *kind = MND_PARTY_PERSON;
    } else if (had_be || n == MND_KBO_LEN || n == MND_KBO_LEN - 1) {
        /* BE only ever prefixes enterprise numbers: let the KBO rules explain. */
        MND_TRY(mnd_kbo_parse(p, in, buf));
        *kind = MND_PARTY_ORG;
    } else {
        return mnd_error(p, MND_EINVAL,
                         "party id '%s': a party id is an INSZ (11 digits) or a KBO number "
                         "(10 digits, or 9 in the legacy form), got %d digits",
                         in, (int)n);
    }
    *id = apr_pstrdup(p, buf);
    return NULL;
}

/* 1 when s is exactly len digits. */
static int ident_is_digits(const char *s, size_t len)
{
    size_t i;
    if (!s)
        return 0;
    for (i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[len] == '\0';
}

int mnd_insz_is_bis(const char *insz)
{
    if (!ident_is_digits(insz, MND_INSZ_LEN))
        return 0;
    return ident_two(insz + 2) >= 20;
}

const char *mnd_insz_format(apr_pool_t *p, const char *insz)
{
    if (!ident_is_digits(insz, MND_INSZ_LEN))
        return apr_pstrdup(p, insz ? insz : "");
    return apr_psprintf(p, "%.2s.%.2s.%.2s-%.3s.%.2s", insz, insz + 2, insz + 4, insz + 6,
                        insz + 9);
}

const char *mnd_insz_mask(apr_pool_t *p, const char *insz)
{
    /* Only the birth date stays visible; anything not an INSZ is hidden entirely, since
     * it could be one typed wrongly. */
    if (!ident_is_digits(insz, MND_INSZ_LEN))
        return "***";
    return apr_psprintf(p, "%.2s.%.2s.%.2s-***.**", insz, insz + 2, insz + 4);
}

const char *mnd_kbo_format(apr_pool_t *p, const char *kbo)
{
    if (!ident_is_digits(kbo, MND_KBO_LEN))
        return apr_pstrdup(p, kbo ? kbo : "");
    return apr_psprintf(p, "%.4s.%.3s.%.3s", kbo, kbo + 4, kbo + 7);
}

const char *mnd_party_id_display(apr_pool_t *p, const char *id)
{
    if (ident_is_digits(id, MND_KBO_LEN))
        return mnd_kbo_format(p, id);
    return mnd_insz_mask(p, id);
}
