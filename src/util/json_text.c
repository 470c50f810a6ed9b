/* util/json_text.h */
#include "util/json_text.h"

#include <jansson.h>
#include <stdlib.h>

void mnd_json_text_free(char *txt)
{
    json_free_t f = NULL;
    json_get_alloc_funcs(NULL, &f);
    if (txt)
        (f ? f : free)(txt);
}
