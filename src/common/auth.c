#include "common/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

/* Room read from the file: the largest token, a "\r\n", and one byte more to
 * notice a file that is too long. */
#define TOKEN_READ_MAX (MP_AUTH_TOKEN_MAX + 3)

struct mp_auth_token {
	size_t len;
	unsigned char *key;   /* sodium_malloc'ed: guard pages, wiped on free */
};

int mp_auth_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

static int read_all(int fd, unsigned char *buf, size_t cap, size_t *len)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return 0;
}

int mp_auth_token_load(const char *path, struct mp_auth_token **out,
		       char *err, size_t errlen)
{
	struct mp_auth_token *t;
	unsigned char *buf;
	struct stat st;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	if (mp_auth_init() < 0) {
		snprintf(err, errlen, "cannot initialise libsodium");
		return -EIO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open token file %s: %s", path, mp_strerror(rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat token file %s: %s", path, mp_strerror(rc));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "token file %s is not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "token file %s is accessible by its group or others (mode %04o); run: chmod 600 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return -EPERM;
	}
	buf = sodium_malloc(TOKEN_READ_MAX);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory reading token file %s", path);
		return -ENOMEM;
	}
	rc = read_all(fd, buf, TOKEN_READ_MAX, &len);
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "cannot read token file %s: %s", path, mp_strerror(rc));
		goto fail;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len < MP_AUTH_TOKEN_MIN || len > MP_AUTH_TOKEN_MAX) {
		snprintf(err, errlen,
			 "token file %s holds %s%zu bytes; a token is %d to %d bytes: make one with "
			 "'head -c 32 /dev/urandom | base64 > %s; chmod 600 %s'",
			 path, len > MP_AUTH_TOKEN_MAX ? "more than " : "",
			 len > MP_AUTH_TOKEN_MAX ? (size_t)MP_AUTH_TOKEN_MAX : len,
			 MP_AUTH_TOKEN_MIN, MP_AUTH_TOKEN_MAX, path, path);
		rc = -EINVAL;
		goto fail;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory reading token file %s", path);
		goto fail;
	}
	t->key = buf;
	t->len = len;
	sodium_memzero(buf + len, TOKEN_READ_MAX - len);
	sodium_mprotect_readonly(buf);
	*out = t;
	return 0;
fail:
	sodium_free(buf);     /* wipes it */
	return rc;
}

void mp_auth_token_free(struct mp_auth_token *t)
{
	if (!t)
		return;
	sodium_free(t->key);  /* zeroes the memory before releasing it */
	free(t);
}

void mp_auth_nonce(uint8_t nonce[MP_AUTH_NONCE_LEN])
{
	randombytes_buf(nonce, MP_AUTH_NONCE_LEN);
}

static void hmac(const struct mp_auth_token *t, const uint8_t *a, const uint8_t *b,
		 const char *label, uint8_t out[MP_AUTH_PROOF_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, t->key, t->len);
	crypto_auth_hmacsha256_update(&st, a, MP_AUTH_NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, b, MP_AUTH_NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, strlen(label));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void mp_auth_client_proof(const struct mp_auth_token *t,
			  const uint8_t server_nonce[MP_AUTH_NONCE_LEN],
			  const uint8_t client_nonce[MP_AUTH_NONCE_LEN],
			  uint8_t proof[MP_AUTH_PROOF_LEN])
{
	hmac(t, server_nonce, client_nonce, MP_AUTH_LABEL_CLIENT, proof);
}

void mp_auth_server_proof(const struct mp_auth_token *t,
			  const uint8_t server_nonce[MP_AUTH_NONCE_LEN],
			  const uint8_t client_nonce[MP_AUTH_NONCE_LEN],
			  uint8_t proof[MP_AUTH_PROOF_LEN])
{
	hmac(t, client_nonce, server_nonce, MP_AUTH_LABEL_SERVER, proof);
}

int mp_auth_proof_equal(const uint8_t a[MP_AUTH_PROOF_LEN],
			const uint8_t b[MP_AUTH_PROOF_LEN])
{
	return sodium_memcmp(a, b, MP_AUTH_PROOF_LEN) == 0;
}

void mp_auth_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
