/* The subset of the xl domain config format the testbed needs:
 *   name = "NAME"
 *   kernel = "PROGRAM"           (the program the domain runs)
 *   extra = "ARGS"               (its arguments, split on spaces)
 *   vif = [ 'mac=..,bridge=..,vifname=..', ... ]
 * '#' starts a comment; strings take ' or "; a list may span lines. Other
 * keys are ignored with a notice, as xl does for keys it does not use. */
#ifndef MP_XLCFG_H
#define MP_XLCFG_H

#include <net/if.h>
#include <stddef.h>

#include "common/mac.h"

#define MP_XL_MAX_VIFS 8
#define MP_XL_MAX_ARGS 32

struct mp_xl_vif {
	char mac[MP_MAC_STRLEN];     /* "" when not given */
	char bridge[IFNAMSIZ];       /* default xenbr0 */
	char vifname[IFNAMSIZ];      /* "" when not given */
};

struct mp_xl_cfg {
	char name[64];
	char kernel[1024];
	char extra[1024];
	struct mp_xl_vif vifs[MP_XL_MAX_VIFS];
	size_t nvifs;
};

/* Parses `text`; on error returns -EINVAL with "LINE: message" in err. */
int mp_xl_cfg_parse(const char *text, struct mp_xl_cfg *cfg, char *err, size_t errlen);

#endif
