/* libFuzzer target for the pktgen result parser: any text parses or is
 * refused, never read past its end. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pktgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct mp_pktgen_result r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	mp_pktgen_parse_result(text, &r);
	free(text);
	return 0;
}
