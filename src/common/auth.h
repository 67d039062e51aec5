/* Control-channel authentication: a shared secret (the token) read from a
 * file only its owner can read, and an HMAC-SHA256 challenge-response in both
 * directions (libsodium). docs/protocol.md describes the exchange:
 *
 *   client proof = HMAC(token, server_nonce || client_nonce || "mir-perf-v1 client")
 *   server proof = HMAC(token, client_nonce || server_nonce || "mir-perf-v1 server")
 *
 * Nonces are fresh random 32-byte values, one per connection on each side, so
 * a proof captured on one connection is worthless on the next. The token never
 * leaves this module except as HMACs; it lives in guarded memory and is wiped
 * when freed. Proofs are compared in constant time. */
#ifndef MP_AUTH_H
#define MP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/proto.h"

#define MP_AUTH_TOKEN_MIN 16     /* bytes; shorter tokens are refused */
#define MP_AUTH_TOKEN_MAX 4096   /* bytes; a longer file is not a token */
#define MP_AUTH_NONCE_LEN MP_PROTO_NONCE_LEN
#define MP_AUTH_PROOF_LEN MP_PROTO_PROOF_LEN
#define MP_AUTH_LABEL_CLIENT "mir-perf-v1 client"
#define MP_AUTH_LABEL_SERVER "mir-perf-v1 server"
/* How many hex digits of a proof may appear in a log line. */
#define MP_AUTH_LOG_HEX 8

struct mp_auth_token;

/* Initialises libsodium (idempotent). Returns 0 or -EIO. */
int mp_auth_init(void);

/* Reads the token from `path`: a regular file that neither its group nor
 * others may access (else -EPERM with a message naming `chmod 600 FILE`),
 * holding MP_AUTH_TOKEN_MIN..MP_AUTH_TOKEN_MAX bytes after one trailing
 * newline ("\n" or "\r\n") is removed (else -EINVAL with a message saying how
 * to make one). Returns 0 and *out, or a negative errno with a message for
 * the user in err (never containing any of the token). */
int mp_auth_token_load(const char *path, struct mp_auth_token **out,
		       char *err, size_t errlen);

/* Wipes and frees the token. NULL is a no-op. */
void mp_auth_token_free(struct mp_auth_token *t);

/* Fills `nonce` with fresh random bytes. */
void mp_auth_nonce(uint8_t nonce[MP_AUTH_NONCE_LEN]);

/* The client's proof: HMAC(token, server_nonce || client_nonce || label). */
void mp_auth_client_proof(const struct mp_auth_token *t,
			  const uint8_t server_nonce[MP_AUTH_NONCE_LEN],
			  const uint8_t client_nonce[MP_AUTH_NONCE_LEN],
			  uint8_t proof[MP_AUTH_PROOF_LEN]);

/* The server's proof: HMAC(token, client_nonce || server_nonce || label). */
void mp_auth_server_proof(const struct mp_auth_token *t,
			  const uint8_t server_nonce[MP_AUTH_NONCE_LEN],
			  const uint8_t client_nonce[MP_AUTH_NONCE_LEN],
			  uint8_t proof[MP_AUTH_PROOF_LEN]);

/* Constant-time comparison of a received proof with the expected one.
 * Returns 1 when they are equal, 0 otherwise. */
int mp_auth_proof_equal(const uint8_t a[MP_AUTH_PROOF_LEN],
			const uint8_t b[MP_AUTH_PROOF_LEN]);

/* Wipes a secret or derived value (nonces, proofs) from memory. */
void mp_auth_wipe(void *p, size_t n);

#endif
