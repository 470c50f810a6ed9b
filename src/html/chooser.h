/* The chooser's content ("for whom do you act?") and the "why is a party missing?" list, built
 * from a resolution as HTML fragments for the page templates (html/template.h). Pure: no httpd,
 * no store; the caller supplies recent choices, the offer-token function and the URLs.
 *
 * Scale: a person may have 20,000 capacities. Search and paging happen here, server-side, so
 * the page holds at most one page of rows whatever the total; the page's script only refines
 * what the server sent. See docs/chooser.md. */
#ifndef MND_HTML_CHOOSER_H
#define MND_HTML_CHOOSER_H

#include "core/resolve.h"
#include "html/i18n.h"

/* Default and largest number of rows on one chooser page. */
#define MND_CHOOSER_PAGE_SIZE 50
#define MND_CHOOSER_MAX_PAGE_SIZE 500
/* Longest search text considered (bytes); longer input is cut at a character boundary. */
#define MND_CHOOSER_MAX_SEARCH 200

/* The form value of a capacity: the offer token of key (flow/txn.h mnd_offer_token). */
typedef const char *(*mnd_chooser_token_fn)(void *baton, apr_pool_t *p, const char *cap_key);

typedef struct mnd_chooser_input_t {
    const mnd_resolution_t *res;
    const mnd_catalog_t *cat;
    mnd_lang_t lang;
    mnd_time_t now;                   /* for "expires in N days" */
    const apr_array_header_t *recent; /* const char * capacity keys, most recent first; may be
                                         NULL. Those still offered are listed first, in a
                                         "recently chosen" group, and not repeated below. */
    const char *hint_key;             /* login_hint pre-selection (already checked to be in
                                         the offer) or NULL: listed first and focused */
    const char *search;               /* the person's search text, raw; NULL or "" = all */
    long page;                        /* 1-based; out of range is clamped */
    long page_size;                   /* <= 0: MND_CHOOSER_PAGE_SIZE; capped at the max */
    const char *self_url;             /* the chooser's own URL path, for search and paging
                                         links (query parameters q and page are appended) */
    mnd_chooser_token_fn token;
    void *token_baton;
} mnd_chooser_input_t;

typedef struct mnd_chooser_view_t {
    long total;           /* capacities offered in all (before search) */
    long matched;         /* capacities matching the search */
    long page, pages;     /* the page shown (1-based) and the number of pages (>= 1) */
    const char *rows;     /* HTML: the page's rows grouped by basis (recent and hinted first),
                             each a submit button name="choice" value=<offer token> */
    const char *pager;    /* HTML: previous/next and position links; "" for one page */
    const char *summary;  /* text: "12 of 20000 match" style status for screen readers */
    const char *search;   /* the normalised search text as used (raw text, escape it) */
} mnd_chooser_view_t;

/* Build the view of in. Rows and links are escaped here; texts come from the catalogue. */
mnd_error_t *mnd_chooser_build(apr_pool_t *p, const mnd_chooser_input_t *in,
                               mnd_chooser_view_t *out);

/* Whether capacity c matches search text (case-insensitive on names in every language,
 * party id and intermediary; digits-only search also matches formatted KBO numbers and
 * INSZ). An empty search matches everything. */
int mnd_chooser_matches(const mnd_capacity_t *c, const char *search);

/* HTML: the near misses of res as a list, each with what it means and what to do ("ask the
 * local administrator of X for the right SSM Mandaatuitvoerder"); a "nothing is missing" line
 * when there are none. */
const char *mnd_why_build(apr_pool_t *p, const mnd_resolution_t *res, const mnd_catalog_t *cat,
                          mnd_lang_t lang, mnd_time_t now);

#endif
