/* `mir-perf-agent send --dev IF --size N --rate PPS|max --duration D|--count N
 * [--engine E] [--src-mac M] [--dst-mac M] [--src-ip A] [--dst-ip A]
 * [--src-port P] [--dst-port P] [--tag N] [--imix 60:7,590:4,1514:1]`
 * (--imix in place of --size: that mix, in periods holding its weights exactly): runs an engine once without the control
 * channel and prints its counters as one JSON object
 * {"engine","packets","bytes","errors","elapsed_s","pps"}. Frames carry run
 * tag N (default 1; `recv --tag` counts only its own). */
#ifndef MP_SEND_H
#define MP_SEND_H

/* argv[0] is "send". Returns a process exit code. */
int mp_send_main(int argc, char **argv);

#endif
