# mcpwarden: kernel-level monitor for MCP servers.
#
#   make            build build/mcpwarden
#   make deps       install the Debian packages the build and the tests need (skips present ones)
#   make run        build, then watch this host live with the built-in defaults (root)
#   make test       deps, build, then every test layer: unit, bench-build, bpf, e2e, stress
#   make bench      benchmarks (numbers go to docs/performance.md by hand)
#   make stress     tests/stress at STRESS_SCALE (default 3: 600 concurrent sessions)
#   make fuzz       libFuzzer targets (clang, ASan, UBSan), each for FUZZ_SECONDS (default 60)
#                   or FUZZ_RUNS executions, whichever comes first
#   make V=1 ...    show the commands

OUT        ?= build
CLANG      ?= clang
CC         ?= gcc
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX    := vmlinux/vmlinux.h
BTF_SRC    ?= /sys/kernel/btf/vmlinux

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

INCLUDES   := -Iinclude -I$(OUT) -Iuser
WARN       := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
              -Wno-unused-parameter
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 $(WARN) $(INCLUDES) -D_GNU_SOURCE -MMD -MP
LDLIBS     := -lbpf -lelf -lz -ljansson -lyaml -lhtp
ASFLAGS    := -D_GNU_SOURCE -Wa,--fatal-warnings -MMD -MP
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Iinclude -Ibpf \
              -Wall -Werror -Wno-unused-function -MMD -MP

# BPF: one .bpf.c per hook family, linked into one object and one skeleton.
BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_LINKED := $(OUT)/mcpwarden.bpf.o
SKEL       := $(OUT)/mcpwarden.skel.h

# Userspace: pure modules (no libbpf, no I/O beyond what their callers pass in) are also built
# with sanitizers for the unit tests; the rest needs the skeleton.
PURE_MODS  := stream framing jscan jscan_get jline jsonrpc jsonshort session decode evfmt fpath attrib \
              actions match policy \
              policy_yaml policy_value policy_except policy_rules policy_parse policy_write \
              policy_default detect detect_rules alerts enfpath http http_tx http_inflate sse \
              socks httpmcp httpmcp_msg httpmcp_hdr httpmcp_resync joins
USER_MODS  := $(PURE_MODS) cli loader pin reader proc output chans guard polfile enforce monitor monitor_records monitor_sinks monitor_pinned main
USER_OBJS  := $(patsubst %,$(OUT)/user/%.o,$(USER_MODS))

SAN_FLAGS  := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=undefined
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUT)/unit/%,$(UNIT_SRCS)) $(OUT)/unit/test_schema
# tests/unit files that are not tests themselves: the harness and helpers tests share
UNIT_HELP  := unit http_rec
PURE_SAN   := $(patsubst %,$(OUT)/san/%.o,$(PURE_MODS) $(UNIT_HELP))

# Fuzzing: libFuzzer targets over the pure modules, all built with clang and the sanitizers.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
STRESS_SCALE ?= 3
FUZZ_SAN   := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 $(WARN) $(INCLUDES) -D_GNU_SOURCE -MMD -MP $(FUZZ_SAN)
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
PURE_FUZZ  := $(patsubst %,$(OUT)/fuzz/%.o,$(PURE_MODS))

BPF_TEST   := $(OUT)/tests/bpf_test
# the same test source built with -DPROBE_READS=1: kernel structures read by helper calls
BPF_TEST_PR := $(OUT)/tests/bpf_test_probe_reads
MW_SAN     := $(OUT)/mcpwarden-san
LOADER_LIB := $(filter-out $(OUT)/user/main.o,$(USER_OBJS))

.PHONY: all deps run demo test unit bpf-test e2e stress bench fuzz clean distclean
.DELETE_ON_ERROR:
.SECONDARY: $(PURE_SAN) $(PURE_FUZZ)

all: $(OUT)/mcpwarden

deps:
	$(Q)tests/deps.sh

run: deps all
	$(OUT)/mcpwarden $(ARGS)

# A vulnerable MCP server driven into a path escape; watch it with `make run` in another terminal.
demo: deps
	$(Q)tests/demo/escape_route.sh $(DEMO_DIR)

test: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(BPF_TEST) $(BPF_TEST_PR) $(MW_SAN)
	$(Q)MCPWARDEN_SAN=$(MW_SAN) tests/run.sh $(OUT)/mcpwarden $(BPF_TEST) $(UNIT_BINS)

$(VMLINUX):
	$(call msg,BTF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)test -r $(BTF_SRC) || { echo "no kernel BTF at $(BTF_SRC): CONFIG_DEBUG_INFO_BTF is required" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(BTF_SRC) format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_LINKED): $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(BPF_LINKED)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name mcpwarden_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/user/%.o: user/%.c | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/user/%.o: user/%.S | $(OUT)/user
	$(call msg,AS,$@)
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

# the built-in policy is .incbin'd: the assembler's dependency files do not name it
$(OUT)/user/policy_default.o $(OUT)/san/policy_default.o $(OUT)/fuzz/policy_default.o: \
		policies/default.yaml

# loader.c includes the skeleton
$(OUT)/user/loader.o: $(SKEL)

$(OUT)/mcpwarden: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

# ---- tests ----

$(OUT)/san/%.o: user/%.c | $(OUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

# The collector built with ASan, UBSan and LeakSanitizer: make test runs e2e cases under it
# (a leak or a sanitizer report fails the case through its exit status).
$(OUT)/san/loader.o: $(SKEL)

$(MW_SAN): $(patsubst %,$(OUT)/san/%.o,$(USER_MODS))
	$(call msg,LD-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $^ -o $@ $(LDLIBS)

$(OUT)/san/%.o: user/%.S | $(OUT)/san
	$(call msg,AS-SAN,$@)
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

$(patsubst %,$(OUT)/san/%.o,$(UNIT_HELP)): $(OUT)/san/%.o: tests/unit/%.c | $(OUT)/san
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/unit -c $< -o $@

$(OUT)/unit/%: tests/unit/%.c $(PURE_SAN) | $(OUT)/unit
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -Itests/unit $< $(PURE_SAN) -o $@ -ljansson -lyaml -lhtp -lz

# docs/policy.schema.json against the policies it describes: check.py validates with Python's
# standard library, yaml2json reads the YAML for it with libyaml
$(OUT)/tests/yaml2json: tests/schema/yaml2json.c | $(OUT)/tests
	$(call msg,CC-SAN,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) $< -o $@ -lyaml -ljansson

$(OUT)/unit/test_schema: tests/schema/check.py $(OUT)/tests/yaml2json | $(OUT)/unit
	$(call msg,GEN,$@)
	$(Q)printf '#!/bin/sh\nexec python3 "%s" "%s"\n' "$(abspath tests/schema/check.py)" \
		"$(abspath $(OUT)/tests/yaml2json)" > $@ && chmod +x $@

unit: $(UNIT_BINS)
	$(Q)tests/unit/run.sh $(UNIT_BINS)

# ---- fuzzing ----

$(OUT)/fuzz/%.o: user/%.c | $(OUT)/fuzz
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

$(OUT)/fuzz/%.o: user/%.S | $(OUT)/fuzz
	$(call msg,AS-FUZZ,$@)
	$(Q)$(CLANG) $(ASFLAGS) -c $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(PURE_FUZZ) | $(OUT)/fuzz
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -Itests/fuzz $< $(PURE_FUZZ) -o $@ -ljansson -lyaml -lhtp -lz

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_RUNS=$(FUZZ_RUNS) tests/fuzz/run.sh $(FUZZ_SECONDS) $(OUT)/fuzz $(FUZZ_BINS)

$(BPF_TEST): tests/bpf/bpf_test.c tests/unit/unit.c $(LOADER_LIB) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< tests/unit/unit.c $(LOADER_LIB) -o $@ $(LDLIBS)

$(BPF_TEST_PR): tests/bpf/bpf_test.c tests/unit/unit.c $(LOADER_LIB) | $(OUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -DPROBE_READS=1 -Itests/unit $< tests/unit/unit.c $(LOADER_LIB) -o $@ \
		$(LDLIBS)

bpf-test: $(BPF_TEST) $(BPF_TEST_PR) $(OUT)/mcpwarden
	$(Q)tests/bpf/run.sh $(OUT)/mcpwarden $(BPF_TEST)

e2e: $(OUT)/mcpwarden
	$(Q)tests/e2e/run.sh

stress: $(OUT)/mcpwarden
	$(Q)MCPWARDEN=$(abspath $(OUT)/mcpwarden) python3 tests/stress/stress.py --scale $(STRESS_SCALE)

bench: deps all
	$(Q)bench/run.sh

$(OUT)/bpf $(OUT)/user $(OUT)/san $(OUT)/unit $(OUT)/tests $(OUT)/fuzz:
	$(Q)mkdir -p $@

clean:
	rm -rf $(OUT)

distclean: clean
	rm -rf $(VMLINUX) tests/e2e/node_modules

-include $(wildcard $(OUT)/*/*.d)
