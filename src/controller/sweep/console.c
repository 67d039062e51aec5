/* Every domain's console kept in the run (host/console.h): one file per
 * boot, domains/<role>-<boot>.console, followed from the moment the
 * toolstack is asked to create the domain; its last lines quoted in
 * run.log whenever the sweep has something to say about the domain (a
 * phase failed, it died, it did not come up). */
#include "controller/sweep/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/pathf.h"
#include "common/template.h"

#define CONSOLE_DIR "domains"

/* Every domain's console in this run (sw->consoles). */
struct sw_consoles {
	struct mp_console *log[MP_DOM_COUNT];   /* this boot's, or NULL */
	unsigned boots[MP_DOM_COUNT];   /* boots in this run, the last one's number */
	int checked[MP_DOM_COUNT];      /* this boot's log was looked for */
	int warned;                     /* consoles are not kept: said once */
};

int mp_sweep_console_init(struct sweep *sw)
{
	return (sw->consoles = calloc(1, sizeof(*sw->consoles))) ? 0 : -ENOMEM;
}

void mp_sweep_console_free(struct sweep *sw)
{
	free(sw->consoles);
	sw->consoles = NULL;
}

unsigned mp_sweep_console_boot(const struct sweep *sw, enum mp_dom dom)
{
	return sw->consoles->boots[dom];
}

/* Where dom0 logs the console of `dom`: the plan's domains.console_log
 * for its name. 0, or a negative errno with why (an unset variable). */
static int source_path(struct sweep *sw, enum mp_dom dom, char **src, char *why, size_t len)
{
	const char *tmpl = sw->plan->console_log;
	char var[64];
	int rc = mp_sweep_expand(sw, tmpl, NULL, sw->plan->domains[dom].name, src);

	if (rc == -ENOENT && mp_template_unset_env(tmpl, var, sizeof(var)))
		snprintf(why, len, "domains.console_log (%s) uses the environment variable %s, "
			 "which is not set", tmpl, var);
	else if (rc < 0)
		snprintf(why, len, "domains.console_log (%s) cannot be expanded: %s", tmpl,
			 mp_strerror(rc));
	return rc;
}

/* Says once per run that consoles are not kept, and why, in run.log and
 * in results.json's info. */
static void unavailable(struct sweep *sw, const char *why)
{
	if (sw->consoles->warned)
		return;
	sw->consoles->warned = 1;
	mp_warn("domain consoles are not kept in this run: %s", why);
	mp_out_set_info(sw->out, "console", why);
}

void mp_sweep_console_start(struct sweep *sw, enum mp_dom dom)
{
	char dir[PATH_MAX], dst[PATH_MAX], rel[64], why[PATH_MAX + 512];
	struct sw_consoles *cs = sw->consoles;
	char *src = NULL;
	unsigned boot;
	int rc;

	mp_console_close(cs->log[dom]);
	cs->log[dom] = NULL;
	if (source_path(sw, dom, &src, why, sizeof(why)) < 0) {
		unavailable(sw, why);
		return;
	}
	if (mp_pathf(dir, sizeof(dir), "%s/" CONSOLE_DIR, mp_out_dir(sw->out)) < 0 ||
	    (rc = mp_mkdir_p(dir)) < 0) {
		snprintf(why, sizeof(why), "cannot make %s", dir);
		unavailable(sw, why);
		free(src);
		return;
	}
	/* The boot count in this run; a resumed run goes on after the files
	 * the interrupted one left. */
	for (boot = cs->boots[dom] + 1;; boot++) {
		snprintf(rel, sizeof(rel), CONSOLE_DIR "/%s-%u.console", mp_dom_name(dom), boot);
		if (mp_pathf(dst, sizeof(dst), "%s/%s", mp_out_dir(sw->out), rel) < 0 ||
		    access(dst, F_OK) != 0)
			break;
	}
	cs->boots[dom] = boot;
	cs->checked[dom] = 0;
	rc = mp_console_open(&sw->loop, src, dst, &cs->log[dom]);
	if (rc < 0) {
		snprintf(why, sizeof(why), "cannot create %s: %s", dst, mp_strerror(rc));
		unavailable(sw, why);
	} else {
		mp_out_add_console(sw->out, mp_dom_name(dom), dom == MP_DOM_DUT ?
				   sw->plan->versions[sw->version] : NULL, boot, rel, src);
		mp_debug("console of %s (boot %u): %s, kept in %s", sw->plan->domains[dom].name,
			 boot, src, rel);
	}
	free(src);
}

void mp_sweep_console_check(struct sweep *sw, enum mp_dom dom)
{
	struct mp_console *c = sw->consoles->log[dom];
	char why[PATH_MAX + 512];

	if (!c || sw->consoles->checked[dom])
		return;
	sw->consoles->checked[dom] = 1;
	mp_console_read(c);
	if (mp_console_found(c)) {
		if (!sw->consoles->warned)
			mp_out_set_info(sw->out, "console", "available");
		return;
	}
	snprintf(why, sizeof(why), "dom0 keeps no log of %s's console at %s: on Xen, "
		 "xenconsoled logs guest consoles only when started with --log=guest "
		 "(docs/xen.md says what to set), or domains.console_log names another place",
		 sw->plan->domains[dom].name, mp_console_src(c));
	unavailable(sw, why);
}

void mp_sweep_console_quote(struct sweep *sw, enum mp_dom dom)
{
	struct mp_console *c = sw->consoles->log[dom];
	char text[MP_CONSOLE_TAIL_MAX + MP_CONSOLE_QUOTE_LINES + 2];
	const char *rel;
	unsigned n;

	if (!c) {
		mp_warn("no console of %s to quote (consoles are not kept in this run)",
			sw->plan->domains[dom].name);
		return;
	}
	n = mp_console_last_lines(c, MP_CONSOLE_QUOTE_LINES, text, sizeof(text));
	rel = strstr(mp_console_dst(c), CONSOLE_DIR "/");
	if (!n) {
		mp_warn("the console of %s (boot %u, %s) is empty%s", sw->plan->domains[dom].name,
			sw->consoles->boots[dom], rel ? rel : mp_console_dst(c),
			mp_console_found(c) ? "" : ": dom0 logged nothing for it");
		return;
	}
	mp_warn("the console of %s (boot %u, %s), its last %u line%s:",
		sw->plan->domains[dom].name, sw->consoles->boots[dom],
		rel ? rel : mp_console_dst(c), n, n == 1 ? "" : "s");
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		mp_warn("  | %s", line);
	}
}

void mp_sweep_console_last(struct sweep *sw, enum mp_dom dom, char *buf, size_t len)
{
	char text[MP_CONSOLE_TAIL_MAX + 4];
	size_t n;

	buf[0] = '\0';
	if (!sw->consoles->log[dom] ||
	    !mp_console_last_lines(sw->consoles->log[dom], 1, text, sizeof(text)))
		return;
	n = strcspn(text, "\n");
	snprintf(buf, len, "%.*s", (int)n, text);
}

void mp_sweep_console_close_all(struct sweep *sw)
{
	for (int d = 0; sw->consoles && d < MP_DOM_COUNT; d++) {
		mp_console_close(sw->consoles->log[d]);
		sw->consoles->log[d] = NULL;
	}
}
