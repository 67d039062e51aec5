/* Introduced domains: the set INTRODUCE adds to and RELEASE removes from.
 * dom0 is always there and is never in the list. */
#include <errno.h>
#include <stdlib.h>

#include "testbed/xenstored/internal.h"

bool mp_xsd_domain_known(const struct mp_xsd_core *core, unsigned long domid)
{
	if (domid == 0)
		return true;
	for (const struct mp_xsd_domain *d = core->domains; d; d = d->next)
		if (d->domid == domid)
			return true;
	return false;
}

int mp_xsd_domain_introduce(struct mp_xsd_core *core, unsigned long domid,
			    unsigned long mfn)
{
	struct mp_xsd_domain *d;

	if (domid == 0 || domid > MP_XSD_DOMID_MAX)
		return -EINVAL;
	/* xenstored: a known domain again is fine (it only rebinds the
	 * event channel), whatever the frame; no event */
	for (d = core->domains; d; d = d->next)
		if (d->domid == domid)
			return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domid = domid;
	d->mfn = mfn;
	d->next = core->domains;
	core->domains = d;
	mp_xsd_watch_fire_exact(core, MP_XSD_SPECIAL_INTRODUCE);
	return 0;
}

int mp_xsd_domain_release(struct mp_xsd_core *core, unsigned long domid)
{
	if (domid == 0)
		return -EINVAL;   /* C xenstored: dom0 is not released */
	for (struct mp_xsd_domain **pp = &core->domains; *pp; pp = &(*pp)->next) {
		if ((*pp)->domid == domid) {
			struct mp_xsd_domain *d = *pp;

			*pp = d->next;
			free(d);
			mp_xsd_watch_fire_exact(core, MP_XSD_SPECIAL_RELEASE);
			return 0;
		}
	}
	return -ENOENT;
}

void mp_xsd_domain_free_all(struct mp_xsd_core *core)
{
	while (core->domains) {
		struct mp_xsd_domain *d = core->domains;

		core->domains = d->next;
		free(d);
	}
}
