//! Rust values to the Erlang terms OTP 25's gen_sctp produces: addresses, the
//! `inet_sctp.hrl` records and the shapes of received messages.

use std::net::{IpAddr, SocketAddr};

use rustler::types::tuple::make_tuple;
use rustler::{Atom, Encoder, Env, NewBinary, ResourceArc, Term};

use crate::atoms;
use crate::decode::{Name, SNDRCV_FLAGS};
use crate::error::{posix_name, Error};
use crate::ffi::{self, sctp_nxtinfo, sctp_rcvinfo, sctp_sndinfo, sctp_sndrcvinfo};
use crate::flow::Active;
use crate::notification::{Ancillary, Notification};
use crate::socket::{Mode, Socket};

pub fn ip<'a>(env: Env<'a>, ip: &IpAddr) -> Term<'a> {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            (a, b, c, d).encode(env)
        }
        IpAddr::V6(v6) => {
            let w: Vec<Term> = v6.segments().iter().map(|s| s.encode(env)).collect();
            make_tuple(env, &w)
        }
    }
}

/// `true | false | once | N`.
pub fn active(env: Env<'_>, active: Active) -> Term<'_> {
    match active {
        Active::False => false.encode(env),
        Active::True => true.encode(env),
        Active::Once => atoms::once().encode(env),
        Active::Count(n) => n.encode(env),
    }
}

/// `{IP, Port}`.
pub fn sockaddr<'a>(env: Env<'a>, sa: &SocketAddr) -> Term<'a> {
    (ip(env, &sa.ip()), sa.port()).encode(env)
}

/// The `IP, Port` pair of a received message; `{unspec, <<>>}, 0` when the kernel gave none.
fn from_pair<'a>(env: Env<'a>, from: Option<&SocketAddr>) -> (Term<'a>, Term<'a>) {
    match from {
        Some(sa) => (ip(env, &sa.ip()), sa.port().encode(env)),
        None => {
            let empty = NewBinary::new(env, 0);
            let unspec = (atoms::unspec(), Term::from(empty)).encode(env);
            (unspec, 0.encode(env))
        }
    }
}

/// The raw address bytes OTP 25 leaves undecoded in a passive error event:
/// `[Family, PortHi, PortLo | IPBytes]` with Family 1 for IPv4 and 2 for IPv6.
fn raw_address<'a>(env: Env<'a>, from: Option<&SocketAddr>) -> Term<'a> {
    let mut bytes: Vec<u8> = Vec::with_capacity(19);
    match from {
        Some(SocketAddr::V4(v4)) => {
            bytes.push(1);
            bytes.extend_from_slice(&v4.port().to_be_bytes());
            bytes.extend_from_slice(&v4.ip().octets());
        }
        Some(SocketAddr::V6(v6)) => {
            bytes.push(2);
            bytes.extend_from_slice(&v6.port().to_be_bytes());
            bytes.extend_from_slice(&v6.ip().octets());
        }
        None => bytes.push(0),
    }
    bytes.encode(env)
}

/// The atoms in `table` of the bits set in `bits`, in the table's order; other bits are
/// left out.
pub fn flags_term<'a, B>(env: Env<'a>, bits: B, table: &[(B, Name)]) -> Term<'a>
where
    B: Copy + Default + PartialEq + std::ops::BitAnd<Output = B>,
{
    let on = table.iter().filter(|(bit, _)| bits & *bit != B::default());
    on.map(|(_, name)| name())
        .collect::<Vec<Atom>>()
        .encode(env)
}

/// A record: its name, then `fields`.
fn record<'a>(env: Env<'a>, name: Atom, fields: &[&dyn Encoder]) -> Term<'a> {
    let mut all = vec![name.encode(env)];
    all.extend(fields.iter().map(|f| f.encode(env)));
    make_tuple(env, &all)
}

/// What the records of received and sent messages share: the flags as atoms of `table`
/// and the ppid in host order.
fn info<'a>(env: Env<'a>, flags: u16, table: &[(u16, Name)], ppid: u32) -> [Term<'a>; 2] {
    [
        flags_term(env, flags, table),
        u32::from_be(ppid).encode(env),
    ]
}

/// `#sctp_sndrcvinfo{}` as received: flags as a list, ppid in host order.
pub fn sndrcvinfo<'a>(env: Env<'a>, i: &sctp_sndrcvinfo) -> Term<'a> {
    let [flags, ppid] = info(env, i.sinfo_flags, &SNDRCV_FLAGS, i.sinfo_ppid);
    #[rustfmt::skip]
    let fields: [&dyn Encoder; 9] = [&i.sinfo_stream, &i.sinfo_ssn, &flags, &ppid,
        &i.sinfo_context, &i.sinfo_timetolive, &i.sinfo_tsn, &i.sinfo_cumtsn,
        &(i.sinfo_assoc_id as u32)];
    record(env, atoms::sctp_sndrcvinfo(), &fields)
}

/// `#sctp_sndinfo{sid, flags, ppid, context, assoc_id}`, ppid in host order.
pub fn sndinfo<'a>(env: Env<'a>, i: &sctp_sndinfo) -> Term<'a> {
    let [flags, ppid] = info(env, i.snd_flags, &SNDRCV_FLAGS, i.snd_ppid);
    #[rustfmt::skip]
    let fields: [&dyn Encoder; 5] = [&i.snd_sid, &flags, &ppid, &i.snd_context,
        &(i.snd_assoc_id as u32)];
    record(env, atoms::sctp_sndinfo(), &fields)
}

/// `#sctp_rcvinfo{sid, ssn, flags, ppid, tsn, cumtsn, context, assoc_id}`.
fn rcvinfo<'a>(env: Env<'a>, i: &sctp_rcvinfo) -> Term<'a> {
    let [flags, ppid] = info(env, i.rcv_flags, &SNDRCV_FLAGS, i.rcv_ppid);
    #[rustfmt::skip]
    let fields: [&dyn Encoder; 8] = [&i.rcv_sid, &i.rcv_ssn, &flags, &ppid, &i.rcv_tsn,
        &i.rcv_cumtsn, &i.rcv_context, &(i.rcv_assoc_id as u32)];
    record(env, atoms::sctp_rcvinfo(), &fields)
}

/// `#sctp_nxtinfo{sid, flags, ppid, length, assoc_id}`: flags `unordered` and
/// `notification` (the next message is one).
fn nxtinfo<'a>(env: Env<'a>, i: &sctp_nxtinfo) -> Term<'a> {
    const NXT_FLAGS: [(u16, Name); 2] = [
        (ffi::SCTP_UNORDERED, atoms::unordered),
        (ffi::SCTP_NOTIFICATION, atoms::notification),
    ];
    let [flags, ppid] = info(env, i.nxt_flags, &NXT_FLAGS, i.nxt_ppid);
    #[rustfmt::skip]
    let fields: [&dyn Encoder; 5] = [&i.nxt_sid, &flags, &ppid, &i.nxt_length,
        &(i.nxt_assoc_id as u32)];
    record(env, atoms::sctp_nxtinfo(), &fields)
}

/// The flags of a stream reset, assoc reset or stream change event.
const RESET_FLAGS: [(u16, Name); 4] = [
    (ffi::SCTP_STREAM_RESET_INCOMING_SSN, atoms::incoming_ssn),
    (ffi::SCTP_STREAM_RESET_OUTGOING_SSN, atoms::outgoing_ssn),
    (ffi::SCTP_STREAM_RESET_DENIED, atoms::denied),
    (ffi::SCTP_STREAM_RESET_FAILED, atoms::failed),
];

/// The undelivered payload of a send failed notification, a binary in every mode.
fn payload<'a>(env: Env<'a>, buf: &[u8], data: &std::ops::Range<usize>) -> Term<'a> {
    let payload = buf.get(data.clone()).unwrap_or(&[]);
    let mut bin = NewBinary::new(env, payload.len());
    bin.as_mut_slice().copy_from_slice(payload);
    Term::from(bin)
}

pub fn ancillary<'a>(env: Env<'a>, items: &[Ancillary]) -> Term<'a> {
    let terms: Vec<Term> = items
        .iter()
        .map(|item| match item {
            Ancillary::SndRcv(i) => sndrcvinfo(env, i),
            Ancillary::RcvInfo(i) => rcvinfo(env, i),
            Ancillary::NxtInfo(i) => nxtinfo(env, i),
            Ancillary::Tos(t) => (atoms::tos(), *t).encode(env),
            Ancillary::Tclass(t) => (atoms::tclass(), *t).encode(env),
            Ancillary::Ttl(t) => (atoms::ttl(), *t).encode(env),
        })
        .collect();
    terms.encode(env)
}

/// A state code as its atom, or the bare number for a code OTP 25 does not know.
fn named<'a>(env: Env<'a>, code: i64, names: &[Atom]) -> Term<'a> {
    match usize::try_from(code).ok().and_then(|i| names.get(i)) {
        Some(atom) => atom.encode(env),
        None => code.encode(env),
    }
}

/// A notification as its `inet_sctp.hrl` record; `buf` is the buffer it was decoded from.
pub fn notification<'a>(env: Env<'a>, n: &Notification, buf: &[u8]) -> Term<'a> {
    match n {
        Notification::AssocChange {
            state,
            error,
            outbound_streams,
            inbound_streams,
            assoc_id,
        } => {
            let states = [
                atoms::comm_up(),
                atoms::comm_lost(),
                atoms::restart(),
                atoms::shutdown_comp(),
                atoms::cant_assoc(),
            ];
            make_tuple(
                env,
                &[
                    atoms::sctp_assoc_change().encode(env),
                    named(env, *state as i64, &states),
                    error.encode(env),
                    outbound_streams.encode(env),
                    inbound_streams.encode(env),
                    assoc_id.encode(env),
                ],
            )
        }
        Notification::PaddrChange {
            addr,
            state,
            error,
            assoc_id,
        } => {
            let states = [
                atoms::addr_available(),
                atoms::addr_unreachable(),
                atoms::addr_removed(),
                atoms::addr_added(),
                atoms::addr_made_prim(),
                atoms::addr_confirmed(),
                atoms::addr_potentially_failed(),
            ];
            let (ip, port) = from_pair(env, addr.as_ref());
            make_tuple(
                env,
                &[
                    atoms::sctp_paddr_change().encode(env),
                    (ip, port).encode(env),
                    named(env, *state as i64, &states),
                    error.encode(env),
                    assoc_id.encode(env),
                ],
            )
        }
        Notification::RemoteError {
            error,
            assoc_id,
            causes,
        } => (
            atoms::sctp_remote_error(),
            *error,
            *assoc_id,
            causes.clone(),
        )
            .encode(env),
        Notification::SendFailed {
            data_sent,
            error,
            info,
            assoc_id,
            data,
        } => {
            let (info, data) = (sndrcvinfo(env, info), payload(env, buf, data));
            let fields: [&dyn Encoder; 5] = [data_sent, error, &info, &(*assoc_id as u32), &data];
            record(env, atoms::sctp_send_failed(), &fields)
        }
        Notification::ShutdownEvent { assoc_id } => {
            (atoms::sctp_shutdown_event(), *assoc_id).encode(env)
        }
        Notification::AdaptationEvent {
            indication,
            assoc_id,
        } => (atoms::sctp_adaptation_event(), *indication, *assoc_id).encode(env),
        Notification::PdapiEvent { assoc_id, .. } => (
            atoms::sctp_pdapi_event(),
            atoms::partial_delivery_aborted(),
            *assoc_id,
        )
            .encode(env),
        Notification::AuthkeyEvent {
            keynumber,
            indication,
            assoc_id,
        } => {
            let indications = [atoms::new_key(), atoms::free_key(), atoms::no_auth()];
            make_tuple(
                env,
                &[
                    atoms::sctp_authkey_event().encode(env),
                    (*assoc_id as u32).encode(env),
                    keynumber.encode(env),
                    named(env, *indication as i64, &indications),
                ],
            )
        }
        Notification::SenderDry { assoc_id } => {
            (atoms::sctp_sender_dry_event(), *assoc_id as u32).encode(env)
        }
        Notification::StreamReset {
            flags,
            assoc_id,
            streams,
        } => (
            atoms::sctp_stream_reset_event(),
            *assoc_id as u32,
            flags_term(env, *flags, &RESET_FLAGS),
            streams.clone(),
        )
            .encode(env),
        Notification::AssocReset {
            flags,
            assoc_id,
            local_tsn,
            remote_tsn,
        } => (
            atoms::sctp_assoc_reset_event(),
            *assoc_id as u32,
            flags_term(env, *flags, &RESET_FLAGS),
            *local_tsn,
            *remote_tsn,
        )
            .encode(env),
        Notification::StreamChange {
            flags,
            assoc_id,
            instrms,
            outstrms,
        } => (
            atoms::sctp_stream_change_event(),
            *assoc_id as u32,
            flags_term(env, *flags, &RESET_FLAGS),
            *instrms,
            *outstrms,
        )
            .encode(env),
        Notification::SendFailedEvent {
            flags,
            error,
            info,
            assoc_id,
            data,
        } => {
            let flags = named(
                env,
                *flags as i64,
                &[atoms::data_unsent(), atoms::data_sent()],
            );
            let (info, data) = (sndinfo(env, info), payload(env, buf, data));
            let fields: [&dyn Encoder; 5] = [&(*assoc_id as u32), &flags, error, &info, &data];
            record(env, atoms::sctp_send_failed_event(), &fields)
        }
    }
}

/// What a received message carries: user data, a notification, or an error notification
/// (which OTP delivers as `sctp_error`).
pub enum Body<'b> {
    Data(Term<'b>),
    Event(Term<'b>),
    ErrorEvent(Term<'b>),
}

/// `{sctp | sctp_error, Socket, IP, Port, {Anc, DataOrEvent}}`, the active-mode message.
pub fn active_message<'a>(
    env: Env<'a>,
    socket: Term<'a>,
    from: Option<&SocketAddr>,
    anc: Term<'a>,
    body: Body<'a>,
) -> Term<'a> {
    let (ip, port) = from_pair(env, from);
    let (tag, payload) = match body {
        Body::Data(t) | Body::Event(t) => (atoms::sctp(), t),
        Body::ErrorEvent(t) => (atoms::sctp_error(), t),
    };
    (tag, socket, ip, port, (anc, payload)).encode(env)
}

/// The passive `recv` result: `{ok, {IP, Port, Anc, DataOrEvent}}`, or for error events
/// OTP 25's `{error, {[F, P1, P0 | IPBytes], Anc, Event}}`.
pub fn passive_result<'a>(
    env: Env<'a>,
    from: Option<&SocketAddr>,
    anc: Term<'a>,
    body: Body<'a>,
) -> Term<'a> {
    match body {
        Body::ErrorEvent(ev) => {
            let raw = raw_address(env, from);
            (atoms::error(), (raw, anc, ev)).encode(env)
        }
        Body::Data(t) | Body::Event(t) => {
            let (ip, port) = from_pair(env, from);
            (atoms::ok(), (ip, port, anc, t)).encode(env)
        }
    }
}

/// The socket as users see it: `{'$inet', gen_sctp, Resource}`.
pub fn socket<'a>(env: Env<'a>, socket: &ResourceArc<Socket>) -> Term<'a> {
    (atoms::inet_tag(), atoms::gen_sctp(), socket.encode(env)).encode(env)
}

/// The payload of a received message: the notification's record, or the data as a binary
/// (a byte list in list mode).
pub fn body<'a>(env: Env<'a>, event: Option<&Notification>, bytes: &[u8], mode: Mode) -> Body<'a> {
    match event {
        Some(n) if n.is_error() => Body::ErrorEvent(notification(env, n, bytes)),
        Some(n) => Body::Event(notification(env, n, bytes)),
        None => Body::Data(match mode {
            Mode::Binary => {
                let mut bin = NewBinary::new(env, bytes.len());
                bin.as_mut_slice().copy_from_slice(bytes);
                Term::from(bin)
            }
            Mode::List => bytes.encode(env),
        }),
    }
}

/// A socket address inside an option record, as OTP's `load_inet_get_address` gives it:
/// `{IP, Port}`, or `{{unspec, <<>>}, 0}` for an empty (`AF_UNSPEC`) address and
/// `{{undefined, <<>>}, 0}` for another family.
pub fn option_sockaddr<'a>(env: Env<'a>, bytes: &[u8]) -> Term<'a> {
    if let Some((sa, _)) = crate::addr::read(bytes) {
        return sockaddr(env, &sa);
    }
    let family = bytes
        .get(0..2)
        .map_or(0, |b| u16::from_ne_bytes([b[0], b[1]]));
    let tag = if family == libc::AF_UNSPEC as u16 {
        atoms::unspec()
    } else {
        atoms::undefined()
    };
    let empty = Term::from(NewBinary::new(env, 0));
    ((tag, empty), 0).encode(env)
}

impl Error {
    pub fn reason<'a>(&self, env: Env<'a>) -> Term<'a> {
        match self {
            Error::Closed => atoms::closed().encode(env),
            Error::Badarg => atoms::badarg().encode(env),
            Error::NotOwner => Atom::from_str(env, "not_owner")
                .map(|a| a.encode(env))
                .unwrap_or_else(|_| atoms::badarg().encode(env)),
            Error::Posix(errno) => posix_atom(env, *errno),
        }
    }
}

impl Encoder for Error {
    fn encode<'a>(&self, env: Env<'a>) -> Term<'a> {
        (atoms::error(), self.reason(env)).encode(env)
    }
}

/// The errno's POSIX name in lower case as `inet:posix()` spells it; `unknown` otherwise.
fn posix_atom(env: Env<'_>, errno: i32) -> Term<'_> {
    let name = posix_name(errno);
    Atom::from_str(env, name)
        .map(|a| a.encode(env))
        .unwrap_or_else(|_| atoms::error().encode(env))
}
