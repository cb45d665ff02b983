//! gen_sctp as a NIF. The pure layers (addresses, errors, the receive decoder, FFI
//! declarations, the per-socket state machine) build on their own for `cargo test`; the
//! layers that touch the BEAM need it loaded.

// The test build leaves out the BEAM layers, so what only they use is unused there.
#![cfg_attr(test, allow(dead_code))]

mod addr;
mod error;
mod ffi;
mod flow;
#[cfg(test)]
mod fuzzing;
mod notification;
mod reassembly;

#[cfg(not(test))]
mod atoms;
#[cfg(not(test))]
mod decode;
#[cfg(not(test))]
mod delivery;
#[cfg(not(test))]
mod monitors;
#[cfg(not(test))]
mod nif;
#[cfg(not(test))]
mod option_kinds;
#[cfg(not(test))]
mod options;
#[cfg(not(test))]
mod poller;
/// The library's own test hooks, in test builds only (`make test` builds them).
#[cfg(all(not(test), feature = "test-hooks"))]
mod selftest;
#[cfg(not(test))]
mod socket;
#[cfg(not(test))]
mod terms;

#[cfg(not(test))]
rustler::init!("gen_sctp_nif", load = nif::load);
