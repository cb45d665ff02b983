//! Hooks for the library's own tests. Deliberate faults: a NIF call or the poller panics on
//! purpose, so a test can show that a panic in a NIF becomes an Erlang exception and that a
//! panic in the poller ends one wake-up only, never the thread or the node. Counters: the
//! panics the poller caught, the socket events it handled, the messages a socket has read
//! ahead, and the heap bytes in use, which tell a leak in this library from the C
//! allocator keeping freed pages. Nothing else calls these.

use rustler::{Atom, ResourceArc};

use crate::atoms;
use crate::ffi;
use crate::poller;
use crate::socket::Socket;

rustler::atoms! {
    nif,
    poller_event = "poller",
}

/// `nif`: panics now, holding the socket's lock. `poller`: the poller panics the next time
/// it handles an event of this socket.
#[rustler::nif]
fn inject_panic(socket: ResourceArc<Socket>, place: Atom) -> rustler::NifResult<Atom> {
    if place == nif() {
        let _state = socket.state();
        panic!("fault injected into a NIF call");
    }
    if place == poller_event() {
        socket.state().panic_on_next_event = true;
        poller::watch(socket);
        return Ok(atoms::ok());
    }
    Err(rustler::Error::BadArg)
}

/// How many panics the poller has caught since the library was loaded.
#[rustler::nif]
fn poller_panics() -> u64 {
    poller::caught_panics()
}

/// Socket events the poller has handled since the library was loaded.
#[rustler::nif]
fn poller_events() -> u64 {
    poller::events_handled()
}

/// Messages the poller has read ahead on this socket and not yet handed out.
#[rustler::nif]
fn read_ahead_len(socket: ResourceArc<Socket>) -> usize {
    socket.state().flow.early_len()
}

/// Heap bytes this library has allocated and not yet freed.
#[rustler::nif]
fn heap_in_use() -> usize {
    ffi::heap_in_use()
}
