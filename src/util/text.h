/* Checks on text that several readers share: strict UTF-8 (RFC 3629) and short identifiers
 * made of letters, digits and a few punctuation characters. */
#ifndef MND_UTIL_TEXT_H
#define MND_UTIL_TEXT_H

#include <stddef.h>

/* Length (1..4) of the UTF-8 sequence at s, which ends before end, or 0 when it is not a valid
 * one: no overlong form, no surrogate, nothing above U+10FFFF. s < end. */
size_t mnd_utf8_seq(const unsigned char *s, const unsigned char *end);

/* Whether the len bytes at s are valid UTF-8 (as mnd_utf8_seq reads it). */
int mnd_utf8_valid(const char *s, size_t len);

/* Whether s is 1..max characters, each an ASCII letter or digit or one of extra. */
int mnd_token_ok(const char *s, size_t max, const char *extra);

#endif
