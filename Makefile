# mir-perf: build, tests, demo, benchmarks, fuzzing.
# Objects go to $(BUILD) (default build/). Quiet unless V=1. User CFLAGS,
# CPPFLAGS and LDFLAGS are respected; warnings are always errors.

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
V ?= 0

# Libraries, found with pkg-config (Debian packages in DEB_PACKAGES).
PKGS := libuv libnl-3.0 libnl-route-3.0 yaml-0.1 xenstore xencontrol \
	libsodium jansson gsl

# Every Debian package the project needs to build, test, demo and bench.
DEB_PACKAGES := gcc make pkg-config clang libclang-rt-14-dev \
	libuv1-dev libnl-3-dev libnl-route-3-dev libyaml-dev libxen-dev \
	libsodium-dev libjansson-dev libgsl-dev \
	iproute2 dnsmasq-base busybox xenstore-utils gnuplot-nox \
	netsniff-ng bmon tcpdump ocaml-nox debootstrap iperf3

# The Xen-in-a-VM testbed's host tools (make deps-xen; docs/xen-vm.md).
XEN_DEB_PACKAGES := qemu-system-x86 cpio kmod debootstrap
QEMU_MIN_VERSION := 10.0

# program directory (under src/) : program name. Each directory's main.c is
# the program's entry point; its other files, sub-folders included, form a
# library the tests link.
PROGRAMS := controller:mir-perf agent:mir-perf-agent \
	testbed/xenstored:mir-perf-xenstored testbed/xl:mir-perf-xl \
	testbed/forward:mir-perf-forward testbed/setup:mir-perf-testbed

ifeq ($(V),0)
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
say :=
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN := -Wall -Wextra -Werror
ALL_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -MMD -MP -Isrc -I$(BUILD)/gen \
	-DMP_QEMU_MIN_VERSION='"$(QEMU_MIN_VERSION)"' $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDLIBS = $(PKG_LIBS) -lm -lpthread $(LDLIBS)

prog_dir = $(word 1,$(subst :, ,$(1)))
# Every .c under a program's directory, its rooms (sub-folders) included.
sources_in = $(shell find $(1) -name '*.c' | LC_ALL=C sort)
prog_name = $(word 2,$(subst :, ,$(1)))
lib_of = $(BUILD)/lib/$(subst /,-,$(1)).a

COMMON_SRCS := $(wildcard src/common/*.c)
COMMON_OBJS := $(COMMON_SRCS:src/%.c=$(BUILD)/obj/%.o)
COMMON_LIB := $(BUILD)/lib/common.a

define program_rules
$(call prog_dir,$(1))_LIB_SRCS := $$(filter-out src/$(call prog_dir,$(1))/main.c,$$(call sources_in,src/$(call prog_dir,$(1))))
$(call lib_of,$(call prog_dir,$(1))): $$($(call prog_dir,$(1))_LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
$(BUILD)/$(call prog_name,$(1)): $(BUILD)/obj/$(call prog_dir,$(1))/main.o $(call lib_of,$(call prog_dir,$(1))) $(COMMON_LIB)
PROG_BINS += $(BUILD)/$(call prog_name,$(1))
PROG_LIBS += $(call lib_of,$(call prog_dir,$(1)))
endef
$(foreach p,$(PROGRAMS),$(eval $(call program_rules,$(p))))

# Benchmark programs: bench/<name>.c, each with its own main().
BENCH_SRCS := $(wildcard bench/*.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

# The testbed's demo secret: generated, never committed (git keeps no file
# modes, and the agent refuses a token file others can read).
DEMO_TOKEN := $(BUILD)/testbed/agent.token

TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(TEST_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(BUILD)/mp-tests

.PHONY: all tests check check-slow asan demo deps deps-xen bench xen-demo bench-xen fuzz \
	fuzz-targets clean help FORCE
.DEFAULT_GOAL := all

all: $(PROG_BINS) $(BENCH_BINS) $(DEMO_TOKEN)

$(DEMO_TOKEN):
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > $@.tmp && mv $@.tmp $@)

$(BENCH_BINS): $(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(PROG_LIBS) $(COMMON_LIB)
	$(call say,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# Test shims (tests/shim/*.c): shared objects a test preloads into a
# program, built without the sanitizers' flags (they load into any build).
SHIM_SRCS := $(wildcard tests/shim/*.c)
SHIM_LIBS := $(SHIM_SRCS:tests/shim/%.c=$(BUILD)/tests/%.so)

$(SHIM_LIBS): $(BUILD)/tests/%.so: tests/shim/%.c
	$(call say,SHLIB,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 $(WARN) -D_GNU_SOURCE -fPIC -shared $(PKG_CFLAGS) -o $@ $< -ldl

tests: all $(TEST_BIN) $(SHIM_LIBS)

help:
	@echo 'make            build the programs into $(BUILD)/'
	@echo 'make deps       install the Debian packages the project needs (root)'
	@echo 'make check      install deps, build, run the tests (root for the testbed tests)'
	@echo 'make check-slow the slow tests only (image build, real Xen in a VM)'
	@echo 'make asan       the tests under AddressSanitizer + UBSan (build/asan/)'
	@echo 'make demo       run the sample sweep on the namespace testbed (root)'
	@echo 'make xen-demo   run cfg/xen-vm.yaml on a real Xen 4.17 host in QEMU (root)'
	@echo 'make bench-xen  the Xen-in-a-VM figures (boot times, memory, pktgen rate)'
	@echo 'make bench      run the benchmarks in bench/ and print their figures (root)'
	@echo 'make fuzz       build the libFuzzer targets; FUZZ_SECONDS=N runs each'
	@echo 'make clean      remove build/'
	@echo 'V=1 shows full command lines; CFLAGS/LDFLAGS are respected.'

# The version comes from git; the header is rewritten only when it changes.
$(BUILD)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@v=$$(git describe --always --tags --dirty 2>/dev/null || echo unknown); \
	 printf '#define MP_VERSION "%s"\n' "$$v" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/version.h
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/gen/version.h
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(COMMON_OBJS)

%.a:
	$(call say,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && ar rcs $@ $^

$(PROG_BINS):
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# The tests' allocations go through tests/failalloc.c (out-of-memory tests).
TEST_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup

$(TEST_BIN): $(TEST_OBJS) $(PROG_LIBS) $(COMMON_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(TEST_WRAP) -o $@ $^ $(ALL_LDLIBS)

# install_missing PACKAGES: apt-get installs those not installed (root only).
define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make $@: missing packages:" $$missing; \
		echo "make $@: run it as root (sudo make $@) to install them with apt-get"; exit 3; \
	fi; \
	echo "make $@: installing" $$missing; \
	apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing
endef

deps:
	$(call install_missing,$(DEB_PACKAGES))

# The Xen-in-a-VM testbed also needs QEMU and the tools that build its cache.
# QEMU must be 10 or later: Debian 12's 7.2 injects an event upcall inside
# an emulated STI interrupt shadow, which puts a MirageOS unikernel to sleep
# for good (docs/mirage-net-xen.md); bookworm-backports carries 10.
deps-xen: deps
	$(call install_missing,$(XEN_DEB_PACKAGES))
	$(Q)src/testbed/xenvm/deps-qemu.sh $(QEMU_MIN_VERSION)

TEST_ENV = MP_BUILD_DIR=$(BUILD) MP_SRC_DIR=$(CURDIR)

check: deps
	$(Q)$(MAKE) --no-print-directory tests
	$(TEST_ENV) $(TEST_BIN)

check-slow: deps-xen
	$(Q)$(MAKE) --no-print-directory tests
	$(TEST_ENV) $(TEST_BIN) --slow-only

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		MP_BUILD_DIR=build/asan MP_SRC_DIR=$(CURDIR) build/asan/mp-tests

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)src/testbed/demo.sh $(BUILD)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run.sh $(BUILD)

xen-demo: deps-xen
	$(Q)$(MAKE) --no-print-directory all
	$(Q)src/testbed/xenvm/demo.sh $(BUILD)

bench-xen: deps-xen
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/xen_vm.sh $(BUILD)
	$(Q)if [ -n "$$MP_UNIKERNEL_DIR" ]; then bench/xen_vm_unikernel.sh $(BUILD); \
	else echo "MP_UNIKERNEL_DIR is not set: the unikernel's figures (bench/xen_vm_unikernel.sh) were not measured"; fi

# libFuzzer targets: tests/fuzz/fuzz_<name>.c linked with the programs'
# libraries, all built by the rules above with clang, ASan, UBSan and the
# fuzzer's coverage into build/fuzz/; FUZZ_SECONDS=N runs each (run.sh).
FUZZ_SECONDS ?= 0
FUZZ_CC ?= clang
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fsanitize=fuzzer-no-link
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz-targets: $(FUZZ_BINS)

$(FUZZ_BINS): $(BUILD)/%: $(BUILD)/obj/tests/fuzz/%.o $(PROG_LIBS) $(COMMON_LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz: $(FUZZ_CC) not found" \
		"(apt-get install clang libclang-rt-14-dev, or make deps)" >&2; exit 3; }
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
		fuzz-targets
	$(Q)if [ "$(FUZZ_SECONDS)" != 0 ]; then tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS); fi

clean:
	rm -rf $(BUILD)

FORCE:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
