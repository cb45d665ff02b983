# Build, test and demo entry points.
#
# The NIF is built on the host only: rebar3's compile pre_hook calls `make nif`
# inside the test VM too, where cargo cannot write, so an up-to-date NIF must
# cost no cargo call at all. SCTP tests go through tools/with-sctp-kernel,
# which uses a throwaway VM when this kernel has no SCTP.

SHELL := /bin/bash

NIF_SO := priv/gen_sctp_nif.so
NIF_SRC := $(shell find native/src -name '*.rs') $(wildcard native/build.rs) \
	native/Cargo.toml Cargo.toml Cargo.lock
TEST_LOGS := _build/test-logs
# Runs the Rust test binary under valgrind's memcheck (see memcheck).
RUST_HOST := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
MEMCHECK := valgrind --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect -q

.PHONY: all nif nif-variants test test-all-otp test-releases adoption demo lint lint-erlang memcheck fuzz soak bench bench-build clean

all: nif

nif: $(NIF_SO)

# Copied to a new file rather than over the old one, which a running Erlang
# node may have mapped. Cargo's CARGO_TARGET_DIR is honoured. GEN_SCTP_NIF_SO
# names a NIF already built from the same sources (on a machine without Rust,
# say): it is copied instead of built.
$(NIF_SO): $(NIF_SRC)
	@mkdir -p priv
	@if [ -n "$${GEN_SCTP_NIF_SO:-}" ]; then \
	  echo "cp $$GEN_SCTP_NIF_SO $@"; cp "$$GEN_SCTP_NIF_SO" $@.tmp && mv -f $@.tmp $@; \
	elif [ -n "$${GEN_SCTP_IN_VM:-}" ]; then \
	  echo "$@ is older than its sources; run 'make nif' on the host first" >&2; exit 1; \
	else \
	  echo "cargo build --release --locked"; cargo build --release --locked && \
	  cp $${CARGO_TARGET_DIR:-target}/release/libgen_sctp_nif.so $@.tmp && mv -f $@.tmp $@; \
	fi

# The two builds the test runs use (tools/erlang-tests): the release NIF, and
# one with the library's own test hooks (cargo feature test-hooks: fault
# injection, poller counters, a counting heap allocator) that the suites need.
NIF_VARIANTS := _build/nif
nif-variants: $(NIF_VARIANTS)/release.so $(NIF_VARIANTS)/test-hooks.so

$(NIF_VARIANTS)/release.so: $(NIF_SRC)
	@mkdir -p $(NIF_VARIANTS)
	cargo build --release --locked
	cp $${CARGO_TARGET_DIR:-target}/release/libgen_sctp_nif.so $@

$(NIF_VARIANTS)/test-hooks.so: $(NIF_SRC)
	@mkdir -p $(NIF_VARIANTS)
	cargo build --release --locked --features test-hooks --target-dir $${CARGO_TARGET_DIR:-target}/test-hooks
	cp $${CARGO_TARGET_DIR:-target}/test-hooks/release/libgen_sctp_nif.so $@

# The Erlang/OTP releases that `make test` runs the Erlang suites on: the
# host's own and the newest, 29. `make test-all-otp` adds 27. A release that
# is not the host's runs in a Debian root that tools/otp-root makes once.
HOST_OTP = $(shell erl -noshell -eval 'io:format("~s", [erlang:system_info(otp_release)]), halt().' 2>/dev/null)
OTP_RELEASES ?= $(sort $(HOST_OTP) 29)

# EUnit, Common Test and the projects that use this library (see adoption) all
# run in one VM boot, on each release in turn; the summary comes last, a line
# per runner and release. Narrow a run with e.g.
# `make test CT_ARGS="--suite examples_SUITE" OTP_RELEASES=29`.
test:
	tools/install-deps
	$(MAKE) test-releases

test-all-otp:
	tools/install-deps
	$(MAKE) test-releases OTP_RELEASES="25 27 29"

# `make test` once the tools are installed, so that the host's release can be asked.
test-releases:
	$(MAKE) nif nif-variants
	rebar3 compile
	cargo test --release --locked
	$(MAKE) memcheck
	for r in $(OTP_RELEASES); do tools/otp-run $$r rebar3 as test compile || exit 1; done
	tools/adoption-build $(OTP_RELEASES)
	rm -rf $(TEST_LOGS)
	tools/with-sctp-kernel tools/test-releases $(OTP_RELEASES); \
	  rc=$$?; tools/test-summary $(TEST_LOGS) $(OTP_RELEASES) || rc=1; exit $$rc

# Projects that use this library as a git dependency, from _checkouts/, as a
# release and from Elixir, built here from this repository's HEAD and run on a
# kernel with SCTP (tools/adoption-build, tools/adoption-test), on the host's
# release; ADOPTION_OTP=29 picks another.
adoption:
	tools/install-deps
	tools/adoption-build $${ADOPTION_OTP:-}
	tools/with-sctp-kernel tools/otp-run $${ADOPTION_OTP:-host} tools/adoption-test

# The sctp_server/sctp_client pair from OTP's gen_sctp reference page, over
# this library.
demo:
	tools/install-deps
	$(MAKE) nif
	rebar3 compile
	@mkdir -p _build/demo
	erlc -o _build/demo examples/sctp_server.erl examples/sctp_client.erl
	tools/with-sctp-kernel tools/demo

# The Rust tests (a shorter fuzz run included) under valgrind: no invalid memory
# access, nothing leaked.
memcheck:
	FUZZ_ITERATIONS=20000 CARGO_TARGET_$(RUST_HOST)_RUNNER="$(MEMCHECK)" \
	  cargo test --release --locked

# A long fuzz run of the receive decoders (notifications, ancillary data and the
# SCTP-AUTH structs, the tests named fuzz_decoders*) with a fresh seed; FUZZ_ITERATIONS and
# FUZZ_SEED override. The seed is printed so that a failure can be replayed.
fuzz:
	FUZZ_ITERATIONS=$${FUZZ_ITERATIONS:-100000000} FUZZ_SEED=$${FUZZ_SEED:-$$(date +%s%N)} \
	  cargo test --release --locked fuzz_decoders -- --nocapture

# lifecycle_SUITE with ten times the cycles of `make test`.
soak:
	tools/install-deps
	$(MAKE) nif nif-variants
	rebar3 as test compile
	rm -rf $(TEST_LOGS)
	GEN_SCTP_OPEN_CYCLES=$${GEN_SCTP_OPEN_CYCLES:-1000000} \
	GEN_SCTP_ASSOC_CYCLES=$${GEN_SCTP_ASSOC_CYCLES:-100000} \
	EUNIT_ARGS="--module gen_sctp_tests" CT_ARGS="--suite lifecycle_SUITE" \
	  tools/with-sctp-kernel tools/erlang-tests; rc=$$?; \
	  tools/test-summary $(TEST_LOGS) $$(ls $(TEST_LOGS) | sed -n 's/^otp-//p') || rc=1; exit $$rc

# OTP's gen_sctp against this library, side by side in one VM boot (see bench/run), with
# a C program as the kernel's ceiling: on the host's release and on each of BENCH_OTP
# (through tools/otp-run, which makes its root the first time), where from OTP 29 on
# OTP's `socket' module with SCTP runs too. Writes bench/results/ and the README's table.
# BENCH_ROUNDS, BENCH_SECONDS (per case) and BENCH_MAX_ASSOCS shorten a run, and
# BENCH_NETWORKS=namespace leaves out the plain-loopback cases; an empty BENCH_OTP runs
# the host's release alone. `make bench-build` builds all of it on the host.
BENCH_ROUNDS ?= 5
BENCH_SECONDS ?= 1.5
BENCH_MAX_ASSOCS ?= 10000
BENCH_OTP ?= 29
BENCH_RUN := _build/bench
bench: bench-build
	tools/with-sctp-kernel bench/run $(BENCH_RUN) $(BENCH_ROUNDS) $(BENCH_SECONDS) $(BENCH_MAX_ASSOCS) $(BENCH_OTP)
	bench/report $(BENCH_RUN) bench/results README.md

bench-build:
	tools/install-deps bench
	$(MAKE) nif
	rebar3 compile
	@mkdir -p $(BENCH_RUN)
	cc -O2 -Wall -o $(BENCH_RUN)/sctp_c_bench bench/sctp_c_bench.c -lpthread
	erlc -o $(BENCH_RUN) bench/gen_sctp_bench.erl
	@# Each release compiles the bench module itself: a beam of one may not load on another.
	for rel in $(BENCH_OTP); do \
	  tools/otp-run $$rel rebar3 compile && mkdir -p $(BENCH_RUN)/otp-$$rel && \
	  tools/otp-run $$rel erlc -o $(BENCH_RUN)/otp-$$rel bench/gen_sctp_bench.erl || exit 1; \
	done
	@{ echo "date=$$(date -u '+%Y-%m-%d %H:%M UTC')"; \
	  echo "cpu=$$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"; \
	  echo "seconds=$(BENCH_SECONDS)"; \
	  if tools/host-has-sctp; then echo "where=this machine's own kernel"; \
	  elif [ "$${SCTP_VM_KVM:-}" = 1 ]; then echo "where=a VM (KVM)"; \
	  else echo "where=a VM under software emulation (no KVM, about ten times slower)"; fi; \
	} > $(BENCH_RUN)/host.txt

# Rust formatting and clippy (library and test builds), then, on each release of
# OTP_RELEASES, xref, dialyzer, and dialyzer on code written against OTP's
# gen_sctp (tools/dialyze-fixture).
lint:
	tools/install-deps
	cargo fmt --check
	cargo clippy --all-targets --release --locked -- -D warnings
	cargo clippy --all-targets --all-features --release --locked \
	  --target-dir $${CARGO_TARGET_DIR:-target}/test-hooks -- -D warnings
	$(MAKE) nif
	$(MAKE) lint-erlang

# `make lint` once the tools are installed, so that the host's release can be asked.
lint-erlang:
	for r in $(OTP_RELEASES); do \
	  tools/otp-run $$r bash -c 'rebar3 as lint xref && rebar3 as lint dialyzer && tools/dialyze-fixture' \
	    || exit 1; \
	done

clean:
	rm -rf _build target $(NIF_SO) $(NIF_SO).tmp
