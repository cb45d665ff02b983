//! Everything a socket sends its owner, built here only: active-mode messages,
//! `{sctp_error, S, Reason}` and `{sctp_passive, S}`; and the wake-up of a waiter. The
//! poller thread and the NIFs both deliver through `Outbox`. The message that ends an
//! `{active, N}` count and the `{sctp_passive, S}` after it are both built first, then
//! sent back to back, before anything else of the socket.

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
    Thread(&'a mut ThreadEnvs),
}

/// The poller's envs: a message is built in `first`, and the second of a pair in `second`,
/// so that both exist before either is sent.
pub struct ThreadEnvs {
    first: OwnedEnv,
    second: OwnedEnv,
}

impl ThreadEnvs {
    pub fn new() -> Self {
        ThreadEnvs {
            first: OwnedEnv::new(),
            second: OwnedEnv::new(),
        }
    }
}

type Build<'b> = &'b dyn for<'e> Fn(Env<'e>) -> Term<'e>;

impl Outbox<'_> {
    fn send(&mut self, to: &LocalPid, build: Build) {
        match self {
            // A dead owner gets nothing: its socket closes with it.
            Outbox::Caller(env) => drop(env.send(to, build(*env))),
            Outbox::Thread(envs) => drop(envs.first.send_and_clear(to, build)),
        }
    }

    /// Sends `a` then `b` to `to` back to back, both built before `a` goes: an owner that
    /// `a` wakes finds `b` in its mailbox already, and not only once the sender has built
    /// it (which, from the poller thread, it often did not).
    fn send_pair(&mut self, to: &LocalPid, a: Build, b: Build) {
        match self {
            Outbox::Caller(env) => {
                let (a, b) = (a(*env), b(*env));
                let _ = env.send(to, a);
                let _ = env.send(to, b);
            }
            Outbox::Thread(envs) => {
                let a = envs.first.run(|env| envs.first.save(a(env)));
                let b = envs.second.run(|env| envs.second.save(b(env)));
                let _ = envs.first.send_and_clear(to, |env| a.load(env));
                let _ = envs.second.send_and_clear(to, |env| b.load(env));
            }
        }
    }
}

/// Sends `message` to the owner.
fn post(out: &mut Outbox, st: &State, message: Build) {
    out.send(&st.owner, message);
}

fn passive_message<'e>(env: Env<'e>, socket: &ResourceArc<Socket>) -> Term<'e> {
    (atoms::sctp_passive(), terms::socket(env, socket)).encode(env)
}

/// `{sctp_passive, S}`, for a socket whose count an option just ended.
pub fn passive(out: &mut Outbox, socket: &ResourceArc<Socket>, st: &State) {
    post(out, st, &|env| passive_message(env, socket));
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
                post(out, st, error);
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
            true => out.send_pair(&st.owner, message, &|env| passive_message(env, socket)),
            false => post(out, st, message),
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
