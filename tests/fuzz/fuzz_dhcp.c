/* libFuzzer target for the DHCP snooper's decoder: every input is one
 * Ethernet frame, handed over in a buffer of exactly its size so any read
 * past the end trips ASan. An accepted frame must yield a dotted-quad
 * address that parses back. Built and run by make fuzz (FUZZ_SECONDS=N). */
#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/host/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	uint8_t chaddr[6];
	char yiaddr[INET_ADDRSTRLEN];
	struct in_addr a;
	int rc;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	rc = mp_dhcp_decode(copy, size, chaddr, yiaddr);
	assert(rc == 0 || rc == 1);
	if (rc == 1) {
		assert(memchr(yiaddr, '\0', sizeof(yiaddr)));
		assert(inet_pton(AF_INET, yiaddr, &a) == 1);
	}
	free(copy);
	return 0;
}
