/* The table of `mir-perf SUBCOMMAND`s (commands.h). */
#include "controller/cmd/commands.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char *name;
	mp_cmd_fn fn;
} commands[] = {
	{ "report", mp_cmd_report },
	{ "compare", mp_cmd_compare },
	{ "export", mp_cmd_export },
	{ "monitor", mp_cmd_monitor },
	{ "image", mp_cmd_image },
	{ NULL, NULL },
};

mp_cmd_fn mp_cmd_find(const char *name)
{
	for (size_t i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].fn;
	return NULL;
}
