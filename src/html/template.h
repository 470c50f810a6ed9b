/* Page templates: HTML files with named placeholders that the code fills, escaping each value
 * for the context the placeholder names:
 *   {{name}}        HTML text (apr_pescape_entity)
 *   {{attr:name}}   a double-quoted attribute value (entity-escaped, quotes included)
 *   {{url:name}}    a URL component inside an attribute (percent-encoded, then entity-escaped)
 *   {{html:name}}   a fragment the code built from escaped parts (never request data)
 *   {{t:key}}       a message of the page's language from the catalogue (HTML text)
 * Placeholders a template may use are declared by the code per page; an unknown name, an
 * unknown message key or a malformed placeholder fails at load (so at httpd start). */
#ifndef MND_HTML_TEMPLATE_H
#define MND_HTML_TEMPLATE_H

#include "core/model.h"
#include "html/i18n.h"

#include <apr_hash.h>

typedef struct mnd_template_t mnd_template_t;

/* Parse template text (what names it in messages: name). allowed is a NULL-terminated list of
 * placeholder names the code will supply; cat checks {{t:key}} keys. */
mnd_error_t *mnd_template_parse(apr_pool_t *p, const char *name, const char *text,
                                const char *const *allowed, const mnd_catalog_t *cat,
                                mnd_template_t **out);

/* Read and parse a template file (at most 1 MiB). */
mnd_error_t *mnd_template_load(apr_pool_t *p, const char *path, const char *const *allowed,
                               const mnd_catalog_t *cat, mnd_template_t **out);

/* Render with values (name -> const char *, raw, unescaped; a missing value renders empty) in
 * language lang. */
const char *mnd_template_render(apr_pool_t *p, const mnd_template_t *t, apr_hash_t *values,
                                mnd_lang_t lang);

/* Escapers for code that builds {{html:...}} fragments (thin wrappers over apr_escape). */
const char *mnd_html_text(apr_pool_t *p, const char *s);
const char *mnd_html_attr(apr_pool_t *p, const char *s);
const char *mnd_url_component(apr_pool_t *p, const char *s);

#endif
