//! NIF entry points: decode terms, call the socket layer, encode results. A call that would
//! wait for the network registers the caller as a waiter and answers `wait` instead. Work
//! in another network namespace, which takes a thread of its own, runs on dirty I/O
//! schedulers (`open_in_netns`, `peeloff_in_netns`); the rest never blocks.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::net::SocketAddr;
use std::os::fd::{OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::MutexGuard;
use std::time::Instant;

use rustler::{Atom, Binary, Encoder, Env, LocalPid, Monitor, Resource, ResourceArc, Term};

use crate::addr;
use crate::atoms;
use crate::decode::{self, List};
use crate::delivery::{self, Outbox};
use crate::error::{einval, Error, Result};
use crate::ffi::{self, AssocId};
use crate::flow::Active;
use crate::flow::ReadAhead;
use crate::monitors;
use crate::options::{self, Ctx};
use crate::poller;
use crate::reassembly::Partials;
use crate::socket::{self, Socket, State, Waiter};
use crate::terms;

type Sock = ResourceArc<Socket>;

thread_local! {
    /// Receive buffer of this scheduler thread, reused across calls.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Charges the calling process for the time since `started`, 1 ms being a whole timeslice:
/// a sendmsg or recvmsg of a large message runs the kernel's SCTP stack for a while
/// (on loopback the peer's receive path too), and a process that makes such calls back
/// to back would otherwise keep its scheduler for most of a second (0.7-0.9 s measured in
/// the test VM) and starve every process queued behind it, as a port's reductions stop
/// OTP's senders.
fn charge(env: Env, started: Instant) {
    let percent = (started.elapsed().as_micros() / 10).min(100) as i32;
    if percent > 0 {
        rustler::schedule::consume_timeslice(env, percent);
    }
}

/// Locks `socket` for a NIF call, having first sent the owner the pair the poller handed
/// to the relay (`delivery`), if it waits still: nothing this call does, or lets the
/// poller do, may overtake it.
fn locked<'s>(env: Env, socket: &'s Sock) -> MutexGuard<'s, State> {
    let mut st = socket.state();
    delivery::send_handoff(env, &mut st);
    st
}

/// The library's load: `load_info` is `{Relay, Pollers, Schedulers}`, the relay process
/// that `gen_sctp_nif` started, the `pollers` application variable (`default` unless set)
/// and the number of schedulers.
pub fn load(_env: Env, load_info: Term) -> bool {
    match load_info.decode::<(LocalPid, Term, usize)>() {
        Ok((relay, pollers, schedulers)) => {
            delivery::set_relay(relay);
            poller::set_count(pollers.decode().ok(), schedulers);
            true
        }
        Err(_) => false,
    }
}

/// The relay's call for `{'$gen_sctp_handoff', S}`: sends the pair, unless a NIF call on
/// the socket has sent it already.
#[rustler::nif]
fn handoff(env: Env, socket: Sock) -> Atom {
    drop(locked(env, &socket));
    atoms::ok()
}

fn reply<'a, T: Encoder>(env: Env<'a>, result: Result<T>) -> Term<'a> {
    match result {
        Ok(v) => v.encode(env),
        Err(e) => e.encode(env),
    }
}

fn ok_reply<'a>(env: Env<'a>, result: Result<()>) -> Term<'a> {
    reply(env, result.map(|()| atoms::ok()))
}

fn decode_sockaddrs(terms: Vec<Term>, family: i32) -> Result<Vec<SocketAddr>> {
    terms
        .into_iter()
        .map(|t| decode::endpoint(t, family))
        .collect()
}

/// Socket defaults, as OTP 25 opens SCTP sockets: every notification but adaptation and
/// authentication subscribed.
fn apply_defaults(fd: i32) -> Result<()> {
    let events = ffi::sctp_event_subscribe {
        sctp_data_io_event: 1,
        sctp_association_event: 1,
        sctp_address_event: 1,
        sctp_send_failure_event: 1,
        sctp_peer_error_event: 1,
        sctp_shutdown_event: 1,
        sctp_partial_delivery_event: 1,
        sctp_adaptation_layer_event: 0,
        sctp_authentication_event: 0,
    };
    ffi::setsockopt(fd, ffi::SOL_SCTP, ffi::SCTP_EVENTS, &events)?;
    Ok(())
}

fn bind_all(fd: i32, addrs: &[SocketAddr]) -> Result<()> {
    let (first, rest) = addrs.split_first().ok_or(Error::Badarg)?;
    let (raw, len) = addr::to_raw(first);
    ffi::bind(fd, &raw, len)?;
    if !rest.is_empty() {
        bindx_addrs(fd, rest, true)?;
    }
    Ok(())
}

/// Adds or removes local addresses of a bound socket. Port 0 stands for the socket's port,
/// the only one an SCTP endpoint has.
fn bindx_addrs(fd: i32, addrs: &[SocketAddr], add: bool) -> Result<()> {
    let port = ffi::getsockname(fd)
        .ok()
        .and_then(|(r, l)| addr::from_raw(&r, l))
        .map_or(0, |sa| sa.port());
    let addrs: Vec<SocketAddr> = addrs
        .iter()
        .map(|sa| {
            // A copy keeps an IPv6 address's flow label and scope.
            let mut sa = *sa;
            if sa.port() == 0 {
                sa.set_port(port);
            }
            sa
        })
        .collect();
    Ok(ffi::bindx(fd, &addr::pack(&addrs), add)?)
}

/// `bindx(Socket, Add, Addrs)`: adds (`Add = true`) or removes local addresses of an open
/// socket, as sctp_bindx(3) does. Malformed addresses are `badarg`.
#[rustler::nif]
fn bindx<'a>(env: Env<'a>, socket: Sock, add: bool, addrs: List<Term<'a>>) -> Term<'a> {
    let result = decode_sockaddrs(addrs.0, socket.family)
        .map_err(|_| Error::Badarg)
        .and_then(|addrs| socket.with_fd(|fd| bindx_addrs(fd, &addrs, add)));
    ok_reply(env, result)
}

/// A term in `T`'s range, else `badarg`.
fn int_arg<T: TryFrom<i64>>(term: Term) -> Result<T> {
    let wide = term.decode::<i64>().map_err(|_| Error::Badarg)?;
    T::try_from(wide).map_err(|_| Error::Badarg)
}

/// `struct sctp_reset_streams` as its bytes: the association, `flags` (`incoming`,
/// `outgoing`) and the stream numbers, none for all.
fn reset_streams_request(assoc_id: Term, flags: Vec<Atom>, streams: Vec<Term>) -> Result<Vec<u8>> {
    let assoc_id = int_arg::<u32>(assoc_id)? as AssocId;
    let mut bits = 0u16;
    for flag in flags {
        bits |= match flag {
            _ if flag == atoms::incoming() => ffi::SCTP_STREAM_RESET_INCOMING,
            _ if flag == atoms::outgoing() => ffi::SCTP_STREAM_RESET_OUTGOING,
            _ => return Err(Error::Badarg),
        };
    }
    let count = u16::try_from(streams.len()).map_err(|_| Error::Badarg)?;
    let mut req = Vec::with_capacity(8 + 2 * streams.len());
    req.extend_from_slice(&assoc_id.to_ne_bytes());
    req.extend_from_slice(&bits.to_ne_bytes());
    req.extend_from_slice(&count.to_ne_bytes());
    for stream in streams {
        req.extend_from_slice(&int_arg::<u16>(stream)?.to_ne_bytes());
    }
    Ok(req)
}

/// Hands a reconfiguration request to the kernel: `set` is the setsockopt that makes it,
/// given the request decoded from the arguments.
fn reconfigure<'a, T>(
    env: Env<'a>,
    socket: &Sock,
    request: Result<T>,
    set: impl FnOnce(RawFd, &T) -> std::io::Result<()>,
) -> Term<'a> {
    let result = request.and_then(|req| socket.with_fd(|fd| Ok(set(fd, &req)?)));
    ok_reply(env, result)
}

/// `reset_streams(Socket, AssocId, Flags, Streams)`: asks for the reset of the
/// association's streams (SCTP_RESET_STREAMS). Malformed arguments are `badarg`.
#[rustler::nif]
fn reset_streams<'a>(
    env: Env<'a>,
    socket: Sock,
    assoc_id: Term<'a>,
    flags: List<Atom>,
    streams: List<Term<'a>>,
) -> Term<'a> {
    let request = reset_streams_request(assoc_id, flags.0, streams.0);
    reconfigure(env, &socket, request, |fd, req| {
        ffi::set_raw(fd, ffi::SOL_SCTP, ffi::SCTP_RESET_STREAMS, req)
    })
}

/// `add_streams(Socket, AssocId, In, Out)`: asks for `In` more incoming and `Out` more
/// outgoing streams (SCTP_ADD_STREAMS). Malformed arguments are `badarg`.
#[rustler::nif]
fn add_streams<'a>(
    env: Env<'a>,
    socket: Sock,
    assoc_id: Term<'a>,
    instrms: Term<'a>,
    outstrms: Term<'a>,
) -> Term<'a> {
    let request = || {
        Ok(ffi::sctp_add_streams {
            sas_assoc_id: int_arg::<u32>(assoc_id)? as AssocId,
            sas_instrms: int_arg(instrms)?,
            sas_outstrms: int_arg(outstrms)?,
        })
    };
    reconfigure(env, &socket, request(), |fd, req| {
        ffi::setsockopt(fd, ffi::SOL_SCTP, ffi::SCTP_ADD_STREAMS, req)
    })
}

/// `reset_assoc(Socket, AssocId)`: asks for the reset of the association's TSNs, and with
/// them of every stream (SCTP_RESET_ASSOC). A malformed id is `badarg`.
#[rustler::nif]
fn reset_assoc<'a>(env: Env<'a>, socket: Sock, assoc_id: Term<'a>) -> Term<'a> {
    let request = int_arg::<u32>(assoc_id).map(|id| id as AssocId);
    reconfigure(env, &socket, request, |fd, id| {
        ffi::setsockopt(fd, ffi::SOL_SCTP, ffi::SCTP_RESET_ASSOC, id)
    })
}

/// Opens, configures and binds a socket owned by the caller (see `open_socket`).
#[rustler::nif]
fn open<'a>(
    env: Env<'a>,
    family: Atom,
    kind: Atom,
    addrs: List<Term<'a>>,
    opts: List<Term<'a>>,
) -> Term<'a> {
    reply(env, open_socket(env, family, kind, None, addrs.0, opts.0))
}

/// `open` in the network namespace that the file named `netns` (a binary) stands for. The
/// socket is created from a thread of its own, which this call waits for: it runs on a
/// dirty I/O scheduler.
#[rustler::nif(schedule = "DirtyIo")]
fn open_in_netns<'a>(
    env: Env<'a>,
    family: Atom,
    kind: Atom,
    netns: Binary<'a>,
    addrs: List<Term<'a>>,
    opts: List<Term<'a>>,
) -> Term<'a> {
    if netns.is_empty() || netns.contains(&0) {
        return Error::Badarg.encode(env);
    }
    let netns = PathBuf::from(OsStr::from_bytes(netns.as_slice()));
    let result = open_socket(env, family, kind, Some(netns), addrs.0, opts.0);
    reply(env, result)
}

/// Opens a socket owned by the caller, sets `opts` and binds `addrs`. As OTP's `open`: a
/// malformed argument is `badarg`, and so is an option that cannot be set, whether its
/// value is malformed or the kernel refuses it (`options::set` answers `einval` for both,
/// as OTP's driver does). What the kernel answers to creating and binding the socket is
/// the result, `einval` included.
fn open_socket<'a>(
    env: Env<'a>,
    family: Atom,
    kind: Atom,
    netns: Option<PathBuf>,
    addrs: Vec<Term<'a>>,
    opts: Vec<Term<'a>>,
) -> Result<(Atom, Sock)> {
    let family = match family.to_term(env).atom_to_string()?.as_str() {
        "inet" => libc::AF_INET,
        "inet6" => libc::AF_INET6,
        _ => return Err(Error::Badarg),
    };
    let sock_type = match kind.to_term(env).atom_to_string()?.as_str() {
        "seqpacket" => libc::SOCK_SEQPACKET,
        "stream" => libc::SOCK_STREAM,
        _ => return Err(Error::Badarg),
    };
    if !options::known(&opts) {
        return Err(Error::Badarg);
    }
    let addrs = decode_sockaddrs(addrs, family).map_err(|_| Error::Badarg)?;
    // An IPv6 address for an IPv4 socket is a bad argument, not the kernel's `EINVAL`.
    let v6 = family == libc::AF_INET6;
    if addrs.iter().any(|a| a.is_ipv6() != v6) {
        return Err(Error::Badarg);
    }
    let fd = match netns {
        None => ffi::sctp_socket(family, sock_type)?,
        Some(path) => ffi::sctp_socket_in(&path, family, sock_type)?,
    };
    let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
    apply_defaults(raw)?;
    let owner = env.pid();
    let stream = sock_type == libc::SOCK_STREAM;
    let socket = ResourceArc::new(Socket::new(fd, family, stream, owner));
    {
        let mut st = socket.state();
        let mut ctx = Ctx::new(&mut st, raw, family);
        options::set(&mut ctx, &opts).map_err(|_| Error::Badarg)?;
        let passive_now = ctx.passive_now;
        bind_all(raw, &addrs)?;
        st.owner_monitor = env.monitor(&socket, &owner);
        if passive_now {
            delivery::passive(&mut Outbox::Caller(env), &socket, &st);
        }
    }
    poller::watch(socket.clone());
    Ok((atoms::ok(), socket))
}

#[rustler::nif]
fn close(env: Env, socket: Sock) -> Atom {
    let mut st = locked(env, &socket);
    if let Some(mon) = st.owner_monitor.take() {
        env.demonitor(&socket, &mon);
    }
    poller::close(&socket, &mut st);
    atoms::ok()
}

#[rustler::resource_impl]
impl Resource for Socket {
    const IMPLEMENTS_DOWN: bool = true;

    /// The owner died: close, as a port closes when its owner exits. A process that
    /// monitored the socket died: its monitors go.
    fn down<'a>(&'a self, _env: Env<'a>, pid: LocalPid, _monitor: Monitor) {
        {
            let mut st = self.state();
            if st.owner == pid {
                poller::close(self, &mut st);
            }
        }
        poller::release(monitors::process_exited(self, &pid));
    }
}

/// `inet:monitor/1`: a monitor of the socket for the caller; its reference.
#[rustler::nif]
fn monitor(env: Env, socket: Sock) -> Term {
    monitors::monitor(env, &socket)
}

/// `inet:cancel_monitor/1`: true if the caller's monitor was removed before it fired.
#[rustler::nif]
fn cancel_monitor<'a>(env: Env<'a>, mref: Term<'a>) -> bool {
    monitors::cancel(env, mref)
}

#[rustler::nif]
fn listen(env: Env, socket: Sock, backlog: i32) -> Term {
    let result = socket
        .with_fd(|fd| Ok(ffi::listen(fd, backlog)?))
        .map(|()| {
            // A one-to-one socket stops listening with backlog 0 (the kernel's rule).
            let listening = socket.stream && backlog != 0;
            locked(env, &socket).flow.set_listening(listening);
            poller::watch(socket.clone());
        });
    ok_reply(env, result)
}

/// Accepts an association on a listening one-to-one socket: a new socket owned by the
/// caller that inherits the listener's options, or `wait` with the caller registered to be
/// woken with `tag` when one arrives.
#[rustler::nif]
fn accept<'a>(env: Env<'a>, socket: Sock, tag: Term<'a>) -> Term<'a> {
    let caller = env.pid();
    let st = locked(env, &socket);
    if socket.is_closed() {
        return Error::Closed.encode(env);
    }
    if other_reader(&st, &caller) {
        return Error::Posix(libc::EALREADY).encode(env);
    }
    let accepted = socket.with_fd(|fd| match ffi::accept(fd) {
        Ok(new_fd) => Ok(Some(new_fd)),
        Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(None),
        Err(e) => Err(e.into()),
    });
    match accepted {
        Ok(Some(fd)) => {
            let child = branch(env, &socket, &st, fd, Default::default());
            (atoms::ok(), child).encode(env)
        }
        Ok(None) => wait_as_reader(env, &socket, st, tag),
        Err(e) => e.encode(env),
    }
}

/// Another process already waits to read or accept: as OTP, `{error, ealready}`.
fn other_reader(st: &State, caller: &LocalPid) -> bool {
    st.flow.other_reader(|w| w.pid == *caller)
}

/// Registers the caller as the socket's reader, woken with `{'$gen_sctp_ready', Tag}`,
/// and answers `wait`.
fn wait_as_reader<'a>(
    env: Env<'a>,
    socket: &Sock,
    mut st: MutexGuard<State>,
    tag: Term<'a>,
) -> Term<'a> {
    st.flow.wait_to_read(Waiter::new(env.pid(), tag));
    // A socket that reads ahead is watched for input already: the poller finds the reader.
    let changed = st.flow.interest() != st.armed;
    drop(st);
    if changed {
        poller::watch(socket.clone());
    }
    atoms::wait().encode(env)
}

/// What a branched-off socket takes from its parent: the messages of its association read
/// ahead and in progress (none for an accepted one).
#[derive(Default)]
struct Own {
    early: ReadAhead,
    partials: Partials,
}

/// A socket branched off `parent` (by peeloff or accept), owned by the caller and watched
/// by the poller, with the parent's options.
fn branch(env: Env, parent: &Sock, parent_st: &State, fd: OwnedFd, own: Own) -> Sock {
    let owner = env.pid();
    let recbuf = socket::recbuf(std::os::fd::AsRawFd::as_raw_fd(&fd));
    // An accepted socket is of its listener's type; a peeled-off one is `SOCK_SEQPACKET`.
    let child = ResourceArc::new(Socket::new(fd, parent.family, parent.stream, owner));
    {
        let mut st = child.state();
        *st = parent_st.branch(owner, own.early, own.partials);
        st.flow.set_ahead_limit(recbuf);
        st.owner_monitor = env.monitor(&child, &owner);
    }
    poller::watch(child.clone());
    child
}

#[rustler::nif]
fn connect<'a>(env: Env<'a>, socket: Sock, peer: Term<'a>) -> Term<'a> {
    let result = decode::endpoint(peer, socket.family).and_then(|sa| {
        let (raw, len) = addr::to_raw(&sa);
        socket.with_fd(|fd| Ok(ffi::connect(fd, &raw, len)?))
    });
    ok_reply(env, result)
}

#[rustler::nif]
fn connectx<'a>(env: Env<'a>, socket: Sock, peers: List<Term<'a>>) -> Term<'a> {
    let result = decode_sockaddrs(peers.0, socket.family).and_then(|addrs| {
        let packed = addr::pack(&addrs);
        socket.with_fd(|fd| Ok(ffi::connectx(fd, &packed)?))
    });
    reply(env, result.map(|id| (atoms::ok(), id)))
}

/// Sends `data` with the control messages of `info`. On a full buffer, registers the caller to be woken with `tag`
/// and answers `{wait, SendTimeout}`: the socket's `send_timeout` (ms or `infinity`), read
/// under the lock that registered the wait, which bounds it.
fn send_with<'a>(
    env: Env<'a>,
    socket: &Sock,
    tag: Term<'a>,
    info: &ffi::SendInfo,
    data: Term<'a>,
) -> Result<Term<'a>> {
    // As OTP: data that is not iodata is an error result, not an exception.
    let data = Binary::from_iolist(data).map_err(|_| Error::Posix(libc::EINVAL))?;
    let started = Instant::now();
    let sent = socket.with_fd(|fd| match ffi::sendmsg(fd, data.as_slice(), info, None) {
        Ok(n) => {
            socket.stats.sent(n);
            Ok(true)
        }
        Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => Ok(false),
        Err(e) => Err(e.into()),
    });
    charge(env, started);
    if sent? {
        // Room for this message may be room for the next waiting sender's too.
        if let Some(next) = locked(env, socket).flow.sent() {
            delivery::wake_from(env, next);
        }
        return Ok(atoms::ok().encode(env));
    }
    let (timeout, changed) = {
        let mut st = locked(env, socket);
        if socket.is_closed() {
            return Err(Error::Closed);
        }
        if st.non_block_send {
            return Err(Error::Posix(libc::EAGAIN));
        }
        st.flow.wait_to_write(Waiter::new(env.pid(), tag));
        // With other senders waiting, the poller watches for room already and wakes this
        // one with them.
        (st.send_timeout, st.flow.interest() != st.armed)
    };
    if changed {
        poller::watch(socket.clone());
    }
    let timeout = match timeout {
        Some(ms) => ms.encode(env),
        None => atoms::infinity().encode(env),
    };
    Ok((atoms::wait(), timeout).encode(env))
}

#[rustler::nif]
fn send<'a>(
    env: Env<'a>,
    socket: Sock,
    tag: Term<'a>,
    assoc_id: AssocId,
    stream: u16,
    data: Term<'a>,
) -> Term<'a> {
    let defaults = {
        let st = locked(env, &socket);
        st.send_defaults
            .get(&assoc_id)
            .or_else(|| st.send_defaults.get(&0))
            .copied()
            .unwrap_or_default()
    };
    let info = ffi::sctp_sndrcvinfo {
        sinfo_stream: stream,
        sinfo_assoc_id: assoc_id,
        sinfo_ssn: 0,
        sinfo_tsn: 0,
        sinfo_cumtsn: 0,
        ..defaults
    };
    let info = ffi::SendInfo {
        sndrcv: Some(info),
        ..Default::default()
    };
    reply(env, send_with(env, &socket, tag, &info, data))
}

#[rustler::nif]
fn sendmsg<'a>(
    env: Env<'a>,
    socket: Sock,
    tag: Term<'a>,
    send_info: Term<'a>,
    data: Term<'a>,
) -> Term<'a> {
    let result =
        decode::send_info(send_info).and_then(|info| send_with(env, &socket, tag, &info, data));
    reply(env, result)
}

/// A passive receive: a result now, or `wait` with the caller registered as the reader.
#[rustler::nif]
fn recv<'a>(env: Env<'a>, socket: Sock, tag: Term<'a>) -> Term<'a> {
    let caller = env.pid();
    let mut st = locked(env, &socket);
    if socket.is_closed() {
        return Error::Closed.encode(env);
    }
    if st.flow.is_active() {
        return einval().encode(env);
    }
    if other_reader(&st, &caller) {
        return Error::Posix(libc::EALREADY).encode(env);
    }
    st.flow.reader_back();
    let started = Instant::now();
    let reply = SCRATCH
        .with(|scratch| delivery::passive_reply(env, &socket, &mut st, &mut scratch.borrow_mut()));
    let result = match reply {
        Some(reply) => {
            // The owner reads in passive mode: read ahead between its calls, and again
            // once this one made room.
            st.flow.took_passive();
            if st.flow.interest() != st.armed {
                drop(st);
                poller::watch(socket.clone());
            }
            reply
        }
        None => wait_as_reader(env, &socket, st, tag),
    };
    charge(env, started);
    result
}

/// Withdraws the caller's wait. `true`: withdrawn, no wake-up will come. `false`: the
/// wake-up was already sent or is on its way.
#[rustler::nif]
fn cancel(env: Env, socket: Sock) -> bool {
    let (removed, changed) = {
        let mut st = locked(env, &socket);
        let caller = env.pid();
        let removed = st.flow.cancel(|w| w.pid == caller);
        (removed, st.flow.interest() != st.armed)
    };
    if changed {
        poller::watch(socket);
    }
    removed
}

#[rustler::nif]
fn setopts<'a>(env: Env<'a>, socket: Sock, opts: List<Term<'a>>) -> Term<'a> {
    let (result, changed) = {
        let mut st = locked(env, &socket);
        let result = socket.with_fd(|fd| {
            let mut ctx = Ctx::new(&mut st, fd, socket.family);
            options::set(&mut ctx, &opts.0).map(|()| ctx.passive_now)
        });
        let mut out = Outbox::Caller(env);
        if let Ok(true) = result {
            delivery::passive(&mut out, &socket, &st);
        }
        // Re-armed with messages already waiting (read ahead, or `{active, once}` with one
        // in the kernel): deliver them from here, which spares the poller a wake-up and
        // the owner a wait.
        if result.is_ok() && (st.flow.active() == Active::Once || st.flow.has_early_delivery()) {
            SCRATCH.with(|scratch| {
                let budget = poller::DELIVERY_BUDGET;
                delivery::deliver_early(
                    &mut out,
                    &socket,
                    &mut st,
                    &mut scratch.borrow_mut(),
                    budget,
                );
            });
        }
        // The poller has nothing to do when the interest it armed still holds and no
        // message read ahead waits for delivery.
        let changed = st.flow.interest() != st.armed || st.flow.has_early_delivery();
        (result, changed)
    };
    if changed {
        poller::watch(socket);
    }
    ok_reply(env, result.map(drop))
}

#[rustler::nif]
fn getopts<'a>(env: Env<'a>, socket: Sock, opts: List<Term<'a>>) -> Term<'a> {
    let mut st = locked(env, &socket);
    let result = socket.with_fd(|fd| {
        let mut ctx = Ctx::new(&mut st, fd, socket.family);
        options::get(&mut ctx, env, &opts.0)
    });
    reply(env, result.map(|list| (atoms::ok(), list)))
}

/// First half of `controlling_process/2`: only the owner may hand over. The socket stops
/// delivering while the shim moves queued messages; returns the active mode to restore.
#[rustler::nif]
fn handover_begin(env: Env, socket: Sock) -> Term {
    let mut st = locked(env, &socket);
    if socket.is_closed() {
        return Error::Closed.encode(env);
    }
    if st.owner != env.pid() {
        return Error::NotOwner.encode(env);
    }
    let active = st.flow.pause();
    (atoms::ok(), terms::active(env, active)).encode(env)
}

/// Second half: switch owner and monitor, then restore the active mode.
#[rustler::nif]
fn handover_end<'a>(env: Env<'a>, socket: Sock, new_owner: LocalPid, active: Term<'a>) -> Term<'a> {
    let result = {
        let mut st = locked(env, &socket);
        if socket.is_closed() {
            Err(Error::Closed)
        } else {
            match env.monitor(&socket, &new_owner) {
                None => Err(Error::Badarg),
                Some(mon) => {
                    if let Some(old) = st.owner_monitor.replace(mon) {
                        env.demonitor(&socket, &old);
                    }
                    st.owner = new_owner;
                    let mut ctx = Ctx::new(&mut st, -1, socket.family);
                    options::set_active(&mut ctx, active)
                }
            }
        }
    };
    poller::watch(socket);
    ok_reply(env, result)
}

fn name_of(socket: &Sock, peer: bool) -> Result<SocketAddr> {
    let (raw, len) = socket.with_fd(|fd| {
        Ok(if peer {
            ffi::getpeername(fd)?
        } else {
            ffi::getsockname(fd)?
        })
    })?;
    addr::from_raw(&raw, len).ok_or(Error::Posix(libc::EAFNOSUPPORT))
}

#[rustler::nif]
fn sockname(env: Env, socket: Sock) -> Term {
    reply(
        env,
        name_of(&socket, false).map(|sa| (atoms::ok(), terms::sockaddr(env, &sa))),
    )
}

#[rustler::nif]
fn peername(env: Env, socket: Sock) -> Term {
    reply(
        env,
        name_of(&socket, true).map(|sa| (atoms::ok(), terms::sockaddr(env, &sa))),
    )
}

/// The local (`local = true`) or peer addresses of an association (0: the whole socket).
#[rustler::nif]
fn addresses(env: Env, socket: Sock, assoc_id: AssocId, local: bool) -> Term {
    let result = socket.with_fd(|fd| Ok(ffi::getaddrs(fd, assoc_id, local)?));
    reply(
        env,
        result.map(|(count, buf)| {
            let addrs = addr::unpack(buf.get(8..).unwrap_or(&[]));
            let list: Vec<Term> = addrs
                .iter()
                .take(count)
                .map(|sa| terms::sockaddr(env, sa))
                .collect();
            (atoms::ok(), list)
        }),
    )
}

/// Branches an association off into a new one-to-one socket owned by the caller. It keeps
/// the parent's options, its active mode included. For a socket of another network
/// namespace, which the kernel peels off only from within that namespace, answers
/// `other_netns`: `peeloff_in_netns` does it there.
#[rustler::nif]
fn peeloff(env: Env, socket: Sock, assoc_id: AssocId) -> Term {
    // The lock keeps the poller from reading ahead while the kernel moves the association.
    let mut parent = locked(env, &socket);
    let peeled = socket.with_fd(|fd| match ffi::peeloff(fd, assoc_id) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) && ffi::in_other_netns(fd) => Ok(None),
        result => Ok(Some(result?)),
    });
    match peeled {
        Ok(Some(fd)) => reply(env, adopt(env, &socket, &mut parent, assoc_id, fd)),
        Ok(None) => atoms::other_netns().encode(env),
        Err(e) => e.encode(env),
    }
}

/// `peeloff` for a socket of another network namespace: made from a thread of its own in
/// that namespace, which this call waits for, so it runs on a dirty I/O scheduler.
#[rustler::nif(schedule = "DirtyIo")]
fn peeloff_in_netns(env: Env, socket: Sock, assoc_id: AssocId) -> Term {
    let mut parent = locked(env, &socket);
    let result = socket
        .with_fd(|fd| Ok(ffi::peeloff_in_netns(fd, assoc_id)?))
        .and_then(|fd| adopt(env, &socket, &mut parent, assoc_id, fd));
    reply(env, result)
}

/// The socket that peeloff made of association `assoc_id`, with the messages of it read
/// ahead and the parent's options.
fn adopt(
    env: Env,
    socket: &Sock,
    parent: &mut State,
    assoc_id: AssocId,
    fd: OwnedFd,
) -> Result<(Atom, Sock)> {
    let own = Own {
        early: parent.flow.split_off_assoc(assoc_id),
        partials: parent.partials.split_off_assoc(assoc_id),
    };
    let child = branch(env, socket, parent, fd, own);
    inherit_peeloff_options(env, socket, parent, &child)?;
    Ok((atoms::ok(), child))
}

/// The socket options a peeled-off socket takes from its parent, as OTP 27.2+ copies them
/// (`options::copy_peeloff`). If that fails the new socket is closed and the call fails.
fn inherit_peeloff_options(
    env: Env,
    parent: &Sock,
    parent_st: &mut State,
    child: &Sock,
) -> Result<()> {
    let copied = parent.with_fd(|parent_fd| {
        child.with_fd(|child_fd| {
            let mut child_st = child.state();
            let mut from = Ctx::new(parent_st, parent_fd, parent.family);
            let mut to = Ctx::new(&mut child_st, child_fd, child.family);
            options::copy_peeloff(env, &mut from, &mut to)
        })
    });
    if copied.is_err() {
        poller::close(child, &mut child.state());
    }
    copied
}

/// The socket's address family, `inet` or `inet6`, for resolving peer names.
#[rustler::nif]
fn family(env: Env, socket: Sock) -> Term {
    let name = if socket.family == libc::AF_INET6 {
        "inet6"
    } else {
        "inet"
    };
    reply(env, Atom::from_str(env, name).map_err(Error::from))
}

/// `inet:getstat/2` counters: the requested ones of recv_oct, recv_cnt, recv_max, recv_avg,
/// recv_dvi, send_oct, send_cnt, send_max, send_avg and send_pend.
#[rustler::nif]
fn getstat<'a>(env: Env<'a>, socket: Sock, names: List<Atom>) -> Term<'a> {
    use std::sync::atomic::Ordering::Relaxed;
    if socket.is_closed() {
        return Error::Closed.encode(env);
    }
    let s = &socket.stats;
    let avg = |oct: u64, cnt: u64| oct.checked_div(cnt).unwrap_or(0);
    let mut out = Vec::with_capacity(names.0.len());
    for name in names.0 {
        let value = match name
            .to_term(env)
            .atom_to_string()
            .unwrap_or_default()
            .as_str()
        {
            "recv_oct" => s.recv_oct.load(Relaxed),
            "recv_cnt" => s.recv_cnt.load(Relaxed),
            "recv_max" => s.recv_max.load(Relaxed),
            "recv_avg" => avg(s.recv_oct.load(Relaxed), s.recv_cnt.load(Relaxed)),
            "recv_dvi" => 0,
            "send_oct" => s.send_oct.load(Relaxed),
            "send_cnt" => s.send_cnt.load(Relaxed),
            "send_max" => s.send_max.load(Relaxed),
            "send_avg" => avg(s.send_oct.load(Relaxed), s.send_cnt.load(Relaxed)),
            "send_pend" => 0,
            _ => return einval().encode(env),
        };
        out.push((name, value));
    }
    (atoms::ok(), out).encode(env)
}
