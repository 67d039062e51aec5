/* `mir-perf-agent recv --dev IF --duration D [--tag N] [--from D] [--for D]`:
 * runs the receiver (receiver.h) once without the control channel, armed
 * for run tag N (default 1, as `send --tag`), counting frames sent from
 * --from after its start for --for (default: all), and prints one JSON
 * object when D has elapsed:
 * {"frames","lost","reordered","duplicated","earlier","outside","other",
 *  "ring_drops","lat_min_us","lat_mean_us","lat_p50_us","lat_p90_us",
 *  "lat_p99_us","lat_p999_us","lat_max_us","jitter_us","samples"}
 * (latency figures null without frames; "samples": the 100 ms series as
 * [k, frames, p50_us, p99_us]). It prints "ready" on stderr once the ring
 * is open, so a script can start sending then. */
#ifndef MP_RECV_H
#define MP_RECV_H

/* argv[0] is "recv". Returns a process exit code. */
int mp_recv_main(int argc, char **argv);

#endif
