//! Everything a socket sends its owner, built here only: active-mode messages,
//! `{sctp_error, S, Reason}` and `{sctp_passive, S}`; and the wake-up of a waiter. The
//! poller thread and the NIFs both deliver through `Outbox`.
//!
//! The message that ends an `{active, N}` count and the `{sctp_passive, S}` after it are
//! sent back to back from a scheduler thread, as OTP's port sends them: an owner that the
//! first wakes then finds the second in its mailbox already. Two sends from the poller
//! thread cannot promise that (the owner can run between them), so the poller hands the
//! pair to the relay, a process started with the library, which sends it from its
//! scheduler; until then the socket holds the pair (`State::handoff`), and any NIF call on
//! the socket sends it first, so that nothing of the socket can overtake it.

use std::sync::Mutex;

use rustler::{Encoder, Env, LocalPid, OwnedEnv, ResourceArc, Term};

use crate::atoms;
use crate::error::{Error, Result};
use crate::notification::Notification;
use crate::socket::{Content, Handoff, Message, Socket, State, Waiter};
use crate::terms;

/// The relay process, from the library's load; none once a handoff to it failed.
static RELAY: Mutex<Option<LocalPid>> = Mutex::new(None);

pub fn set_relay(relay: LocalPid) {
    *RELAY.lock().unwrap_or_else(|e| e.into_inner()) = Some(relay);
}

fn relay() -> Option<LocalPid> {
    *RELAY.lock().unwrap_or_else(|e| e.into_inner())
}

/// A relay that is gone: the poller sends the pair itself from now on.
fn relay_gone(gone: LocalPid) {
    let mut relay = RELAY.lock().unwrap_or_else(|e| e.into_inner());
    if *relay == Some(gone) {
        *relay = None;
    }
}

/// Where messages are built and sent from.
pub enum Outbox<'a> {
    /// A NIF call, from the calling process.
    Caller(Env<'a>),
    /// The poller thread.
    Thread(&'a mut ThreadEnvs),
}

/// The poller's envs: a message is built in `first`; without a relay, the second of a pair
/// in `second`, so that both exist before either is sent.
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

    /// Sends `message`, which ended an `{active, N}` count, and `{sctp_passive, S}` after
    /// it, both from a scheduler thread (see the module's note).
    fn send_last(&mut self, socket: &ResourceArc<Socket>, st: &mut State, message: Build) {
        let passive: Build = &|env| passive_message(env, socket);
        let envs = match self {
            Outbox::Caller(env) => return send_both(*env, &st.owner, message(*env), passive(*env)),
            Outbox::Thread(envs) => envs,
        };
        debug_assert!(st.handoff.is_none(), "a passive socket ends no count");
        if let Some(relay) = relay() {
            let env = OwnedEnv::new();
            let (message, passive) = env.run(|e| (env.save(message(e)), env.save(passive(e))));
            st.handoff = Some(Handoff {
                env,
                message,
                passive,
            });
            let note = |env| (atoms::gen_sctp_handoff(), socket.encode(env)).encode(env);
            if envs.first.send_and_clear(&relay, note).is_ok() {
                return;
            }
            relay_gone(relay);
            st.handoff = None;
        }
        // No relay: both built before the first goes, so the gap between them is one send.
        let message = envs.first.run(|env| envs.first.save(message(env)));
        let passive = envs.second.run(|env| envs.second.save(passive(env)));
        let _ = envs
            .first
            .send_and_clear(&st.owner, |env| message.load(env));
        let _ = envs
            .second
            .send_and_clear(&st.owner, |env| passive.load(env));
    }
}

fn send_both<'e>(env: Env<'e>, to: &LocalPid, first: Term<'e>, second: Term<'e>) {
    let _ = env.send(to, first);
    let _ = env.send(to, second);
}

/// Sends the owner the pair the poller handed off, if it is still held; from the relay, or
/// from any NIF call on the socket before it does anything else.
pub fn send_handoff(env: Env, st: &mut State) {
    let Some(Handoff {
        env: held,
        message,
        passive,
    }) = st.handoff.take()
    else {
        return;
    };
    held.run(|h| {
        send_both(
            env,
            &st.owner,
            message.load(h).in_env(env),
            passive.load(h).in_env(env),
        )
    });
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
    if !st.flow.is_active() {
        return false;
    }
    let (msg, event) = match next_message(socket, st, scratch) {
        Ok(Some(next)) => next,
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
    let bytes = msg.bytes(scratch);
    let mode = st.mode;
    let message: Build = &|env| {
        let s = terms::socket(env, socket);
        let body = terms::body(env, event.as_ref(), bytes, mode);
        let anc = terms::ancillary(env, &msg.header.anc);
        terms::active_message(env, s, msg.header.from.as_ref(), anc, body)
    };
    match st.flow.count_delivery() {
        true => out.send_last(socket, st, message),
        false => post(out, st, message),
    }
    true
}

/// The next message for the owner, with the notification it carries (`None` for data);
/// notifications of a type OTP never subscribes to are dropped on the way.
fn next_message(
    socket: &Socket,
    st: &mut State,
    scratch: &mut Vec<u8>,
) -> Result<Option<(Message, Option<Notification>)>> {
    loop {
        let Some(msg) = socket.read_message(st, scratch)? else {
            return Ok(None);
        };
        match msg.content(msg.bytes(scratch)) {
            Content::Ignored => continue,
            Content::Data => return Ok(Some((msg, None))),
            Content::Event(n) => return Ok(Some((msg, Some(n)))),
        }
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

/// What a passive `recv` answers with the next message, or the error reading it ended
/// with; `None` when there is nothing to read yet.
pub fn passive_reply<'e>(
    env: Env<'e>,
    socket: &Socket,
    st: &mut State,
    scratch: &mut Vec<u8>,
) -> Option<Term<'e>> {
    let (msg, event) = match next_message(socket, st, scratch) {
        Ok(Some(next)) => next,
        Ok(None) => return None,
        Err(e) => return Some(e.encode(env)),
    };
    let bytes = msg.bytes(scratch);
    let body = terms::body(env, event.as_ref(), bytes, st.mode);
    let anc = terms::ancillary(env, &msg.header.anc);
    Some(terms::passive_result(
        env,
        msg.header.from.as_ref(),
        anc,
        body,
    ))
}

/// Hands the process waiting in `recv` its answer, `{'$gen_sctp_ready', Tag, Reply}`, read
/// here on the poller thread: it returns that without calling the NIF again, and the socket
/// stays watched as it was. False when no such process waits. With nothing to read yet it
/// goes on waiting.
pub fn hand_to_receiver(socket: &Socket, st: &mut State, scratch: &mut Vec<u8>) -> bool {
    let Some(Waiter { pid, mut env, tag }) = st.flow.take_receiver() else {
        return false;
    };
    let handed = env.run(|e| {
        let reply = passive_reply(e, socket, st, scratch)?;
        Some(env.save((atoms::ready_tag(), tag.load(e), reply).encode(e)))
    });
    match handed {
        Some(message) => {
            st.flow.took_passive();
            let _ = env.send_and_clear(&pid, |e| message.load(e));
        }
        None => st.flow.wait_to_read(Waiter { pid, env, tag }),
    }
    true
}

/// Wakes one waiter with `{'$gen_sctp_ready', Tag}`; from the poller thread.
pub fn wake(waiter: Waiter) {
    let Waiter { pid, mut env, tag } = waiter;
    let _ = env.send_and_clear(&pid, |env| (atoms::ready_tag(), tag.load(env)));
}

/// Wakes one waiter as `wake` does, from a NIF call: sent from its caller's `env`.
pub fn wake_from(env: Env, waiter: Waiter) {
    let Waiter {
        pid,
        env: held,
        tag,
    } = waiter;
    held.run(|h| {
        let _ = env.send(&pid, (atoms::ready_tag(), tag.load(h).in_env(env)));
    });
}
