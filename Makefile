# anionscan: build, set-up and tests.  GNU make.
#   make run       install what is missing, build, run the default job on a shipped deck
#   make check     install what is missing, build, run the test suite (unit, end-to-end, MPI, SLURM)
#   make validate  the long validation set (full-size references)
#   make bench     speed and memory, side by side with Quantum ESPRESSO where installed

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Debian packages the build and the tests need (docs/design.md says why each is here).
DEPS_BUILD := make gcc openmpi-bin libopenmpi-dev libscalapack-openmpi-dev libsymspg-dev libxc-dev \
              libfftw3-dev libfftw3-mpi-dev libopenblas-dev liblapacke-dev libqhull-dev libcjson-dev \
              pkg-config
DEPS_TEST  := libcmocka-dev python3 python3-ase python3-spglib python3-pymatgen python3-matplotlib \
              quantum-espresso slurmctld slurmd slurm-client munge
# make fuzz only (libFuzzer comes with Debian's clang; make check does not need it).
DEPS_FUZZ  := clang libclang-rt-14-dev
# Independent codes for validation and benchmarks (make validate / make bench).
DEPS_REF   := quantum-espresso cp2k-data time

CC      := mpicc
CSTD    := -std=c11 -D_GNU_SOURCE
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g -Wall -Wextra
CPPFLAGS += -DAS_POTENTIALS_DIR='"$(CURDIR)/potentials"' -Isrc $(shell pkg-config --cflags libxc fftw3 libcjson 2>/dev/null)
LDLIBS  := -lsymspg -lxc -lfftw3_mpi -lfftw3 -lscalapack-openmpi -llapacke -lopenblas -lqhull_r -lcjson -lm

BUILD   := build
BIN     := bin/anionscan

# make ... SANITIZE=1: AddressSanitizer + UndefinedBehaviorSanitizer, in its own build directory and
# binary (the normal build/ and bin/ stay as they are); the tests take the binary from ANIONSCAN.
# Open MPI's own leaks are suppressed (tests/sanitize/lsan.supp).  docs/hardening.md.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ifeq ($(SANITIZE),1)
BUILD   := build/san
BIN     := bin-san/anionscan
# GCC 12 reports false -Wstringop-overflow on double[3][3] arguments once ASan instruments them
CFLAGS  += $(SAN_FLAGS) -Wno-stringop-overflow
export ASAN_OPTIONS  := detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=0
# the slow unwinder: the fast one stops inside Open MPI, whose frames the suppressions match
export LSAN_OPTIONS  := suppressions=$(CURDIR)/tests/sanitize/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0
export UBSAN_OPTIONS := print_stacktrace=1:halt_on_error=1
# OpenBLAS 0.3.21's zgemv_n kernels for Sandybridge..Zen read past the end of the matrix (OpenBLAS issue
# 4013); under ASan a large matrix ends at an unmapped page and zhegvx crashes inside them.  The
# Nehalem kernels read only what they are given.
export OPENBLAS_CORETYPE := Nehalem
endif
# the tests run the binary this make builds (tests/*/run_all.sh default to bin/anionscan without make)
export ANIONSCAN := $(CURDIR)/$(BIN)
# and the build directory of that build (the tests that run a unit-test binary: tests/e2e/t_match_pymatgen.sh)
export ANIONSCAN_BUILD := $(CURDIR)/$(BUILD)
# make ... FUZZ=1: the library for the libFuzzer harnesses (clang through mpicc), in build/fuzz.
ifeq ($(FUZZ),1)
BUILD   := build/fuzz
export OMPI_CC := clang
CFLAGS  := -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-missing-field-initializers \
           -fsanitize=fuzzer-no-link,address,undefined \
           -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
           -fno-sanitize-recover=undefined
endif
LIB     := $(BUILD)/libanionscan.a

SRC_ALL := $(shell find src -name '*.c' | sort)
SRC_LIB := $(filter-out src/main.c,$(SRC_ALL))
OBJ_LIB := $(SRC_LIB:%.c=$(BUILD)/%.o)
OBJ_MAIN := $(BUILD)/src/main.o

TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# mpirun as root needs these; harmless otherwise.
export OMPI_ALLOW_RUN_AS_ROOT := 1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM := 1
export OMPI_MCA_rmaps_base_oversubscribe := 1
# One BLAS thread per rank: no hidden oversubscription.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: all deps deps-ref run check unit e2e mpi-tests bad-inputs slurm-tests validate bench clean install uninstall \
        fuzz fuzz-bins fuzz-replay deps-fuzz check-san test-bins

all: $(BIN)

# ---------------------------------------------------------------- set-up ----
# Installs missing packages with apt-get when run as root; otherwise prints the
# exact command and fails.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; } > $(BUILD)/apt.log 2>&1 \
	      || { tail -20 $(BUILD)/apt.log; echo "make: apt-get install failed (log: $(BUILD)/apt.log)"; exit 1; }; \
	  else \
	    echo "make: missing Debian packages:$$missing"; \
	    echo "      install them with:  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps: | $(BUILD)
	$(call install_missing,$(DEPS_BUILD) $(DEPS_TEST))

deps-ref: | $(BUILD)
	$(call install_missing,$(DEPS_REF))

deps-fuzz: | $(BUILD)
	$(call install_missing,$(DEPS_FUZZ))

$(BUILD):
	@mkdir -p $(BUILD)

# ----------------------------------------------------------------- build ----
$(BUILD)/%.o: %.c | $(BUILD)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(OBJ_LIB)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(OBJ_MAIN) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LDLIBS) -lcmocka

# ------------------------------------------------------------------ fuzz ----
# One in-process harness per reader (tests/fuzz/fuzz_*.c, docs/hardening.md).  fuzz-replay: each harness
# linked with tests/fuzz/replay.c (normal compiler and flags, no libFuzzer) replays the seed corpus and
# every crash or hang ever found (tests/fuzz/regressions/HARNESS/).  make fuzz: libFuzzer (clang),
# FUZZ_SECONDS per harness, one harness at a time; FUZZ_ONLY="cif poscar" picks some.
FUZZ_HARNESSES := deck cif poscar journal density relaxchk
FUZZ_REPLAY    := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz-replay/%)
FUZZ_SECONDS   ?= 300
FUZZ_ONLY      ?= $(FUZZ_HARNESSES)
FUZZ_MAX_LEN   ?= 65536
FUZZ_OPTS      ?= -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len=$(FUZZ_MAX_LEN) \
                  -print_final_stats=1 -use_value_profile=1

$(BUILD)/fuzz-replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(LIB) $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAY)
	@for h in $(FUZZ_HARNESSES); do \
	  if $(BUILD)/fuzz-replay/$$h tests/fuzz/corpus/$$h tests/fuzz/regressions/$$h > $(BUILD)/fuzz-replay/$$h.log 2>&1; \
	  then echo "PASS  fuzz replay $$h ($$(tail -1 $(BUILD)/fuzz-replay/$$h.log | sed 's/replay: //'))"; \
	  else echo "FAIL  fuzz replay $$h"; tail -40 $(BUILD)/fuzz-replay/$$h.log; exit 1; fi; \
	done

$(BUILD)/fuzz-bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(LIB) $(LDLIBS)

fuzz-bins: $(FUZZ_HARNESSES:%=$(BUILD)/fuzz-bin/fuzz_%)

# Findings land in build/fuzz/findings/HARNESS/ (crash-*, timeout-*, oom-*, leak-*); the growing corpus in
# build/fuzz/corpus/HARNESS/; the figures of each run in build/fuzz/campaigns.tsv.
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
	@F=build/fuzz; st=0; for h in $(FUZZ_ONLY); do \
	  mkdir -p $$F/corpus/$$h $$F/findings/$$h tests/fuzz/regressions/$$h; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s (log $$F/$$h.log)"; t0=$$(date +%s); \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0 \
	  nice $$F/fuzz-bin/fuzz_$$h $$F/corpus/$$h tests/fuzz/corpus/$$h tests/fuzz/regressions/$$h \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_OPTS) $$(test -f tests/fuzz/$$h.dict && echo -dict=tests/fuzz/$$h.dict) \
	    -artifact_prefix=$$F/findings/$$h/ > $$F/$$h.log 2>&1 || st=1; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$F/$$h.log | tail -1); \
	  cov=$$(grep -o 'cov: [0-9]*' $$F/$$h.log | tail -1 | cut -d' ' -f2); \
	  ft=$$(grep -o 'ft: [0-9]*' $$F/$$h.log | tail -1 | cut -d' ' -f2); \
	  found=$$(ls $$F/findings/$$h | wc -l); secs=$$(( $$(date +%s) - t0 )); \
	  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$$(date -u +%F)" $$h "$$secs of $(FUZZ_SECONDS)" "$$execs" "$$cov" "$$ft" $$found \
	    >> $$F/campaigns.tsv; \
	  echo "      $$h: $$execs executions, cov $$cov, ft $$ft, $$found file(s) in $$F/findings/$$h"; \
	  grep -m3 -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|ALARM|out-of-memory' $$F/$$h.log | sed 's/^/      /'; \
	done; exit $$st

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------- run ----
# The demonstration scan (input/scan_demo.in, about 10 minutes on 2 cores); running it again continues
# or, when finished, reprints the ranking.
RUN_DECK ?= input/scan_demo.in
RUN_DIR  ?= runs/scan_demo
RUN_NP   ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

run: deps
	@$(MAKE) --no-print-directory $(BIN)
	@st=0; mpirun -np $(RUN_NP) ./$(BIN) scan $(RUN_DECK) -o $(RUN_DIR) || st=$$?; \
	if [ -s $(RUN_DIR)/ranking.json ]; then \
	  echo "figures (analysis/plot_scan.py, docs/analysis.md):"; /usr/bin/python3 analysis/plot_scan.py $(RUN_DIR) || st=1; \
	fi; exit $$st

# ----------------------------------------------------------------- tests ----
# the cores (not nproc: it answers OMP_NUM_THREADS, which is 1 here)
NPROC := $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)

# make check also runs the fast part of the sanitized suite (check-san, below) on one core while the
# end-to-end tests, which run one rank at a time, use the other; its log is printed after them.
# CHECK_SAN=0 leaves it out; under SANITIZE=1 the whole suite is sanitized anyway.
CHECK_SAN ?= 1
ifeq ($(CHECK_SAN):$(SANITIZE),1:)
SAN_BESIDE := 1
endif
check: deps
	@$(MAKE) --no-print-directory -j$(NPROC) $(BIN) $(TEST_BIN) $(FUZZ_REPLAY)
	@$(MAKE) --no-print-directory unit fuzz-replay
ifeq ($(SAN_BESIDE),1)
	@mkdir -p build; rm -f build/check-san.rc; \
	echo "check-san: the sanitized unit tests and fuzz replay, beside the end-to-end tests (log build/check-san.log)"; \
	( $(MAKE) --no-print-directory SAN_JOBS=1 check-san > build/check-san.log 2>&1; echo $$? > build/check-san.rc ) & \
	st=0; $(MAKE) --no-print-directory e2e || st=1; wait; \
	grep -E '^(PASS|FAIL)' build/check-san.log | sed 's/^/check-san: /'; \
	if [ "$$(cat build/check-san.rc 2>/dev/null)" != 0 ]; then echo "FAIL  check-san"; cat build/check-san.log; st=1; fi; \
	exit $$st
else
	@$(MAKE) --no-print-directory e2e
endif
	@$(MAKE) --no-print-directory mpi-tests slurm-tests

# The fast part of the suite on the sanitized build (build/san, docs/hardening.md): unit tests, fuzz replay.
# About 5 minutes on one core from a clean tree, most of it compiling the sanitized library; make check
# runs it beside the end-to-end tests, make check-san alone.
SAN_JOBS ?= $(NPROC)
check-san:
	@$(MAKE) --no-print-directory SANITIZE=1 -j$(SAN_JOBS) test-bins
	@$(MAKE) --no-print-directory SANITIZE=1 UNIT_JOBS=$(SAN_JOBS) unit fuzz-replay

test-bins: $(TEST_BIN) $(FUZZ_REPLAY)

# the unit tests are single-process: as many at once as there are cores
UNIT_JOBS ?= $(NPROC)
unit: $(TEST_BIN)
	@printf '%s\n' $(TEST_BIN) | xargs -P $(UNIT_JOBS) -I{} sh -c \
	  'if ./{} > {}.log 2>&1; then echo "PASS  {}"; else { echo "FAIL  {}"; cat {}.log; } | flock $(BUILD)/.unit.lock cat; exit 1; fi'

e2e: $(BIN)
	@tests/e2e/run_all.sh

mpi-tests: $(BIN)
	@tests/mpi/run_all.sh

# the catalogue of bad inputs alone (it also runs in e2e: tests/e2e/t_bad_inputs.sh)
bad-inputs: $(BIN)
	@/usr/bin/python3 tests/bad_inputs/run.py

# A real single-node SLURM started in a temporary directory (tests/slurm/cluster.sh); the job scripts of
# jobs/ run on it.  ANIONSCAN_SKIP_SLURM=1 skips them (and says so) where SLURM cannot start.
slurm-tests: $(BIN)
	@tests/slurm/run_all.sh

validate: deps deps-ref
	@$(MAKE) --no-print-directory $(BIN)
	@tests/validate/run_all.sh

$(BUILD)/bench/kernels: bench/kernels.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: deps deps-ref
	@$(MAKE) --no-print-directory $(BIN) $(BUILD)/bench/kernels
	@bench/run.sh

# --------------------------------------------------------------- install ----
# make install PREFIX=/opt/anionscan/0.1.0 (DESTDIR for packaging).  The binary finds its potentials in
# PREFIX/share/anionscan/potentials from its own location; PREFIX/share/modulefiles/anionscan/VERSION
# is an environment-modules (Tcl, also read by Lmod) file: module use PREFIX/share/modulefiles.
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define AS_VERSION "\(.*\)"/\1/p' src/main.c)
SHARE   := $(DESTDIR)$(PREFIX)/share/anionscan

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(SHARE) $(DESTDIR)$(PREFIX)/share/doc/anionscan \
	  $(DESTDIR)$(PREFIX)/share/modulefiles/anionscan
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/anionscan
	rm -rf $(SHARE)/potentials $(SHARE)/input $(SHARE)/jobs $(SHARE)/analysis
	cp -R potentials input jobs analysis $(SHARE)/
	install -m 644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/anionscan/
	{ echo '#%Module1.0'; \
	  echo '## anionscan $(VERSION), installed by make install'; \
	  echo 'module-whatis "anionscan $(VERSION): halide interstitials in CsPbX3 perovskites, ranked by DFT energy and band gap"'; \
	  echo 'prepend-path PATH $(PREFIX)/bin'; \
	  echo 'setenv ANIONSCAN $(PREFIX)/bin/anionscan'; \
	  echo 'setenv ANIONSCAN_SHARE $(PREFIX)/share/anionscan'; \
	} > $(DESTDIR)$(PREFIX)/share/modulefiles/anionscan/$(VERSION)
	@echo "installed anionscan $(VERSION) in $(PREFIX): bin/anionscan, share/anionscan/{potentials,input,jobs,analysis},"
	@echo "  share/doc/anionscan, share/modulefiles/anionscan/$(VERSION) (module use $(PREFIX)/share/modulefiles)"

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/anionscan $(SHARE) $(DESTDIR)$(PREFIX)/share/doc/anionscan \
	  $(DESTDIR)$(PREFIX)/share/modulefiles/anionscan

clean:
	rm -rf $(BUILD) bin bin-san
