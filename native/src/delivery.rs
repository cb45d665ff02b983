//! Everything a socket sends its owner, built here only: active-mode messages,
//! `{sctp_error, S, Reason}` and `{sctp_passive, S}`; and the wake-up of a waiter. The
//! poller thread and the NIFs both deliver through `Outbox`.
//!
//! The message that ends an `{active, N}` count and the `{sctp_passive, S}` after it must
//! reach the owner together: OTP's users take the passive message with `receive … after 0`
//! right after the data. Sent one by one from the poller thread, the owner can run between
//! the two. So such a pair, when it is not the owner itself that delivers it, goes to the
//! relay process (`gen_sctp_nif_relay`), which sends both from a scheduler, back to back,
//! as OTP's port does. While a socket has messages in the relay, all its messages go that
//! way, so that none overtakes another.

use std::sync::Mutex;

use rustler::{Encoder, Env, LocalPid, OwnedEnv, ResourceArc, Term};

use crate::atoms;
use crate::error::Error;
use crate::socket::{Content, Socket, State, Waiter};
use crate::terms;

/// Where messages are built and sent from.
pub enum Outbox<'a> {
    /// A NIF call, from the calling process.
    Caller(Env<'a>),
    /// The poller thread.
    Thread(&'a mut OwnedEnv),
}

type Build<'b> = &'b dyn for<'e> Fn(Env<'e>) -> Term<'e>;

impl Outbox<'_> {
    fn send(&mut self, to: &LocalPid, build: Build) -> bool {
        match self {
            Outbox::Caller(env) => env.send(to, build(*env)).is_ok(),
            Outbox::Thread(env) => env.send_and_clear(to, build).is_ok(),
        }
    }

    fn is_process(&self, pid: &LocalPid) -> bool {
        matches!(self, Outbox::Caller(env) if env.pid() == *pid)
    }
}

static RELAY: Mutex<Option<LocalPid>> = Mutex::new(None);

/// The relay process, registered by `gen_sctp_nif_relay` when it starts.
pub fn set_relay(pid: LocalPid) {
    *RELAY.lock().unwrap_or_else(|p| p.into_inner()) = Some(pid);
}

fn relay() -> Option<LocalPid> {
    *RELAY.lock().unwrap_or_else(|p| p.into_inner())
}

/// The relay sent one batch of `socket`'s messages on.
pub fn relayed(st: &mut State) {
    st.relayed = st.relayed.saturating_sub(1);
}

/// Sends `messages` to the owner, in order: straight, or through the relay (see above).
fn post(out: &mut Outbox, socket: &ResourceArc<Socket>, st: &mut State, messages: &[Build]) {
    let owner = st.owner;
    let together = messages.len() > 1 && !out.is_process(&owner);
    if together || st.relayed > 0 {
        let via_relay = relay().is_some_and(|relay| {
            out.send(&relay, &|env| {
                let batch: Vec<Term> = messages.iter().map(|m| m(env)).collect();
                (atoms::relay_tag(), socket.encode(env), owner, batch).encode(env)
            })
        });
        if via_relay {
            st.relayed += 1;
            return;
        }
        // No relay runs: what it held went with it.
        st.relayed = 0;
    }
    for message in messages {
        out.send(&owner, *message);
    }
}

fn passive_message<'e>(env: Env<'e>, socket: &ResourceArc<Socket>) -> Term<'e> {
    (atoms::sctp_passive(), terms::socket(env, socket)).encode(env)
}

/// `{sctp_passive, S}`, for a socket whose count an option just ended.
pub fn passive(out: &mut Outbox, socket: &ResourceArc<Socket>, st: &mut State) {
    post(out, socket, st, &[&|env| passive_message(env, socket)]);
}

/// Reads the next message of an active socket and sends it, or the read error as
/// `{sctp_error, S, Reason}`, to the owner; counts it, and sends `{sctp_passive, S}` when
/// `{active, N}` runs out. False when nothing was delivered: the socket is passive, has
/// nothing to read, or failed (it then turns passive).
pub fn deliver_one(
    out: &mut Outbox,
    socket: &ResourceArc<Socket>,
    st: &mut State,
    scratch: &mut Vec<u8>,
) -> bool {
    loop {
        if !st.flow.is_active() {
            return false;
        }
        let msg = match socket.read_message(st, scratch) {
            Ok(Some(msg)) => msg,
            Ok(None) | Err(Error::Closed) => return false,
            Err(e) => {
                st.flow.read_failed();
                let error: Build = &|env| {
                    let s = terms::socket(env, socket);
                    (atoms::sctp_error(), s, e.reason(env)).encode(env)
                };
                post(out, socket, st, &[error]);
                return false;
            }
        };
        let bytes = &scratch[..msg.len];
        let event = match msg.content(bytes) {
            Content::Ignored => continue,
            Content::Data => None,
            Content::Event(n) => Some(n),
        };
        let mode = st.mode;
        let message: Build = &|env| {
            let s = terms::socket(env, socket);
            let body = terms::body(env, event.as_ref(), bytes, mode);
            let anc = terms::ancillary(env, &msg.header.anc);
            terms::active_message(env, s, msg.header.from.as_ref(), anc, body)
        };
        match st.flow.count_delivery() {
            true => post(
                out,
                socket,
                st,
                &[message, &|env| passive_message(env, socket)],
            ),
            false => post(out, socket, st, &[message]),
        }
        return true;
    }
}

/// Delivers what an active socket has read ahead, up to `budget` messages.
pub fn deliver_early(
    out: &mut Outbox,
    socket: &ResourceArc<Socket>,
    st: &mut State,
    scratch: &mut Vec<u8>,
    budget: usize,
) {
    for _ in 0..budget {
        if !deliver_one(out, socket, st, scratch) || !st.flow.has_early_delivery() {
            break;
        }
    }
}

/// Wakes one waiter with `{'$gen_sctp_ready', Tag}`; from the poller thread.
pub fn wake(waiter: Waiter) {
    let Waiter { pid, mut env, tag } = waiter;
    let _ = env.send_and_clear(&pid, |env| (atoms::ready_tag(), tag.load(env)));
}
