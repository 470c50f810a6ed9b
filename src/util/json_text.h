/* Text made by json_dumps goes back through jansson's own allocator: another module in the
 * same process (cjose, for one) may have set jansson's allocation functions. */
#ifndef MND_UTIL_JSON_TEXT_H
#define MND_UTIL_JSON_TEXT_H

/* Free txt (from json_dumps; NULL is fine) with jansson's deallocator. */
void mnd_json_text_free(char *txt);

#endif
