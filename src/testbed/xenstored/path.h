/* xenstore path names: validation and canonical form.
 *
 * A canonical path is absolute ("/" or "/a/b", no "//", no trailing "/"),
 * made of the characters xenstored accepts ([A-Za-z0-9_@-] and "/"), at most
 * XENSTORE_ABS_PATH_MAX bytes. A relative path (no leading "/") is resolved
 * under the connection's home, /local/domain/0 (every socket client is dom0).
 * A watch may name any "@..." path; only "@introduceDomain" and
 * "@releaseDomain" ever fire (besides the registration event). */
#ifndef MP_XSD_PATH_H
#define MP_XSD_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* dom0's home: where relative paths resolve. */
#define MP_XSD_HOME "/local/domain/0"
#define MP_XSD_SPECIAL_INTRODUCE "@introduceDomain"
#define MP_XSD_SPECIAL_RELEASE "@releaseDomain"
/* Room for any canonical path and its NUL. */
#define MP_XSD_PATH_BUF 3200

/* Canonicalises `in` into `out` (MP_XSD_PATH_BUF bytes). Special "@..."
 * paths (at most XENSTORE_REL_PATH_MAX bytes) are accepted, copied as
 * they are, only when `allow_special`. Returns 0, or
 * -EINVAL for a name xenstored would refuse. *relative tells whether `in`
 * was relative (may be NULL). */
int mp_xsd_path_canon(const char *in, bool allow_special, char *out,
		      bool *relative);

/* True when `path` is `base` or lies below it ("/a/b" is under "/a" and
 * under "/", "/ab" is not under "/a"). Both canonical. */
bool mp_xsd_path_under(const char *path, const char *base);

/* The form of canonical `path` a client that watched a relative path
 * expects: `path` without the home prefix and its "/" (the path must lie
 * strictly under MP_XSD_HOME; otherwise `path` itself is returned). */
const char *mp_xsd_path_relative(const char *path);

#endif
