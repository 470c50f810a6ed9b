/* Synthetic stores: see synth.h. Rows go in with the sqlite3 C API in one transaction with
 * journaling and syncing off; the file is a scratch artefact, rebuilt if anything fails. */
#include "synth.h"

#include "store/schema.h"
#include "store/store.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400L
#define YEAR (365L * DAY)

/* ---- deterministic randomness: xoshiro256** seeded through splitmix64 ---- */

typedef struct rng_t {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng_t *r, uint64_t seed)
{
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Uniform in [0, n) without modulo bias worth caring about (Lemire's multiply-shift). */
static long rng_below(rng_t *r, long n)
{
    return n <= 0 ? 0 : (long)(((unsigned __int128)rng_next(r) * (uint64_t)n) >> 64);
}

static double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---- identifiers: fixed affine permutations of the index, so ids look scattered (the primary
 * key index is filled in random order, as in life) yet are the same in every store ---- */

#define KBO_FIRST8_MIN 2000000UL  /* 0200.000.0xx, the oldest numbers in use */
#define KBO_FIRST8_SPAN 8000000UL /* up to 0999.999.9xx */
#define INSZ_DAY0 (-10957L)       /* 1940-01-01 */
#define INSZ_DAYS 24837UL         /* up to 2007-12-31 */
#define INSZ_SEQ 998UL            /* day counters 001-998 */

typedef struct perm_t {
    uint64_t n, a, b;
} perm_t;

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static perm_t perm_make(uint64_t n, uint64_t a, uint64_t b)
{
    perm_t pm = {n, a % n, b % n};
    while (gcd64(pm.a, n) != 1)
        pm.a++;
    return pm;
}

static uint64_t perm_at(const perm_t *pm, uint64_t i)
{
    return (pm->a * i + pm->b) % pm->n;
}

/* The index whose image is v (a^-1 exists because gcd(a, n) = 1). */
static uint64_t perm_inverse(const perm_t *pm, uint64_t v)
{
    __int128 t = 0, newt = 1, r = (__int128)pm->n, newr = (__int128)pm->a, q, x;
    while (newr != 0) {
        q = r / newr;
        x = t - q * newt, t = newt, newt = x;
        x = r - q * newr, r = newr, newr = x;
    }
    if (t < 0)
        t += (__int128)pm->n;
    return (uint64_t)(((unsigned __int128)t * ((v + pm->n - pm->b) % pm->n)) % pm->n);
}

static void kbo_from_first8(unsigned long first8, char out[MND_KBO_LEN + 1])
{
    snprintf(out, MND_KBO_LEN + 1, "%08lu%02lu", first8, 97 - first8 % 97);
}

static void enterprise_id(long i, char out[MND_KBO_LEN + 1])
{
    static perm_t pm;
    if (!pm.n)
        pm = perm_make(KBO_FIRST8_SPAN, 2654435761ULL, 1234567);
    kbo_from_first8(KBO_FIRST8_MIN + (unsigned long)perm_at(&pm, (uint64_t)i), out);
}

/* Proleptic Gregorian date of a day number (days since 1970-01-01), H. Hinnant's algorithm. */
static void civil_from_days(long z, int *y, int *m, int *d)
{
    long era, yy;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (long)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* INSZ YYMMDDsssCC with CC = 97 - (first9 mod 97), or of 2 followed by first9 from 2000. */
static void person_id(long i, char out[MND_INSZ_LEN + 1])
{
    static perm_t pm;
    uint64_t v;
    unsigned long first9, base;
    int y, m, d;
    if (!pm.n)
        pm = perm_make(INSZ_DAYS * INSZ_SEQ, 11400714819323198485ULL, 7654321);
    v = perm_at(&pm, (uint64_t)i);
    civil_from_days(INSZ_DAY0 + (long)(v % INSZ_DAYS), &y, &m, &d);
    first9 = ((unsigned long)(y % 100) * 10000 + (unsigned long)m * 100 + (unsigned long)d) *
                 1000 + v / INSZ_DAYS + 1;
    base = y >= 2000 ? 2000000000UL + first9 : first9;
    snprintf(out, MND_INSZ_LEN + 1, "%09lu%02lu", first9, 97 - base % 97);
}

/* Reserved indices: random rows never use these parties as taker, holder or right holder, so
 * the personas' capacities are exactly what the generator gives them. */
#define RES_E 16
#define RES_P 64
#define E_FIRM 0
#define E_DIRECTOR_CO 1       /* 1 .. director_companies */
#define E_CITIZEN_PARTY 15
#define P_CITIZEN 0
#define P_DIRECTOR 1
#define P_FIRM_BOSS 2         /* KBO director and hoofdtoegangsbeheerder of the firm */
#define P_EMPLOYEE 3          /* 3 .. 3 + firm_employees - 1; the persona is the first */
#define MAX_EMPLOYEES (RES_P - P_EMPLOYEE)
#define MAX_COMPANIES (E_CITIZEN_PARTY - E_DIRECTOR_CO)

void mnd_synth_personas(mnd_synth_personas_t *out)
{
    person_id(P_CITIZEN, out->citizen);
    enterprise_id(E_CITIZEN_PARTY, out->citizen_party);
    person_id(P_DIRECTOR, out->director);
    person_id(P_EMPLOYEE, out->employee);
    enterprise_id(E_FIRM, out->firm);
}

void mnd_synth_defaults(mnd_synth_params_t *prm, long mandates)
{
    memset(prm, 0, sizeof(*prm));
    prm->mandates = mandates;
    prm->enterprises = mandates / 10 < 1000 ? 1000 : mandates / 10;
    prm->persons = 2 * prm->enterprises;
    /* The firm's rows (active, plus 8% in other states or services) must fit in the store. */
    prm->firm_clients = mandates / 2 < 20000 ? mandates / 2 : 20000;
    /* Clients are distinct parties; leave a fifth of the parties to the other takers. */
    if (prm->firm_clients > (prm->enterprises + prm->persons) * 4 / 5 * 100 / 103)
        prm->firm_clients = (prm->enterprises + prm->persons) * 4 / 5 * 100 / 103;
    prm->firm_employees = 50;
    prm->director_companies = 5;
    prm->seed = 42;
    prm->recreate_indexes = 1;
}

/* ---- names ---- */

static const char *const trades[][2] = {
    {"Bakkerij", "Boulangerie"},         {"Bouwbedrijf", "Construction"},
    {"Boekhoudkantoor", "Fiduciaire"},   {"Transport", "Transports"},
    {"Garage", "Garage"},                {"Schrijnwerkerij", "Menuiserie"},
    {"Apotheek", "Pharmacie"},           {"Immo", "Immo"},
    {"Advocatenkantoor", "Cabinet"},     {"Dakwerken", "Toitures"},
    {"Elektriciteit", "Électricité"},    {"Tuinaanleg", "Jardins"},
    {"Slagerij", "Boucherie"},           {"Brasserie", "Brasserie"},
    {"Kapsalon", "Salon de coiffure"},   {"Verzekeringen", "Assurances"},
    {"Loodgieterij", "Plomberie"},       {"Drukkerij", "Imprimerie"},
    {"IT-diensten", "Services IT"},      {"Schoonmaak", "Nettoyage"},
};
static const char *const surnames[] = {
    "Peeters", "Janssens", "Maes",    "Jacobs",  "Mertens", "Willems", "Claes",  "Goossens",
    "Wouters", "De Smet",  "Dubois",  "Lambert", "Dupont",  "Martin",  "Simon",  "Laurent",
    "Leroy",   "Lejeune",  "Renard",  "Hermans", "Vermeulen", "Van den Broeck", "Desmet",
    "Michiels", "Cools",   "Lemaire", "Verstraete", "Pauwels", "Dumont", "François",
};
static const char *const forms[][2] = {
    {"BV", "SRL"}, {"NV", "SA"}, {"CV", "SC"}, {"VZW", "ASBL"}, {"CommV", "SComm"},
};
#define N_OF(a) ((long)(sizeof(a) / sizeof((a)[0])))

/* Names of an organisation: 60% Dutch only, 25% French only, 15% both. */
static void org_names(rng_t *r, char nl[128], char fr[128], int *has_nl, int *has_fr)
{
    long t = rng_below(r, N_OF(trades)), s = rng_below(r, N_OF(surnames));
    long f = rng_below(r, N_OF(forms));
    double u = rng_unit(r);
    *has_nl = u < 0.60 || u >= 0.85;
    *has_fr = u >= 0.60;
    snprintf(nl, 128, "%s %s %s", trades[t][0], surnames[s], forms[f][0]);
    snprintf(fr, 128, "%s %s %s", trades[t][1], surnames[s], forms[f][1]);
}

/* ---- services ---- */

typedef struct svc_def_t {
    const char *id, *name_nl, *name_fr, *bases;
    int min_loa, weight;
    const char *actions[8];
} svc_def_t;

static const svc_def_t services[] = {
    {MND_SYNTH_SERVICE, "WSE-loket", "Guichet WSE", "self kbo right mandate", 2, 30,
     {"dossier-raadplegen", "aanvraag-indienen", "attest-downloaden", "betaling-opvolgen",
      "gegevens-wijzigen", "correspondentie", NULL}},
    {"vlaio-subsidies", "VLAIO-subsidies", "Subsides VLAIO", "kbo right mandate", 2, 15,
     {"aanvraag-indienen", "dossier-raadplegen", "betaling-opvolgen", NULL}},
    {"omgevingsloket", "Omgevingsloket", "Guichet environnement", "self kbo right mandate", 2, 15,
     {"project-indienen", "project-raadplegen", "advies-geven", "beroep-instellen", NULL}},
    {"landbouwloket", "Landbouwloket", "Guichet agriculture", "self kbo right mandate", 2, 10,
     {"verzamelaanvraag", "mestbank", "perceel-registreren", "dossier-raadplegen",
      "betaling-opvolgen", NULL}},
    {"energieloket", "Energieloket", "Guichet énergie", "self kbo mandate", 1, 10,
     {"premie-aanvragen", "epc-raadplegen", "dossier-raadplegen", NULL}},
    {"groeipakket", "Groeipakket", "Allocations familiales", "self mandate", 2, 8,
     {"dossier-raadplegen", "gegevens-wijzigen", "attest-downloaden", NULL}},
    {"onroerend-erfgoed", "Onroerend Erfgoed", "Patrimoine immobilier", "kbo right mandate", 2, 7,
     {"premie-aanvragen", "dossier-raadplegen", NULL}},
    {"mijn-burgerprofiel", "Mijn Burgerprofiel", "Mon profil citoyen", "self mandate", 1, 5,
     {"profiel-raadplegen", "documenten-downloaden", NULL}},
};
#define N_SERVICES N_OF(services)

static int svc_nactions(const svc_def_t *sv)
{
    int n = 0;
    while (sv->actions[n])
        n++;
    return n;
}

/* A non-empty subset of the catalogue in catalogue order; 40% of the time all of it. */
static void pick_actions(rng_t *r, const svc_def_t *sv, char *out, size_t len)
{
    int n = svc_nactions(sv), i;
    unsigned mask = rng_unit(r) < 0.4 ? (1u << n) - 1 : 1 + (unsigned)rng_below(r, (1L << n) - 1);
    size_t at = 0;
    out[0] = '\0';
    for (i = 0; i < n; i++)
        if (mask & (1u << i))
            at += (size_t)snprintf(out + at, len - at, "%s%s", at ? " " : "", sv->actions[i]);
}

static const svc_def_t *pick_service(rng_t *r)
{
    long total = 0, i, x;
    for (i = 0; i < N_SERVICES; i++)
        total += services[i].weight;
    x = rng_below(r, total);
    for (i = 0; i < N_SERVICES - 1 && x >= services[i].weight; i++)
        x -= services[i].weight;
    return &services[i];
}

/* ---- the loader ---- */

typedef struct gen_t {
    sqlite3 *db;
    apr_pool_t *pool;
    const mnd_synth_params_t *prm;
    mnd_synth_stats_t *st;
    rng_t rng;
    sqlite3_stmt *party, *func, *right, *mandate;
    long nprov;           /* service providers: the enterprises that take most mandates */
    perm_t clients;       /* distinct clients of the firm from the non-reserved parties */
} gen_t;

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static mnd_error_t *db_fail(gen_t *g, const char *what)
{
    return mnd_error(g->pool, MND_ESTORE, "synthetic store: %s: %s", what, sqlite3_errmsg(g->db));
}

static mnd_error_t *sql(gen_t *g, const char *stmt)
{
    if (sqlite3_exec(g->db, stmt, NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(g, stmt);
    return NULL;
}

static mnd_error_t *step(gen_t *g, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(g, what);
    return NULL;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_time(sqlite3_stmt *st, int i, mnd_time_t t)
{
    if (t == MND_TIME_NONE)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, t);
}

static mnd_error_t *prepare(gen_t *g, const char *text, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v2(g->db, text, -1, out, NULL) != SQLITE_OK)
        return db_fail(g, text);
    return NULL;
}

static mnd_error_t *load_services(gen_t *g)
{
    sqlite3_stmt *svc = NULL, *act = NULL;
    mnd_error_t *err = NULL;
    long i;
    int j;
    MND_TRY(prepare(g, "INSERT INTO service (id, name_nl, name_fr, bases, min_loa, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", &svc));
    err = prepare(g, "INSERT INTO service_action (service_id, code, label_nl, citizen, position)"
                     " VALUES (?, ?, ?, 1, ?)", &act);
    for (i = 0; !err && i < N_SERVICES; i++) {
        const svc_def_t *sv = &services[i];
        bind_text(svc, 1, sv->id);
        bind_text(svc, 2, sv->name_nl);
        bind_text(svc, 3, sv->name_fr);
        bind_text(svc, 4, sv->bases);
        sqlite3_bind_int(svc, 5, sv->min_loa);
        bind_time(svc, 6, MND_SYNTH_NOW - 90 * DAY);
        err = step(g, svc, "service");
        for (j = 0; !err && sv->actions[j]; j++) {
            char label[64];
            snprintf(label, sizeof(label), "%s", sv->actions[j]);
            label[0] = (char)(label[0] - 'a' + 'A');
            for (char *c = label; *c; c++)
                if (*c == '-')
                    *c = ' ';
            bind_text(act, 1, sv->id);
            bind_text(act, 2, sv->actions[j]);
            sqlite3_bind_text(act, 3, label, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(act, 4, j);
            err = step(g, act, "service action");
            g->st->actions++;
        }
        g->st->services++;
    }
    sqlite3_finalize(svc);
    sqlite3_finalize(act);
    return err;
}

/* Whether enterprise i gives the firm a mandate (see firm_client). */
static int is_client(gen_t *g, long i)
{
    long fc = g->prm->firm_clients;
    return i >= RES_E &&
           perm_inverse(&g->clients, (uint64_t)(i - RES_E)) < (uint64_t)(fc + 3 * (fc / 100));
}

static mnd_error_t *load_parties(gen_t *g)
{
    const mnd_synth_params_t *prm = g->prm;
    char id[16], nl[128], fr[128];
    int has_nl, has_fr;
    long i;
    for (i = 0; i < prm->enterprises; i++) {
        enterprise_id(i, id);
        org_names(&g->rng, nl, fr, &has_nl, &has_fr);
        if (i == E_FIRM) {
            snprintf(nl, sizeof(nl), "Boekhoudkantoor Synthese BV");
            snprintf(fr, sizeof(fr), "Fiduciaire Synthèse SRL");
            has_nl = has_fr = 1;
        }
        bind_text(g->party, 1, id);
        bind_text(g->party, 2, "org");
        /* 8% stopped, but never the firm's clients: their mandates must all count. */
        bind_text(g->party, 3, i >= RES_E && rng_unit(&g->rng) < 0.08 && !is_client(g, i)
                                   ? "stopped" : "active");
        bind_text(g->party, 4, has_nl ? nl : NULL);
        bind_text(g->party, 5, has_fr ? fr : NULL);
        bind_time(g->party, 6, MND_SYNTH_NOW - rng_below(&g->rng, YEAR));
        MND_TRY(step(g, g->party, "enterprise"));
    }
    for (i = 0; i < prm->persons; i++) {
        person_id(i, id);
        bind_text(g->party, 1, id);
        bind_text(g->party, 2, "person");
        bind_text(g->party, 3, "active");
        bind_text(g->party, 4, NULL);
        bind_text(g->party, 5, NULL);
        bind_time(g->party, 6, MND_SYNTH_NOW - rng_below(&g->rng, 3 * YEAR));
        MND_TRY(step(g, g->party, "person"));
    }
    g->st->parties = prm->enterprises + prm->persons;
    return NULL;
}

static long rand_enterprise(gen_t *g)
{
    return RES_E + rng_below(&g->rng, g->prm->enterprises - RES_E);
}

static long rand_person(gen_t *g)
{
    return RES_P + rng_below(&g->rng, g->prm->persons - RES_P);
}

static mnd_error_t *add_function(gen_t *g, long person, long ent, const char *code,
                                 mnd_time_t from, mnd_time_t until)
{
    char holder[16], org[16];
    person_id(person, holder);
    enterprise_id(ent, org);
    bind_text(g->func, 1, holder);
    bind_text(g->func, 2, org);
    bind_text(g->func, 3, code);
    bind_time(g->func, 4, from);
    bind_time(g->func, 5, until);
    MND_TRY(step(g, g->func, "KBO function"));
    g->st->kbo_functions += sqlite3_changes(g->db);
    return NULL;
}

/* About 1.3 functions per enterprise; 12% ended; a quarter of the codes are not
 * representative (vennoot, commissaris). */
static mnd_error_t *load_functions(gen_t *g)
{
    static const char *const codes[] = {
        "bestuurder", "bestuurder", "bestuurder", "bestuurder", "zaakvoerder", "zaakvoerder",
        "zaakvoerder", "gedelegeerd_bestuurder", "dagelijks_bestuur", "vaste_vertegenwoordiger",
        "vennoot", "vennoot", "commissaris", "vereffenaar"};
    static const char *const persona_codes[] = {"bestuurder", "zaakvoerder",
                                                "gedelegeerd_bestuurder"};
    long i;
    int k, n;
    for (k = 0; k < g->prm->director_companies; k++)
        MND_TRY(add_function(g, P_DIRECTOR, E_DIRECTOR_CO + k, persona_codes[k % 3],
                             MND_SYNTH_NOW - (k + 1) * YEAR, MND_TIME_NONE));
    MND_TRY(add_function(g, P_FIRM_BOSS, E_FIRM, "bestuurder", MND_SYNTH_NOW - 12 * YEAR,
                         MND_TIME_NONE));
    MND_TRY(add_function(g, rand_person(g), E_CITIZEN_PARTY, "zaakvoerder",
                         MND_SYNTH_NOW - 7 * YEAR, MND_TIME_NONE));
    for (i = RES_E; i < g->prm->enterprises; i++) {
        double u = rng_unit(&g->rng);
        n = 1 + (u < 0.25) + (u < 0.05);
        for (k = 0; k < n; k++) {
            mnd_time_t from = MND_SYNTH_NOW - DAY - rng_below(&g->rng, 30 * YEAR), until;
            until = rng_unit(&g->rng) < 0.12
                        ? from + 1 + rng_below(&g->rng, MND_SYNTH_NOW - from - 1)
                        : MND_TIME_NONE;
            MND_TRY(add_function(g, rand_person(g), i, codes[rng_below(&g->rng, N_OF(codes))],
                                 from, until));
        }
    }
    return NULL;
}

typedef struct right_row_t {
    long person, org;
    const char *kind;
    const svc_def_t *service; /* service rights only */
    mnd_time_t from, until;
    const char *granted_by;   /* INSZ or operator name */
    int revoked;
} right_row_t;

static mnd_error_t *add_right(gen_t *g, const right_row_t *r)
{
    char person[16], org[16], actions[256];
    person_id(r->person, person);
    enterprise_id(r->org, org);
    bind_text(g->right, 1, person);
    bind_text(g->right, 2, org);
    bind_text(g->right, 3, r->kind);
    bind_text(g->right, 4, r->service ? r->service->id : NULL);
    if (r->service && rng_unit(&g->rng) < 0.5) {
        pick_actions(&g->rng, r->service, actions, sizeof(actions));
        bind_text(g->right, 5, actions);
    } else {
        bind_text(g->right, 5, NULL);
    }
    bind_time(g->right, 6, r->from);
    bind_time(g->right, 7, r->until);
    sqlite3_bind_text(g->right, 8, r->granted_by, -1, SQLITE_TRANSIENT);
    bind_time(g->right, 9, r->from);
    bind_text(g->right, 10, r->revoked ? r->granted_by : NULL);
    bind_time(g->right, 11, r->revoked ? r->from + 1 + rng_below(&g->rng, MND_SYNTH_NOW - r->from - 1)
                                       : MND_TIME_NONE);
    MND_TRY(step(g, g->right, "user right"));
    g->st->rights++;
    return NULL;
}

static mnd_error_t *load_persona_rights(gen_t *g)
{
    char boss[16];
    right_row_t r = {P_FIRM_BOSS, E_FIRM, "hoofdtoegangsbeheerder", NULL,
                     MND_SYNTH_NOW - 5 * YEAR, MND_TIME_NONE, "operator:synth", 0};
    int k;
    MND_TRY(add_right(g, &r));
    person_id(P_FIRM_BOSS, boss);
    r.granted_by = boss;
    for (k = 0; k < g->prm->firm_employees; k++) {
        r.person = P_EMPLOYEE + k;
        r.kind = "ssm_mandaatuitvoerder";
        r.from = MND_SYNTH_NOW - (30 + k) * DAY;
        MND_TRY(add_right(g, &r));
        /* Colleagues of the persona also manage mandates or administer the firm. */
        if (k == 1 || k == 2 || k == 3) {
            r.kind = k == 3 ? "lokale_beheerder" : "ssm_mandaatbeheerder";
            MND_TRY(add_right(g, &r));
        }
    }
    return NULL;
}

/* A quarter of the enterprises have 1-3 rights; each service provider has 5-24 executors. */
static mnd_error_t *load_rights(gen_t *g)
{
    static const char *const kinds[] = {"hoofdtoegangsbeheerder", "lokale_beheerder",
                                        "ssm_mandaatbeheerder", "ssm_mandaatuitvoerder",
                                        "service"};
    char granter[16];
    long i;
    int k, n;
    MND_TRY(load_persona_rights(g));
    for (i = RES_E; i < g->prm->enterprises; i++) {
        int provider = i < RES_E + g->nprov;
        n = provider ? 5 + (int)rng_below(&g->rng, 20)
                     : (rng_unit(&g->rng) < 0.25 ? 1 + (int)rng_below(&g->rng, 3) : 0);
        person_id(rand_person(g), granter);
        for (k = 0; k < n; k++) {
            right_row_t r;
            r.person = rand_person(g);
            r.org = i;
            r.kind = provider ? "ssm_mandaatuitvoerder" : kinds[rng_below(&g->rng, N_OF(kinds))];
            r.service = strcmp(r.kind, "service") == 0 ? pick_service(&g->rng) : NULL;
            r.from = MND_SYNTH_NOW - DAY - rng_below(&g->rng, 8 * YEAR);
            r.until = rng_unit(&g->rng) < 0.10
                          ? r.from + 1 + rng_below(&g->rng, MND_SYNTH_NOW - r.from - 1)
                          : MND_TIME_NONE;
            r.granted_by = rng_unit(&g->rng) < 0.05 ? "operator:synth" : granter;
            r.revoked = r.until == MND_TIME_NONE && rng_unit(&g->rng) < 0.05;
            MND_TRY(add_right(g, &r));
        }
    }
    return NULL;
}

/* ---- mandates ---- */

typedef enum persona_kind_t {
    PM_FIRM_ACTIVE = 0,
    PM_FIRM_PENDING,
    PM_FIRM_REVOKED,
    PM_FIRM_EXPIRED,
    PM_FIRM_OTHER_SERVICE,
    PM_CITIZEN,
} persona_kind_t;

typedef struct persona_row_t {
    persona_kind_t kind;
    long client;              /* index into the firm's clients */
} persona_row_t;

typedef struct mandate_row_t {
    long giver, taker;        /* party indices; enterprises >= 0, persons encoded as ~index */
    const svc_def_t *service;
    const char *state, *reason;
    mnd_time_t from, until, created, changed;
    int by_taker;             /* initiated by the taker's manager (a request) */
} mandate_row_t;

#define PERSON(i) (~(long)(i))

static void party_text(long party, char out[16])
{
    if (party < 0)
        person_id(~party, out);
    else
        enterprise_id(party, out);
}

/* Client k of the firm: a distinct non-reserved enterprise or person. */
static long firm_client(gen_t *g, long k)
{
    long idx = (long)perm_at(&g->clients, (uint64_t)k), ne = g->prm->enterprises - RES_E;
    return idx < ne ? RES_E + idx : PERSON(RES_P + idx - ne);
}

static mnd_error_t *add_mandate(gen_t *g, long seq, const mandate_row_t *m)
{
    char giver[16], taker[16], actor[16], ext[24], actions[256];
    party_text(m->giver, giver);
    party_text(m->taker, taker);
    person_id(rand_person(g), actor);
    pick_actions(&g->rng, m->service, actions, sizeof(actions));
    snprintf(ext, sizeof(ext), "SSM-%010ld", seq);
    bind_text(g->mandate, 1, rng_unit(&g->rng) < 0.7 ? ext : NULL);
    bind_text(g->mandate, 2, giver);
    bind_text(g->mandate, 3, taker);
    bind_text(g->mandate, 4, m->service->id);
    bind_text(g->mandate, 5, actions);
    bind_time(g->mandate, 6, m->from);
    bind_time(g->mandate, 7, m->until);
    bind_text(g->mandate, 8, m->state);
    bind_text(g->mandate, 9, m->by_taker ? taker : giver);
    bind_text(g->mandate, 10, actor);
    bind_time(g->mandate, 11, m->created);
    bind_time(g->mandate, 12, m->changed);
    bind_text(g->mandate, 13, m->reason);
    MND_TRY(step(g, g->mandate, "mandate"));
    g->st->mandates++;
    return NULL;
}

/* Dates of a mandate that became valid in the last `span` seconds. */
static void mandate_dates(gen_t *g, mandate_row_t *m, long span)
{
    m->from = MND_SYNTH_NOW - DAY - rng_below(&g->rng, span);
    m->created = m->from - rng_below(&g->rng, 30 * DAY);
    m->changed = m->created + rng_below(&g->rng, m->from - m->created + 1);
    m->until = MND_TIME_NONE;
    m->reason = NULL;
    m->by_taker = rng_unit(&g->rng) < 0.2;
}

/* Random mandates: 60% taken by service providers (skewed: a few take tens of thousands),
 * 25% by other enterprises, 15% by persons; 88% active (some past valid_until, i.e. expired),
 * 4% awaiting approval, 4% revoked, 2% rejected, 2% withdrawn. */
static void random_mandate(gen_t *g, mandate_row_t *m)
{
    double u = rng_unit(&g->rng), v;
    if (u < 0.60) {
        v = rng_unit(&g->rng);
        m->taker = RES_E + (long)((double)g->nprov * v * v);
    } else {
        m->taker = u < 0.85 ? rand_enterprise(g) : PERSON(rand_person(g));
    }
    do
        m->giver = rng_unit(&g->rng) < 0.75 ? rand_enterprise(g) : PERSON(rand_person(g));
    while (m->giver == m->taker);
    m->service = pick_service(&g->rng);
    mandate_dates(g, m, 6 * YEAR);
    if (rng_unit(&g->rng) < 0.45)
        m->until = m->from + 30 * DAY + rng_below(&g->rng, 5 * YEAR);
    u = rng_unit(&g->rng);
    m->state = u < 0.88 ? "active" : u < 0.92 ? "awaiting_approval" : u < 0.96 ? "revoked"
             : u < 0.98 ? "rejected" : "withdrawn";
    if (u >= 0.92) {
        m->changed = m->from + rng_below(&g->rng, MND_SYNTH_NOW - m->from);
        m->reason = u < 0.96 && rng_unit(&g->rng) < 0.3 ? "einde samenwerking" : NULL;
    }
}

static void persona_mandate(gen_t *g, const persona_row_t *pr, mandate_row_t *m)
{
    m->taker = E_FIRM;
    m->giver = firm_client(g, pr->client);
    m->service = &services[0];
    m->state = "active";
    mandate_dates(g, m, 5 * YEAR);
    switch (pr->kind) {
    case PM_FIRM_ACTIVE:
        if (rng_unit(&g->rng) < 0.3)
            m->until = MND_SYNTH_NOW + 30 * DAY + rng_below(&g->rng, 3 * YEAR);
        break;
    case PM_FIRM_PENDING:
        m->state = "awaiting_approval";
        mandate_dates(g, m, 60 * DAY);
        break;
    case PM_FIRM_REVOKED:
        m->state = "revoked";
        m->changed = m->from + rng_below(&g->rng, MND_SYNTH_NOW - m->from);
        break;
    case PM_FIRM_EXPIRED:
        m->until = MND_SYNTH_NOW - 1 - rng_below(&g->rng, MND_SYNTH_NOW - m->from - 1);
        break;
    case PM_FIRM_OTHER_SERVICE:
        m->service = &services[1 + pr->client % (N_SERVICES - 1)];
        break;
    case PM_CITIZEN:
        m->taker = PERSON(P_CITIZEN);
        m->giver = E_CITIZEN_PARTY;
        break;
    }
}

/* The personas' rows, shuffled: the firm's active mandates for the service, 1% each pending,
 * revoked and expired (other clients), 20% for other services (the same clients), and the
 * citizen's one mandate. */
static persona_row_t *persona_rows(gen_t *g, long *n)
{
    long fc = g->prm->firm_clients, odd = fc / 100, other = fc / 5, i, k = 0;
    persona_row_t *rows = apr_palloc(g->pool, sizeof(*rows) * (size_t)(fc + 3 * odd + other + 1));
    for (i = 0; i < fc; i++)
        rows[k++] = (persona_row_t){PM_FIRM_ACTIVE, i};
    for (i = 0; i < 3 * odd; i++)
        rows[k++] = (persona_row_t){PM_FIRM_PENDING + (persona_kind_t)(i / odd), fc + i};
    for (i = 0; i < other; i++)
        rows[k++] = (persona_row_t){PM_FIRM_OTHER_SERVICE, i};
    rows[k++] = (persona_row_t){PM_CITIZEN, 0};
    for (i = k - 1; i > 0; i--) {
        long j = rng_below(&g->rng, i + 1);
        persona_row_t t = rows[i];
        rows[i] = rows[j];
        rows[j] = t;
    }
    g->st->firm_other_mandates = 3 * odd + other;
    *n = k;
    return rows;
}

/* Persona rows are scattered uniformly over the id range (selection sampling), as mandates
 * created over years would be: no locality the real store would not have. */
static mnd_error_t *load_mandates(gen_t *g)
{
    long np, next = 0, i, total = g->prm->mandates;
    persona_row_t *pr = persona_rows(g, &np);
    double t0 = mono_seconds();
    if (np > total)
        return mnd_error(g->pool, MND_EINVAL, "synthetic store: %ld mandates cannot hold the "
                         "%ld persona mandates", total, np);
    for (i = 0; i < total; i++) {
        mandate_row_t m;
        if (rng_below(&g->rng, total - i) < np - next)
            persona_mandate(g, &pr[next++], &m);
        else
            random_mandate(g, &m);
        MND_TRY(add_mandate(g, i + 1, &m));
        if (g->prm->verbose && (i + 1) % 1000000 == 0)
            fprintf(stderr, "synth: %ld mandates, %.1f s\n", i + 1, mono_seconds() - t0);
    }
    return NULL;
}

/* ---- schema, indexes, build ---- */

/* Every schema object of a database as one string, to compare stores with the migrations. */
static mnd_error_t *schema_signature(apr_pool_t *p, sqlite3 *db, const char **out)
{
    sqlite3_stmt *st;
    const char *sig = "";
    if (sqlite3_prepare_v2(db, "SELECT type, name, COALESCE(sql, '') FROM sqlite_master"
                               " ORDER BY type, name", -1, &st, NULL) != SQLITE_OK)
        return mnd_error(p, MND_ESTORE, "reading the schema: %s", sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW)
        sig = apr_psprintf(p, "%s%s %s %s\n", sig, sqlite3_column_text(st, 0),
                           sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    *out = sig;
    return NULL;
}

static void remove_db(apr_pool_t *p, const char *path)
{
    unlink(path);
    unlink(apr_pstrcat(p, path, "-wal", NULL));
    unlink(apr_pstrcat(p, path, "-shm", NULL));
    unlink(apr_pstrcat(p, path, "-journal", NULL));
}

/* A new store at path with the real migrations applied by the core. */
static mnd_error_t *migrate_new(apr_pool_t *p, const char *path)
{
    apr_pool_t *sp;
    mnd_store_t *s;
    mnd_error_t *err;
    remove_db(p, path);
    apr_pool_create(&sp, p);
    err = mnd_store_open(sp, "sqlite3", path, &s);
    if (!err)
        err = mnd_store_migrate(s, sp, NULL, NULL);
    apr_pool_destroy(sp);
    return err;
}

/* The schema signature of a freshly migrated store (built once beside path). */
static mnd_error_t *reference_signature(apr_pool_t *p, const char *path, const char **sig)
{
    const char *ref = apr_pstrcat(p, path, ".schema-ref", NULL);
    sqlite3 *db = NULL;
    mnd_error_t *err = migrate_new(p, ref);
    if (!err && sqlite3_open(ref, &db) != SQLITE_OK)
        err = mnd_error(p, MND_ESTORE, "cannot open %s", ref);
    if (!err)
        err = schema_signature(p, db, sig);
    sqlite3_close(db);
    remove_db(p, ref);
    return err;
}

/* Drop the secondary indexes (the ones with SQL; constraint indexes cannot be dropped) and
 * return their CREATE statements. */
static mnd_error_t *drop_indexes(gen_t *g, apr_array_header_t **creates)
{
    sqlite3_stmt *st;
    int i;
    *creates = apr_array_make(g->pool, 16, sizeof(const char *));
    MND_TRY(prepare(g, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT"
                       " NULL ORDER BY name", &st));
    while (sqlite3_step(st) == SQLITE_ROW)
        APR_ARRAY_PUSH(*creates, const char *) =
            apr_pstrdup(g->pool, (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    for (i = 0; i < (*creates)->nelts; i++) {
        const char *create = APR_ARRAY_IDX(*creates, i, const char *);
        const char *name = strstr(create, "INDEX ") + 6;
        MND_TRY(sql(g, apr_psprintf(g->pool, "DROP INDEX %.*s", (int)strcspn(name, " "), name)));
    }
    return NULL;
}

static mnd_error_t *load_all(gen_t *g)
{
    MND_TRY(prepare(g, "INSERT INTO party (id, kind, status, name_nl, name_fr, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", &g->party));
    MND_TRY(prepare(g, "INSERT OR IGNORE INTO kbo_function (holder, enterprise, function_code,"
                       " valid_from, valid_until) VALUES (?, ?, ?, ?, ?)", &g->func));
    MND_TRY(prepare(g, "INSERT INTO user_right (person, org, kind, service_id, actions,"
                       " valid_from, valid_until, granted_by, granted_at, revoked_by, revoked_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &g->right));
    MND_TRY(prepare(g, "INSERT INTO mandate (ext_ref, giver, taker, service_id, actions,"
                       " valid_from, valid_until, state, initiated_by_party, initiated_by_person,"
                       " created_at, state_changed_at, state_reason)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &g->mandate));
    MND_TRY(load_services(g));
    MND_TRY(load_parties(g));
    MND_TRY(load_functions(g));
    MND_TRY(load_rights(g));
    return load_mandates(g);
}

static mnd_error_t *check_params(apr_pool_t *p, const mnd_synth_params_t *prm)
{
    long pool = prm->enterprises - RES_E + prm->persons - RES_P;
    if (prm->enterprises < 2 * RES_E || prm->persons < 2 * RES_P)
        return mnd_error(p, MND_EINVAL, "synthetic store: at least %d enterprises and %d persons",
                         2 * RES_E, 2 * RES_P);
    if (prm->firm_employees < 1 || prm->firm_employees > MAX_EMPLOYEES ||
        prm->director_companies < 1 || prm->director_companies > MAX_COMPANIES)
        return mnd_error(p, MND_EINVAL, "synthetic store: 1-%d employees and 1-%d companies",
                         MAX_EMPLOYEES, MAX_COMPANIES);
    if (prm->firm_clients < 1 || prm->firm_clients + 3 * (prm->firm_clients / 100) > pool)
        return mnd_error(p, MND_EINVAL, "synthetic store: %ld firm clients need more parties",
                         prm->firm_clients);
    if ((unsigned long)prm->enterprises > KBO_FIRST8_SPAN)
        return mnd_error(p, MND_EINVAL, "synthetic store: at most %lu enterprises",
                         KBO_FIRST8_SPAN);
    return NULL;
}

static void finalize_all(gen_t *g)
{
    sqlite3_finalize(g->party);
    sqlite3_finalize(g->func);
    sqlite3_finalize(g->right);
    sqlite3_finalize(g->mandate);
}

/* Load, then rebuild indexes and prove the schema is exactly the migrations'. */
static mnd_error_t *build_rows(gen_t *g, const char *ref_sig)
{
    apr_array_header_t *creates = NULL;
    const char *sig;
    double t0 = mono_seconds(), t1;
    int i;
    /* A scratch file: no journal, no fsync, a cache big enough for the indexes, a
     * multi-threaded sorter for CREATE INDEX. */
    MND_TRY(sql(g, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                   " PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -2000000;"
                   " PRAGMA temp_store = MEMORY; PRAGMA threads = 2"));
    if (g->prm->recreate_indexes)
        MND_TRY(drop_indexes(g, &creates));
    MND_TRY(sql(g, "BEGIN"));
    MND_TRY(load_all(g));
    MND_TRY(sql(g, "COMMIT"));
    t1 = mono_seconds();
    g->st->seconds_load = t1 - t0;
    for (i = 0; creates && i < creates->nelts; i++)
        MND_TRY(sql(g, APR_ARRAY_IDX(creates, i, const char *)));
    g->st->seconds_index = mono_seconds() - t1;
    MND_TRY(schema_signature(g->pool, g->db, &sig));
    if (strcmp(sig, ref_sig) != 0)
        return mnd_error(g->pool, MND_EINTERNAL, "synthetic store: schema differs from the "
                         "migrations after the load:\n%s\nexpected:\n%s", sig, ref_sig);
    return sql(g, "PRAGMA journal_mode = WAL");
}

/* What a store was built from, kept beside it (path.params): a reused store must come from
 * the same generator and parameters. Bump SYNTH_VERSION whenever the rows change. */
#define SYNTH_VERSION 1

static const char *params_line(apr_pool_t *p, const mnd_synth_params_t *prm)
{
    return apr_psprintf(p, "synth %d: mandates %ld, enterprises %ld, persons %ld, clients %ld, "
                        "employees %d, companies %d, seed %" APR_UINT64_T_FMT "\n", SYNTH_VERSION,
                        prm->mandates, prm->enterprises, prm->persons, prm->firm_clients,
                        prm->firm_employees, prm->director_companies, (apr_uint64_t)prm->seed);
}

static mnd_error_t *params_write(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm)
{
    const char *file = apr_pstrcat(p, path, ".params", NULL);
    FILE *f = fopen(file, "w");
    if (!f || fputs(params_line(p, prm), f) < 0 || fclose(f) != 0)
        return mnd_error(p, MND_ESTORE, "cannot write %s", file);
    return NULL;
}

static int params_match(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm)
{
    char line[512];
    FILE *f = fopen(apr_pstrcat(p, path, ".params", NULL), "r");
    int same = f && fgets(line, sizeof(line), f) && strcmp(line, params_line(p, prm)) == 0;
    if (f)
        fclose(f);
    return same;
}

mnd_error_t *mnd_synth_build(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm,
                             mnd_synth_stats_t *stats)
{
    gen_t g;
    const char *ref_sig;
    mnd_error_t *err;

    MND_TRY(check_params(p, prm));
    memset(&g, 0, sizeof(g));
    memset(stats, 0, sizeof(*stats));
    g.pool = p;
    g.prm = prm;
    g.st = stats;
    g.nprov = prm->enterprises / 100 < 10 ? 10 : prm->enterprises / 100;
    rng_seed(&g.rng, prm->seed);
    g.clients = perm_make((uint64_t)(prm->enterprises - RES_E + prm->persons - RES_P),
                          0x9e3779b97f4a7c15ULL ^ prm->seed, prm->seed);
    MND_TRY(reference_signature(p, path, &ref_sig));
    MND_TRY(migrate_new(p, path));
    if (sqlite3_open(path, &g.db) != SQLITE_OK) {
        sqlite3_close(g.db);
        return mnd_error(p, MND_ESTORE, "cannot open %s", path);
    }
    unlink(apr_pstrcat(p, path, ".params", NULL));
    err = build_rows(&g, ref_sig);
    finalize_all(&g);
    sqlite3_close(g.db);
    if (!err)
        err = params_write(p, path, prm);
    if (err)
        remove_db(p, path);
    return err;
}

mnd_error_t *mnd_synth_check(apr_pool_t *p, const char *path, const mnd_synth_params_t *prm)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    const char *ref_sig, *sig = "";
    sqlite3_int64 mandates = -1, parties = -1;
    mnd_error_t *err = NULL;

    if (access(path, R_OK) != 0)
        return mnd_error(p, MND_ENOTFOUND, "%s does not exist", path);
    if (!params_match(p, path, prm))
        return mnd_error(p, MND_ENOTFOUND, "%s.params is missing or names other parameters or "
                         "another generator version", path);
    MND_TRY(reference_signature(p, path, &ref_sig));
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        err = mnd_error(p, MND_ENOTFOUND, "%s: %s", path, sqlite3_errmsg(db));
    if (!err)
        err = schema_signature(p, db, &sig);
    if (!err && sqlite3_prepare_v2(db, "SELECT (SELECT MAX(id) FROM mandate),"
                                       " (SELECT MAX(rowid) FROM party)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        mandates = sqlite3_column_int64(st, 0);
        parties = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (!err && strcmp(sig, ref_sig) != 0)
        err = mnd_error(p, MND_ENOTFOUND, "%s has an older schema", path);
    if (!err && (mandates != prm->mandates || parties != prm->enterprises + prm->persons))
        err = mnd_error(p, MND_ENOTFOUND, "%s holds %" APR_INT64_T_FMT " mandates and %"
                        APR_INT64_T_FMT " parties, not %ld and %ld", path, (apr_int64_t)mandates,
                        (apr_int64_t)parties, prm->mandates, prm->enterprises + prm->persons);
    return err;
}

/* ---- KBO Open Data files ---- */

static void kbo_dotted(const char *kbo, char out[13])
{
    snprintf(out, 13, "%.4s.%.3s.%.3s", kbo, kbo + 4, kbo + 7);
}

/* One enterprise row and its legal name (type 001) in Dutch (58%), French (38%) or German. */
static void kbo_csv_row(rng_t *r, FILE *ent, FILE *den, unsigned long first8)
{
    static const char *const jforms[] = {"014", "015", "016", "017", "030", "610", "612", "706"};
    char kbo[MND_KBO_LEN + 1], dotted[13], nl[128], fr[128];
    int has_nl, has_fr, y, m, d, natural = rng_unit(r) < 0.3;
    double u = rng_unit(r);
    kbo_from_first8(first8, kbo);
    kbo_dotted(kbo, dotted);
    civil_from_days(-7305 + rng_below(r, 27000), &y, &m, &d);
    fprintf(ent, "\"%s\",\"AC\",\"000\",\"%s\",\"%s\",\"\",\"%02d-%02d-%04d\"\n", dotted,
            natural ? "1" : "2", natural ? "" : jforms[rng_below(r, N_OF(jforms))], d, m, y);
    org_names(r, nl, fr, &has_nl, &has_fr);
    fprintf(den, "\"%s\",\"%s\",\"001\",\"%s\"\n", dotted, u < 0.58 ? "2" : u < 0.96 ? "1" : "3",
            u < 0.58 || u >= 0.96 ? nl : fr);
}

mnd_error_t *mnd_synth_kbo_csv(apr_pool_t *p, const char *dir, long rows, uint64_t seed)
{
    const char *epath = apr_pstrcat(p, dir, "/enterprise.csv", NULL);
    const char *dpath = apr_pstrcat(p, dir, "/denomination.csv", NULL);
    FILE *ent = NULL, *den = NULL;
    unsigned long step = rows > 0 ? KBO_FIRST8_SPAN / (unsigned long)rows : 0;
    mnd_error_t *err = NULL;
    rng_t r;
    long k;

    if (rows < 1 || step < 1)
        return mnd_error(p, MND_EINVAL, "KBO files: 1-%lu rows", KBO_FIRST8_SPAN);
    rng_seed(&r, seed ^ 0x4b424fULL);
    ent = fopen(epath, "w");
    den = fopen(dpath, "w");
    if (!ent || !den) {
        err = mnd_error(p, MND_ESTORE, "cannot write %s", ent ? dpath : epath);
        goto done;
    }
    setvbuf(ent, NULL, _IOFBF, 1 << 20);
    setvbuf(den, NULL, _IOFBF, 1 << 20);
    fputs("\"EnterpriseNumber\",\"Status\",\"JuridicalSituation\",\"TypeOfEnterprise\","
          "\"JuridicalForm\",\"JuridicalFormCAC\",\"StartDate\"\n", ent);
    fputs("\"EntityNumber\",\"Language\",\"TypeOfDenomination\",\"Denomination\"\n", den);
    /* KBO publishes the files sorted by number: ascending numbers with random gaps. */
    for (k = 0; k < rows; k++)
        kbo_csv_row(&r, ent, den, KBO_FIRST8_MIN + (unsigned long)k * step +
                                       (unsigned long)rng_below(&r, (long)step));
    if (ferror(ent) || ferror(den))
        err = mnd_error(p, MND_ESTORE, "writing the KBO files in %s failed", dir);
done:
    if (ent && fclose(ent) != 0 && !err)
        err = mnd_error(p, MND_ESTORE, "writing %s failed", epath);
    if (den && fclose(den) != 0 && !err)
        err = mnd_error(p, MND_ESTORE, "writing %s failed", dpath);
    return err;
}
