/* INTERIM (replaced by the engines work): one-shot mode not implemented. */
#include "agent/send.h"
#include <stdio.h>
int mp_send_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "send: stand-in\n"); return 2; }
