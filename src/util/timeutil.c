#include "util/timeutil.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <inttypes.h>
#include <stdlib.h>

#define MND_YEAR_MIN 1900
#define MND_YEAR_MAX 9999
#define MND_DAY_SECS 86400

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): pure
 * arithmetic, so no timegm, no TZ and no locks. */
static int64_t time_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inverse of time_days_from_civil. */
static void time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int time_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* Read exactly n digits at *s into *v, advancing *s; 0 if they are not all digits. */
static int time_digits(const char **s, int n, int *v)
{
    int i;
    *v = 0;
    for (i = 0; i < n; i++) {
        char ch = (*s)[i];
        if (ch < '0' || ch > '9')
            return 0;
        *v = *v * 10 + (ch - '0');
    }
    *s += n;
    return 1;
}

/* Midnight UTC of y-m-d after checking that this day exists within the years we accept. */
static mnd_error_t *time_from_date(apr_pool_t *p, const char *in, int y, int m, int d,
                                   mnd_time_t *out)
{
    if (y < MND_YEAR_MIN || y > MND_YEAR_MAX)
        return mnd_error(p, MND_EINVAL, "date '%s': year %d is outside %d..%d", in, y, MND_YEAR_MIN,
                         MND_YEAR_MAX);
    if (m < 1 || m > 12)
        return mnd_error(p, MND_EINVAL, "date '%s': month %02d is not 01-12", in, m);
    if (d < 1 || d > time_days_in_month(y, m))
        return mnd_error(p, MND_EINVAL, "date '%s': day %02d does not exist in %04d-%02d", in, d, y,
                         m);
    *out = time_days_from_civil(y, m, d) * MND_DAY_SECS;
    return NULL;
}

/* "@<epoch seconds>": for scripts; limited to the same years as the other forms. */
static mnd_error_t *time_parse_epoch(apr_pool_t *p, const char *in, mnd_time_t *out)
{
    static const int64_t lo = -2208988800LL;  /* 1900-01-01T00:00:00Z */
    static const int64_t hi = 253402300799LL; /* 9999-12-31T23:59:59Z */
    const char *s = in + 1;
    int neg = 0;
    int64_t v = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!*s)
        return mnd_error(p, MND_EINVAL, "time '%s': '@' must be followed by epoch seconds", in);
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return mnd_error(p, MND_EINVAL,
                             "time '%s': epoch seconds after '@' must be digits only", in);
        v = v * 10 + (*s - '0');
        if (v > hi + 1)
            break;
    }
    if (neg)
        v = -v;
    if (*s || v < lo || v > hi)
        return mnd_error(p, MND_EINVAL, "time '%s': epoch seconds outside the years %d..%d", in,
                         MND_YEAR_MIN, MND_YEAR_MAX);
    *out = v;
    return NULL;
}

/* The zone designator after the time of day: Z, or +hh:mm / -hh:mm (also +hhmm). Sets
 * *offset to the seconds east of UTC. */
static mnd_error_t *time_parse_zone(apr_pool_t *p, const char *in, const char *s, int64_t *offset)
{
    int sign, hh, mm, ok;
    *offset = 0;
    if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0')
        return NULL;
    if (s[0] != '+' && s[0] != '-')
        return mnd_error(p, MND_EINVAL,
                         "time '%s': a time of day needs a zone, Z or +hh:mm or -hh:mm, got "
                         "'%s'",
                         in, s);
    sign = s[0] == '-' ? -1 : 1;
    s++;
    ok = time_digits(&s, 2, &hh);
    if (ok && *s == ':')
        s++;
    if (!ok || !time_digits(&s, 2, &mm) || *s)
        return mnd_error(p, MND_EINVAL, "time '%s': zone offset must be +hh:mm or -hh:mm", in);
    if (hh > 23 || mm > 59)
        return mnd_error(p, MND_EINVAL, "time '%s': zone offset %02d:%02d is out of range", in, hh,
                         mm);
    *offset = sign * (int64_t)(hh * 3600 + mm * 60);
    return NULL;
}

/* "HH:MM:SS[.fraction]" and a zone, after the T or space; adds to *out. */
static mnd_error_t *time_parse_clock(apr_pool_t *p, const char *in, const char *s, mnd_time_t *out)
{
    int hh, mi, ss;
    int64_t offset;
    if (!time_digits(&s, 2, &hh) || *s++ != ':' || !time_digits(&s, 2, &mi) || *s++ != ':' ||
        !time_digits(&s, 2, &ss))
        return mnd_error(p, MND_EINVAL,
                         "time '%s': the time of day must be HH:MM:SS followed by a zone", in);
    if (hh > 23 || mi > 59 || ss > 59)
        return mnd_error(p, MND_EINVAL,
                         "time '%s': %02d:%02d:%02d is not a time of day (00:00:00-23:59:59)", in,
                         hh, mi, ss);
    /* Fractions of a second (as in SAML instants) are dropped: the core counts seconds. */
    if (*s == '.') {
        const char *f = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        if (s == f)
            return mnd_error(p, MND_EINVAL, "time '%s': '.' must be followed by digits", in);
    }
    MND_TRY(time_parse_zone(p, in, s, &offset));
    *out += hh * 3600 + mi * 60 + ss - offset;
    return NULL;
}

mnd_error_t *mnd_time_parse(apr_pool_t *p, const char *in, mnd_time_t *out)
{
    const char *s = in;
    int y, m, d;
    if (!in || !*in)
        return mnd_error(p, MND_EINVAL,
                         "no time given (expected YYYY-MM-DD, "
                         "YYYY-MM-DDTHH:MM:SSZ or @epoch)");
    if (*in == '@')
        return time_parse_epoch(p, in, out);
    if (!time_digits(&s, 4, &y) || *s++ != '-' || !time_digits(&s, 2, &m) || *s++ != '-' ||
        !time_digits(&s, 2, &d))
        return mnd_error(p, MND_EINVAL,
                         "time '%s': expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (or +hh:mm) or "
                         "@epoch",
                         in);
    MND_TRY(time_from_date(p, in, y, m, d, out));
    if (*s == '\0')
        return NULL;
    if (*s != 'T' && *s != 't' && *s != ' ')
        return mnd_error(p, MND_EINVAL,
                         "time '%s': unexpected '%s' after the date (a time of day follows "
                         "'T' or a space)",
                         in, s);
    return time_parse_clock(p, in, s + 1, out);
}

mnd_error_t *mnd_date_parse_dmy(apr_pool_t *p, const char *in, mnd_time_t *out)
{
    const char *s = in;
    int y, m, d;
    if (!in || !*in)
        return mnd_error(p, MND_EINVAL, "no date given (expected dd-mm-yyyy)");
    if (!time_digits(&s, 2, &d) || *s++ != '-' || !time_digits(&s, 2, &m) || *s++ != '-' ||
        !time_digits(&s, 4, &y) || *s != '\0')
        return mnd_error(p, MND_EINVAL, "date '%s': expected dd-mm-yyyy", in);
    return time_from_date(p, in, y, m, d, out);
}

mnd_time_t mnd_now(void)
{
    return (mnd_time_t)apr_time_sec(apr_time_now());
}

const char *mnd_time_format(apr_pool_t *p, mnd_time_t t)
{
    int64_t days, secs, y;
    int m, d;
    if (t == MND_TIME_NONE)
        return "";
    days = t / MND_DAY_SECS;
    secs = t % MND_DAY_SECS;
    if (secs < 0) {
        secs += MND_DAY_SECS;
        days--;
    }
    time_civil_from_days(days, &y, &m, &d);
    return apr_psprintf(p, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
                        (int)(secs / 60 % 60), (int)(secs % 60));
}

const char *mnd_time_arg(apr_pool_t *p, mnd_time_t t)
{
    if (t == MND_TIME_NONE)
        return NULL;
    return apr_psprintf(p, "%" PRId64, t);
}

mnd_time_t mnd_time_from_col(const char *col)
{
    if (!col || !*col)
        return MND_TIME_NONE;
    return (mnd_time_t)strtoll(col, NULL, 10);
}
