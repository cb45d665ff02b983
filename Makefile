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

.PHONY: all nif test demo clean

all: nif

nif: $(NIF_SO)

# Copied to a new file rather than over the old one, which a running Erlang
# node may have mapped.
$(NIF_SO): $(NIF_SRC)
	@if [ -n "$${GEN_SCTP_IN_VM:-}" ]; then \
	  echo "$@ is older than its sources; run 'make nif' on the host first" >&2; exit 1; fi
	cargo build --release --locked
	@mkdir -p priv
	cp target/release/libgen_sctp_nif.so $@.tmp && mv -f $@.tmp $@

# EUnit and Common Test both run in one VM boot; the summary comes last.
# Narrow a run with e.g. `make test CT_ARGS="--suite examples_SUITE"`.
test:
	tools/install-deps
	$(MAKE) nif
	rebar3 compile
	cargo test --release --locked
	rm -rf $(TEST_LOGS)
	tools/with-sctp-kernel tools/erlang-tests; rc=$$?; \
	  tools/test-summary $(TEST_LOGS) || rc=1; exit $$rc

# The sctp_server/sctp_client pair from OTP's gen_sctp reference page, over
# this library.
demo:
	tools/install-deps
	$(MAKE) nif
	rebar3 compile
	@mkdir -p _build/demo
	erlc -o _build/demo examples/sctp_server.erl examples/sctp_client.erl
	tools/with-sctp-kernel tools/demo

clean:
	rm -rf _build target $(NIF_SO) $(NIF_SO).tmp
