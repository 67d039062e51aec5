/* The load, check, write, has and default hooks of the key table's rows
 * (keys.h) whose values are more than one scalar of a known type, or that
 * check more than their value: hooks_setup.c (names, versions, build steps,
 * roles, discovery's methods, the engine) and hooks_traffic.c (sizes,
 * rates, the search, the IMIX mix, TCP). Each is named for its key and
 * used only by its row. Not a public interface. */
#ifndef MP_PLAN_HOOKS_H
#define MP_PLAN_HOOKS_H

#include "controller/plan/keys.h"

mp_pk_load_fn mp__pk_versions_load, mp__pk_steps_load, mp__pk_role_load,
	mp__pk_methods_load, mp__pk_sizes_load, mp__pk_sizes_file_load,
	mp__pk_rates_load, mp__pk_rates_file_load, mp__pk_search_open, mp__pk_goals_load,
	mp__pk_max_rate_load, mp__pk_search_sizes_load, mp__pk_imix_load,
	mp__pk_tcp_open, mp__pk_streams_load, mp__pk_offloads_load;
mp_pk_check_fn mp__pk_run_name_check, mp__pk_domain_name_check, mp__pk_dut_kernel_check,
	mp__pk_engine_check, mp__pk_traffic_check, mp__pk_search_check,
	mp__pk_trial_check, mp__pk_tcp_check, mp__pk_tcp_duration_check,
	mp__pk_tcp_timeout_check, mp__pk_reference_check;
mp_pk_write_fn mp__pk_versions_write, mp__pk_steps_write, mp__pk_role_write,
	mp__pk_methods_write, mp__pk_sizes_write, mp__pk_rates_write, mp__pk_goals_write,
	mp__pk_max_rate_write, mp__pk_search_sizes_write, mp__pk_imix_write,
	mp__pk_streams_write, mp__pk_offloads_write;
mp_pk_has_fn mp__pk_receiver_has, mp__pk_sizes_has, mp__pk_rates_has,
	mp__pk_search_sizes_has;
mp_pk_default_fn mp__pk_engine_default, mp__pk_imix_default, mp__pk_tcp_timeout_default;

#endif
