//! Erlang terms to kernel values, the reverse of `terms`: numbers range-checked to their
//! C type, records, flag lists, association ids, socket addresses and the send parameters
//! (`#sctp_sndrcvinfo{}`, RFC 6458's send infos).
//! A term that does not fit is `einval`; `undefined` in a record field keeps a current
//! value where the caller gives one.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::ops::BitOr;

use rustler::types::tuple::get_tuple;
use rustler::{Atom, Decoder, NifResult, Term};

use crate::addr::{self, RawSockAddr};
use crate::atoms;
use crate::error::{einval, Result};
use crate::ffi::{self, AssocId};
use crate::flow::{Active, ActiveSetting};

/// An atom, as `rustler::atoms!` gives them.
pub type Name = fn() -> Atom;

mod names {
    pub use crate::atoms::ttl;
    rustler::atoms! { any, loopback, none, rtx, prio, all }
}

/// The PR-SCTP policies of `#sctp_prinfo{}`, `#sctp_default_prinfo{}` and
/// `#sctp_prstatus{}`; `all` only in a status request.
#[rustfmt::skip]
pub const PR_POLICIES: [(u16, Name); 5] = [
    (ffi::SCTP_PR_SCTP_NONE, names::none), (ffi::SCTP_PR_SCTP_TTL, names::ttl),
    (ffi::SCTP_PR_SCTP_RTX, names::rtx), (ffi::SCTP_PR_SCTP_PRIO, names::prio),
    (ffi::SCTP_PR_SCTP_ALL, names::all),
];

/// The chunk types `sctp_auth_chunk` takes by name: those of RFC 9260 section 3.2 and of
/// the extensions that add them (RFC 3758 FORWARD TSN, RFC 4820 PAD, RFC 5061 ASCONF,
/// RFC 6525 RE-CONFIG, RFC 8260 I-DATA and I-FORWARD-TSN), in lowercase. INIT, INIT ACK
/// and AUTH are left out: RFC 4895 section 6.1 never authenticates them.
#[rustfmt::skip]
pub const CHUNK_TYPES: [(u8, Name); 20] = [
    (0, chunk::data), (3, chunk::sack), (4, chunk::heartbeat), (5, chunk::heartbeat_ack),
    (6, chunk::abort), (7, chunk::shutdown), (8, chunk::shutdown_ack), (9, chunk::error),
    (10, chunk::cookie_echo), (11, chunk::cookie_ack), (12, chunk::ecne), (13, chunk::cwr),
    (14, chunk::shutdown_complete), (0x40, chunk::i_data), (0x80, chunk::asconf_ack),
    (0x82, chunk::reconf), (0x84, chunk::pad), (0xc0, chunk::forward_tsn),
    (0xc1, chunk::asconf), (0xc2, chunk::i_forward_tsn),
];

mod chunk {
    pub use crate::atoms::{abort, error};
    rustler::atoms! {
        data, sack, heartbeat, heartbeat_ack, shutdown, shutdown_ack, cookie_echo,
        cookie_ack, ecne, cwr, shutdown_complete, i_data, asconf_ack, reconf, pad,
        forward_tsn, asconf, i_forward_tsn,
    }
}

/// A chunk type: its number, 0..255, or its name in `CHUNK_TYPES`; else `einval`.
pub fn chunk_type(term: Term) -> Result<u8> {
    if term.is_atom() {
        one_of(term, &CHUNK_TYPES)
    } else {
        strict_int(term)
    }
}

/// The fields of record `name` with `arity` fields, or `einval`.
pub fn record<'a>(term: Term<'a>, name: Atom, arity: usize) -> Result<Vec<Term<'a>>> {
    let items = get_tuple(term).map_err(|_| einval())?;
    if items.len() != arity + 1 || Atom::from_term(items[0]).ok() != Some(name) {
        return Err(einval());
    }
    Ok(items[1..].to_vec())
}

pub fn is_undefined(term: Term) -> bool {
    Atom::from_term(term).ok() == Some(atoms::undefined())
}

/// A record field: `undefined` keeps `current`.
pub fn decoded<'a, T: Decoder<'a>>(term: Term<'a>, current: T) -> Result<T> {
    if is_undefined(term) {
        return Ok(current);
    }
    term.decode::<T>().map_err(|_| einval())
}

/// A numeric record field: `undefined` keeps `current`; out of `T`'s range is `einval`
/// (rustler's own decoders of u8/u16 truncate).
pub fn num<T: TryFrom<i64> + Copy>(term: Term, current: T) -> Result<T> {
    if is_undefined(term) {
        return Ok(current);
    }
    strict_int(term)
}

/// An integer in `T`'s range, else `einval`.
pub fn strict_int<T: TryFrom<i64>>(term: Term) -> Result<T> {
    let wide = term.decode::<i64>().map_err(|_| einval())?;
    T::try_from(wide).map_err(|_| einval())
}

/// The items of a proper list, else `einval` (rustler's list decoders panic on an improper
/// one).
pub fn list<'a, T: Decoder<'a>>(term: Term<'a>) -> Result<Vec<T>> {
    term.list_length().map_err(|_| einval())?;
    term.decode().map_err(|_| einval())
}

/// A NIF argument that is a proper list of `T`s: an improper list is `badarg`, as a
/// malformed item is, where rustler's `Vec` decoder would panic.
pub struct List<T>(pub Vec<T>);

impl<'a, T: Decoder<'a>> Decoder<'a> for List<T> {
    fn decode(term: Term<'a>) -> NifResult<Self> {
        term.list_length()?;
        term.decode().map(List)
    }
}

/// A list of flag atoms to the union of their bits in `table`; anything else is `einval`.
pub fn flag_bits<B: Copy + Default + BitOr<Output = B>>(
    term: Term,
    table: &[(B, Name)],
) -> Result<B> {
    let mut bits = B::default();
    for flag in list::<Atom>(term)? {
        let (bit, _) = table.iter().find(|(_, n)| n() == flag).ok_or_else(einval)?;
        bits = bits | *bit;
    }
    Ok(bits)
}

/// The value whose atom `term` is in `table`, else `einval`.
pub fn one_of<B: Copy>(term: Term, table: &[(B, Name)]) -> Result<B> {
    let atom = Atom::from_term(term).map_err(|_| einval())?;
    let found = table.iter().find(|(_, name)| name() == atom);
    found.map(|(value, _)| *value).ok_or_else(einval)
}

/// An `sctp_assoc_id` field: OTP takes 0..2^32-1 and hands it to the kernel as 32 bits.
pub fn assoc_id(term: Term, current: AssocId) -> Result<AssocId> {
    Ok(num::<u32>(term, current as u32)? as AssocId)
}

pub fn required_assoc_id(term: Term) -> Result<AssocId> {
    if is_undefined(term) {
        return Err(einval());
    }
    assoc_id(term, 0)
}

// Addresses

fn decode_ip(term: Term, family: i32) -> Result<IpAddr> {
    if let Ok(name) = Atom::from_term(term) {
        let v6 = family == libc::AF_INET6;
        return match name {
            _ if name == names::any() => Ok(any_ip(family)),
            _ if name == names::loopback() && v6 => Ok(Ipv6Addr::LOCALHOST.into()),
            _ if name == names::loopback() => Ok(Ipv4Addr::LOCALHOST.into()),
            _ => Err(einval()),
        };
    }
    let parts = get_tuple(term).map_err(|_| einval())?;
    match parts.len() {
        4 => Ok(IpAddr::from(ints::<u8, 4>(&parts)?)),
        8 => Ok(IpAddr::from(ints::<u16, 8>(&parts)?)),
        _ => Err(einval()),
    }
}

fn ints<T: TryFrom<i64> + Copy + Default, const N: usize>(terms: &[Term]) -> Result<[T; N]> {
    let mut out = [T::default(); N];
    for (slot, &t) in out.iter_mut().zip(terms) {
        *slot = strict_int(t)?;
    }
    Ok(out)
}

fn any_ip(family: i32) -> IpAddr {
    if family == libc::AF_INET6 {
        Ipv6Addr::UNSPECIFIED.into()
    } else {
        Ipv4Addr::UNSPECIFIED.into()
    }
}

/// `{IP, Port}` (IP a 4- or 8-tuple, `any` or `loopback`), every number range-checked; an
/// IPv4 address is mapped for an IPv6 socket. The one decoder of addresses from Erlang.
pub fn sockaddr(term: Term, family: i32) -> Result<SocketAddr> {
    let (ip, port): (Term, Term) = term.decode().map_err(|_| einval())?;
    let port: u16 = strict_int(port)?;
    let ip = match (decode_ip(ip, family)?, family) {
        (IpAddr::V4(v4), libc::AF_INET6) => IpAddr::V6(v4.to_ipv6_mapped()),
        (ip, _) => ip,
    };
    Ok(SocketAddr::new(ip, port))
}

/// An address for bind, connect or bindx: `{IP, Port}`, or `{IP6, Port, FlowInfo, ScopeId}`
/// from an IPv6 sockaddr map, whose flow label and scope (the interface of a link-local
/// address) go to the kernel as given.
pub fn endpoint(term: Term, family: i32) -> Result<SocketAddr> {
    let Ok((ip, port, flowinfo, scope_id)) = term.decode::<(Term, Term, Term, Term)>() else {
        return sockaddr(term, family);
    };
    let IpAddr::V6(ip) = decode_ip(ip, libc::AF_INET6)? else {
        return Err(einval());
    };
    let sa = SocketAddrV6::new(
        ip,
        strict_int(port)?,
        strict_int(flowinfo)?,
        strict_int(scope_id)?,
    );
    Ok(SocketAddr::V6(sa))
}

/// An address field of an option record in the kernel's form; `undefined` is `current`,
/// or OTP's default `{any, 0}` where there is none (a key).
pub fn raw_sockaddr(term: Term, current: Option<RawSockAddr>, family: i32) -> Result<RawSockAddr> {
    let sa = match current {
        Some(current) if is_undefined(term) => return Ok(current),
        None if is_undefined(term) => SocketAddr::new(any_ip(family), 0),
        _ => sockaddr(term, family)?,
    };
    Ok(addr::to_raw(&sa).0)
}

// Send parameters

/// `sinfo_flags` bits and their atoms, in the order OTP lists them.
pub const SNDRCV_FLAGS: [(u16, Name); 4] = [
    (ffi::SCTP_UNORDERED, atoms::unordered),
    (ffi::SCTP_ADDR_OVER, atoms::addr_over),
    (ffi::SCTP_ABORT, atoms::abort),
    (ffi::SCTP_EOF, atoms::eof),
];

/// `#sctp_sndrcvinfo{}` for sending: flags from atoms, ppid to network order. `undefined`
/// fields take `base`'s values.
pub fn sndrcvinfo(v: Term, base: &ffi::sctp_sndrcvinfo) -> Result<ffi::sctp_sndrcvinfo> {
    let f = record(v, atoms::sctp_sndrcvinfo(), 9)?;
    let flags = if is_undefined(f[2]) {
        base.sinfo_flags
    } else {
        flag_bits(f[2], &SNDRCV_FLAGS)?
    };
    Ok(ffi::sctp_sndrcvinfo {
        sinfo_stream: num(f[0], base.sinfo_stream)?,
        sinfo_ssn: 0,
        sinfo_flags: flags,
        sinfo_ppid: num(f[3], u32::from_be(base.sinfo_ppid))?.to_be(),
        sinfo_context: num(f[4], base.sinfo_context)?,
        sinfo_timetolive: num(f[5], base.sinfo_timetolive)?,
        sinfo_tsn: 0,
        sinfo_cumtsn: 0,
        sinfo_assoc_id: assoc_id(f[8], base.sinfo_assoc_id)?,
    })
}

/// `#sctp_sndinfo{sid, flags, ppid, context, assoc_id}`: flags from atoms, ppid to network
/// order. `undefined` fields take `base`'s values; bits of `base`'s flags that no atom
/// names (the PR-SCTP policy that `sctp_default_prinfo` sets there) are kept.
pub fn sndinfo(v: Term, base: &ffi::sctp_sndinfo) -> Result<ffi::sctp_sndinfo> {
    let f = record(v, atoms::sctp_sndinfo(), 5)?;
    let named = SNDRCV_FLAGS.iter().fold(0, |acc, (bit, _)| acc | bit);
    let flags = if is_undefined(f[1]) {
        base.snd_flags
    } else {
        flag_bits(f[1], &SNDRCV_FLAGS)? | (base.snd_flags & !named)
    };
    Ok(ffi::sctp_sndinfo {
        snd_sid: num(f[0], base.snd_sid)?,
        snd_flags: flags,
        snd_ppid: num(f[2], u32::from_be(base.snd_ppid))?.to_be(),
        snd_context: num(f[3], base.snd_context)?,
        snd_assoc_id: assoc_id(f[4], base.snd_assoc_id)?,
    })
}

/// `#sctp_prinfo{policy, value}`: `none` (the kernel ignores the value then), `ttl`
/// (milliseconds), `rtx` (retransmissions) or `prio` (priority).
fn prinfo(v: Term) -> Result<ffi::sctp_prinfo> {
    let f = record(v, atoms::sctp_prinfo(), 2)?;
    Ok(ffi::sctp_prinfo {
        pr_policy: if is_undefined(f[0]) {
            ffi::SCTP_PR_SCTP_NONE
        } else {
            one_of(f[0], &PR_POLICIES[..4])?
        },
        pad: 0,
        pr_value: num(f[1], 0)?,
    })
}

/// What `gen_sctp:send/3` sends with: an `#sctp_sndrcvinfo{}` (SCTP_SNDRCV), or a list of
/// RFC 6458's send infos, `#sctp_sndinfo{}`, `#sctp_prinfo{}` and `#sctp_authinfo{}`, each
/// at most once. Undefined fields are 0.
pub fn send_info(term: Term) -> Result<ffi::SendInfo> {
    let mut info = ffi::SendInfo::default();
    if !term.is_list() {
        info.sndrcv = Some(sndrcvinfo(term, &Default::default())?);
        return Ok(info);
    }
    for item in list::<Term>(term)? {
        let name = get_tuple(item)
            .ok()
            .and_then(|t| Atom::from_term(*t.first()?).ok());
        match name.ok_or_else(einval)? {
            n if n == atoms::sctp_sndinfo() && info.snd.is_none() => {
                info.snd = Some(sndinfo(item, &Default::default())?);
            }
            n if n == atoms::sctp_prinfo() && info.pr.is_none() => {
                info.pr = Some(prinfo(item)?);
            }
            n if n == atoms::sctp_authinfo() && info.auth.is_none() => {
                let f = record(item, atoms::sctp_authinfo(), 1)?;
                let auth_keynumber = num(f[0], 0)?;
                info.auth = Some(ffi::sctp_authinfo { auth_keynumber });
            }
            _ => return Err(einval()),
        }
    }
    Ok(info)
}

/// `{active, true | false | once | N}`'s value.
pub fn active(term: Term) -> Result<ActiveSetting> {
    if let Ok(b) = term.decode::<bool>() {
        return Ok(ActiveSetting::Set(if b {
            Active::True
        } else {
            Active::False
        }));
    }
    if term.decode::<Atom>().ok() == Some(atoms::once()) {
        return Ok(ActiveSetting::Set(Active::Once));
    }
    // As OTP's type check: N itself is a 16-bit integer, whatever the sum.
    strict_int::<i16>(term).map(ActiveSetting::Add)
}
