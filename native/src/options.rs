//! The option table: one row per option, naming how it is set and read. Adding an option is
//! adding a row. Rows either map to a socket option (level, name, value codec) or to state
//! kept in the socket (`active`, `mode`, `buffer`, ...).
//!
//! Record fields left `undefined` keep the socket's current value (as OTP's `connect` does).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::os::fd::RawFd;

use rustler::types::tuple::{get_tuple, make_tuple};
use rustler::{Atom, Binary, Decoder, Encoder, Env, NewBinary, Term};

use crate::addr::{self, RawSockAddr};
use crate::atoms;
use crate::error::{einval, Error, Result};
use crate::ffi::{self, AssocId, Pod, SOL_SCTP};
use crate::flow::{Active, ActiveSetting};
use crate::socket::{self, Mode, State};
use crate::terms;

/// What an option row works on.
pub struct Ctx<'s> {
    pub st: &'s mut State,
    pub fd: RawFd,
    /// Set when `{active, N}` left the count at zero: the caller sends `{sctp_passive, S}`.
    pub passive_now: bool,
}

type Setter = fn(&mut Ctx, Term) -> Result<()>;
/// Reads an option; the term is the request's argument (a record naming e.g. an assoc id).
type Getter = for<'a> fn(&mut Ctx, Env<'a>, Option<Term<'a>>) -> Result<Term<'a>>;

struct Row {
    name: &'static str,
    set: Option<Setter>,
    get: Option<Getter>,
}

macro_rules! int_row {
    ($name:literal, $level:expr, $opt:expr) => {
        Row {
            name: $name,
            set: Some(|c, v| {
                ffi::setsockopt(c.fd, $level, $opt, &v.decode::<i32>()?).map_err(Error::from)
            }),
            get: Some(|c, env, _| Ok(get_pod::<i32>(c.fd, $level, $opt, 0i32)?.encode(env))),
        }
    };
}

/// An option of OTP type `uint`: negative values are refused before the kernel sees them.
macro_rules! uint_row {
    ($name:literal, $level:expr, $opt:expr) => {
        Row {
            name: $name,
            set: Some(|c, v| {
                ffi::setsockopt(c.fd, $level, $opt, &v.decode::<u32>()?).map_err(Error::from)
            }),
            get: Some(|c, env, _| Ok(get_pod::<i32>(c.fd, $level, $opt, 0i32)?.encode(env))),
        }
    };
}

macro_rules! bool_row {
    ($name:literal, $level:expr, $opt:expr) => {
        Row {
            name: $name,
            set: Some(|c, v| {
                let on = i32::from(v.decode::<bool>()?);
                ffi::setsockopt(c.fd, $level, $opt, &on).map_err(Error::from)
            }),
            get: Some(|c, env, _| Ok((get_pod::<i32>(c.fd, $level, $opt, 0i32)? != 0).encode(env))),
        }
    };
}

fn get_pod<T: Pod>(fd: RawFd, level: i32, name: i32, mut value: T) -> Result<T> {
    ffi::getsockopt(fd, level, name, &mut value)?;
    Ok(value)
}

fn set_pod<T: Pod>(fd: RawFd, level: i32, name: i32, value: &T) -> Result<()> {
    ffi::setsockopt(fd, level, name, value).map_err(Error::from)
}

/// The fields of record `name` with `arity` fields, or badarg-ish `einval`.
fn record<'a>(term: Term<'a>, name: &str, arity: usize) -> Result<Vec<Term<'a>>> {
    let items = get_tuple(term).map_err(|_| einval())?;
    if items.len() != arity + 1 || items[0].atom_to_string().ok().as_deref() != Some(name) {
        return Err(einval());
    }
    Ok(items[1..].to_vec())
}

/// A record field: `undefined` keeps `current`.
fn field<'a, T: Decoder<'a>>(term: Term<'a>, current: T) -> Result<T> {
    if term.is_atom() && Atom::from_term(term).ok() == Some(atoms::undefined()) {
        return Ok(current);
    }
    term.decode::<T>().map_err(|_| einval())
}

/// A numeric record field: `undefined` keeps `current`; out of `T`'s range is `einval`
/// (rustler's own decoders of u8/u16 truncate).
fn num<T: TryFrom<i64> + Copy>(term: Term, current: T) -> Result<T> {
    if term.is_atom() && Atom::from_term(term).ok() == Some(atoms::undefined()) {
        return Ok(current);
    }
    strict_int(term)
}

/// An integer in `T`'s range, else `einval`.
fn strict_int<T: TryFrom<i64>>(term: Term) -> Result<T> {
    let wide = term.decode::<i64>().map_err(|_| einval())?;
    T::try_from(wide).map_err(|_| einval())
}

fn make_record<'a>(env: Env<'a>, name: &str, fields: &[Term<'a>]) -> Term<'a> {
    let mut all = Vec::with_capacity(fields.len() + 1);
    all.push(
        Atom::from_str(env, name)
            .map(|a| a.encode(env))
            .unwrap_or(fields[0]),
    );
    all.extend_from_slice(fields);
    make_tuple(env, &all)
}

fn decode_active(term: Term) -> Result<ActiveSetting> {
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

pub fn set_active(c: &mut Ctx, v: Term) -> Result<()> {
    if c.st.flow.set_active(decode_active(v)?)? {
        c.passive_now = true;
    }
    Ok(())
}

fn get_active<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(active_term(env, c.st.flow.active()))
}

/// `true | false | once | N`.
pub fn active_term(env: Env<'_>, active: Active) -> Term<'_> {
    match active {
        Active::False => false.encode(env),
        Active::True => true.encode(env),
        Active::Once => atoms::once().encode(env),
        Active::Count(n) => n.encode(env),
    }
}

fn set_mode(c: &mut Ctx, v: Term) -> Result<()> {
    let mode = v.decode::<Atom>().map_err(|_| einval())?;
    c.st.mode = if mode == atoms::binary() {
        Mode::Binary
    } else if mode == atoms::list() {
        Mode::List
    } else {
        return Err(einval());
    };
    Ok(())
}

fn get_mode<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(match c.st.mode {
        Mode::Binary => atoms::binary().encode(env),
        Mode::List => atoms::list().encode(env),
    })
}

fn set_recbuf(c: &mut Ctx, v: Term) -> Result<()> {
    // Any int, as OTP: the kernel clamps what it does not like.
    let size = v.decode::<i32>()?;
    set_pod(c.fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &size)?;
    // As OTP: the user buffer grows to hold what the kernel buffer may hold.
    if let Ok(size) = usize::try_from(size) {
        c.st.buffer = c.st.buffer.max(size);
    }
    // The kernel's value, clamped: what may be read ahead.
    c.st.flow.set_ahead_limit(socket::recbuf(c.fd));
    Ok(())
}

fn set_linger(c: &mut Ctx, v: Term) -> Result<()> {
    let (on, secs): (bool, i32) = v.decode()?;
    let l = libc::linger {
        l_onoff: i32::from(on),
        l_linger: secs,
    };
    set_pod(c.fd, libc::SOL_SOCKET, libc::SO_LINGER, &l)
}

fn get_linger<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let zero = libc::linger {
        l_onoff: 0,
        l_linger: 0,
    };
    let l = get_pod(c.fd, libc::SOL_SOCKET, libc::SO_LINGER, zero)?;
    Ok((l.l_onoff != 0, l.l_linger).encode(env))
}

fn set_initmsg(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_initmsg", 4)?;
    let cur: ffi::sctp_initmsg = get_pod(c.fd, SOL_SCTP, ffi::SCTP_INITMSG, Pod::zeroed())?;
    let new = ffi::sctp_initmsg {
        sinit_num_ostreams: num(f[0], cur.sinit_num_ostreams)?,
        sinit_max_instreams: num(f[1], cur.sinit_max_instreams)?,
        sinit_max_attempts: num(f[2], cur.sinit_max_attempts)?,
        sinit_max_init_timeo: num(f[3], cur.sinit_max_init_timeo)?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_INITMSG, &new)
}

fn get_initmsg<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let m: ffi::sctp_initmsg = get_pod(c.fd, SOL_SCTP, ffi::SCTP_INITMSG, Pod::zeroed())?;
    Ok(make_record(
        env,
        "sctp_initmsg",
        &[
            m.sinit_num_ostreams.encode(env),
            m.sinit_max_instreams.encode(env),
            m.sinit_max_attempts.encode(env),
            m.sinit_max_init_timeo.encode(env),
        ],
    ))
}

fn event_fields(e: &mut ffi::sctp_event_subscribe) -> [&mut u8; 9] {
    [
        &mut e.sctp_data_io_event,
        &mut e.sctp_association_event,
        &mut e.sctp_address_event,
        &mut e.sctp_send_failure_event,
        &mut e.sctp_peer_error_event,
        &mut e.sctp_shutdown_event,
        &mut e.sctp_partial_delivery_event,
        &mut e.sctp_adaptation_layer_event,
        &mut e.sctp_authentication_event,
    ]
}

fn set_events(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_event_subscribe", 9)?;
    let mut e: ffi::sctp_event_subscribe =
        get_pod(c.fd, SOL_SCTP, ffi::SCTP_EVENTS, Pod::zeroed())?;
    for (slot, term) in event_fields(&mut e).into_iter().zip(f) {
        *slot = u8::from(field(term, *slot != 0)?);
    }
    // Authentication events are not delivered, as in OTP 25.
    e.sctp_authentication_event = 0;
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_EVENTS, &e)
}

fn get_events<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let mut e: ffi::sctp_event_subscribe =
        get_pod(c.fd, SOL_SCTP, ffi::SCTP_EVENTS, Pod::zeroed())?;
    let values: Vec<Term> = event_fields(&mut e)
        .into_iter()
        .map(|b| (*b != 0).encode(env))
        .collect();
    Ok(make_record(env, "sctp_event_subscribe", &values))
}

/// `#sctp_sndrcvinfo{}` for sending: flags from atoms, ppid to network order. `undefined`
/// fields take `base`'s values.
pub fn decode_sndrcvinfo(v: Term, base: &ffi::sctp_sndrcvinfo) -> Result<ffi::sctp_sndrcvinfo> {
    let f = record(v, "sctp_sndrcvinfo", 9)?;
    let flags = if field::<Option<Vec<Atom>>>(f[2], None)?.is_some() {
        let mut bits = 0u16;
        for flag in f[2].decode::<Vec<Atom>>().map_err(|_| einval())? {
            bits |= if flag == atoms::unordered() {
                ffi::SCTP_UNORDERED
            } else if flag == atoms::addr_over() {
                ffi::SCTP_ADDR_OVER
            } else if flag == atoms::abort() {
                ffi::SCTP_ABORT
            } else if flag == atoms::eof() {
                ffi::SCTP_EOF
            } else {
                return Err(einval());
            };
        }
        bits
    } else {
        base.sinfo_flags
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

fn set_default_send_param(c: &mut Ctx, v: Term) -> Result<()> {
    let id = assoc_id(record(v, "sctp_sndrcvinfo", 9)?[8], 0)?;
    let mut cur: ffi::sctp_sndrcvinfo = Pod::zeroed();
    cur.sinfo_assoc_id = id;
    let cur = get_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, cur)?;
    let new = decode_sndrcvinfo(v, &cur)?;
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, &new)?;
    c.st.send_defaults.insert(new.sinfo_assoc_id, new);
    Ok(())
}

fn get_default_send_param<'a>(
    c: &mut Ctx,
    env: Env<'a>,
    arg: Option<Term<'a>>,
) -> Result<Term<'a>> {
    let mut info: ffi::sctp_sndrcvinfo = Pod::zeroed();
    info.sinfo_assoc_id = match request(arg, "sctp_sndrcvinfo", 9)? {
        Some(f) => assoc_id(f[8], 0).map_err(|_| Error::Badarg)?,
        None => 0,
    };
    let info = get_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, info)?;
    Ok(crate::terms::sndrcvinfo(env, &info))
}

fn set_maxseg(c: &mut Ctx, v: Term) -> Result<()> {
    let value = ffi::sctp_assoc_value {
        assoc_id: 0,
        assoc_value: v.decode::<u32>()?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_MAXSEG, &value)
}

fn get_maxseg<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let v = get_pod(
        c.fd,
        SOL_SCTP,
        ffi::SCTP_MAXSEG,
        ffi::sctp_assoc_value::default(),
    )?;
    Ok(v.assoc_value.encode(env))
}

fn set_timeout(c: &mut Ctx, v: Term) -> Result<()> {
    c.st.send_timeout = if v.decode::<Atom>().ok() == Some(Atom::from_str(v.get_env(), "infinity")?)
    {
        None
    } else {
        Some(v.decode::<u32>().map_err(|_| einval())?)
    };
    Ok(())
}

fn get_timeout<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(match c.st.send_timeout {
        None => Atom::from_str(env, "infinity")?.encode(env),
        Some(ms) => ms.encode(env),
    })
}

// ---------------------------------------------------------------------------------------
// Per-association record options (OTP's `sctp_set_opts` / `sctp_fill_opts`).
//
// Setters: `undefined` fields keep the current value, read with getsockopt for the same
// association (and address) first; if that read fails, they take OTP's default, 0.
// Getters: the request record names the association (and address); a malformed request
// fails the whole `getopts` with `einval` (`Error::Badarg` here), a failing getsockopt
// leaves the option out of the result (`Error::Posix`).
// ---------------------------------------------------------------------------------------

fn is_undefined(term: Term) -> bool {
    Atom::from_term(term).ok() == Some(atoms::undefined())
}

/// An `sctp_assoc_id` field: OTP takes 0..2^32-1 and hands it to the kernel as 32 bits.
fn assoc_id(term: Term, current: AssocId) -> Result<AssocId> {
    Ok(num::<u32>(term, current as u32)? as AssocId)
}

/// An assoc id field OTP requires (`[sctp_assoc_id]` in prim_inet's type table).
fn required_assoc_id(term: Term) -> Result<AssocId> {
    if is_undefined(term) {
        return Err(einval());
    }
    assoc_id(term, 0)
}

fn assoc_term<'a>(env: Env<'a>, id: AssocId) -> Term<'a> {
    (id as u32).encode(env)
}

/// The fields of a getopts request record `{Name, Record}`; `None` for a bare name.
fn request<'a>(arg: Option<Term<'a>>, name: &str, arity: usize) -> Result<Option<Vec<Term<'a>>>> {
    match arg {
        None => Ok(None),
        Some(t) => record(t, name, arity).map(Some).map_err(|_| Error::Badarg),
    }
}

/// The socket's address family (`SO_DOMAIN`).
fn family(fd: RawFd) -> i32 {
    get_pod(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, libc::AF_INET).unwrap_or(libc::AF_INET)
}

fn decode_ip(term: Term, family: i32) -> Result<IpAddr> {
    if let Ok(name) = term.atom_to_string() {
        let v6 = family == libc::AF_INET6;
        return match name.as_str() {
            "any" if v6 => Ok(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
            "any" => Ok(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            "loopback" if v6 => Ok(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            "loopback" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            _ => Err(einval()),
        };
    }
    let parts = get_tuple(term).map_err(|_| einval())?;
    match parts.len() {
        4 => {
            let mut o = [0u8; 4];
            for (slot, t) in o.iter_mut().zip(&parts) {
                *slot = strict_int(*t)?;
            }
            Ok(IpAddr::V4(Ipv4Addr::from(o)))
        }
        8 => {
            let mut w = [0u16; 8];
            for (slot, t) in w.iter_mut().zip(&parts) {
                *slot = strict_int(*t)?;
            }
            Ok(IpAddr::V6(Ipv6Addr::from(w)))
        }
        _ => Err(einval()),
    }
}

/// `{IP, Port}` (IP a 4- or 8-tuple, `any` or `loopback`), every number range-checked; an
/// IPv4 address is mapped for an IPv6 socket. The one decoder of addresses from Erlang.
pub fn decode_sockaddr(term: Term, family: i32) -> Result<SocketAddr> {
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
pub fn decode_endpoint(term: Term, family: i32) -> Result<SocketAddr> {
    let Ok((ip, port, flowinfo, scope_id)) = term.decode::<(Term, Term, Term, Term)>() else {
        return decode_sockaddr(term, family);
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

/// `decode_sockaddr` in the kernel's form.
fn decode_addr(term: Term, family: i32) -> Result<RawSockAddr> {
    Ok(addr::to_raw(&decode_sockaddr(term, family)?).0)
}

/// An address field; `undefined` is OTP's default `{any, 0}`.
fn addr_field(term: Term, family: i32) -> Result<RawSockAddr> {
    if is_undefined(term) {
        return decode_addr_any(family);
    }
    decode_addr(term, family)
}

fn decode_addr_any(family: i32) -> Result<RawSockAddr> {
    let ip = if family == libc::AF_INET6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    Ok(addr::to_raw(&SocketAddr::new(ip, 0)).0)
}

fn addr_term<'a>(env: Env<'a>, raw: RawSockAddr) -> Term<'a> {
    terms::option_sockaddr(env, &raw.bytes)
}

/// The socket's current value for a request, or the request itself (all zeros but the
/// keys) when the kernel has none.
fn current<T: Pod>(fd: RawFd, name: i32, req: T) -> T {
    get_pod(fd, SOL_SCTP, name, req).unwrap_or(req)
}

fn atom<'a>(env: Env<'a>, name: &str) -> Term<'a> {
    Atom::from_str(env, name)
        .map(|a| a.encode(env))
        .unwrap_or_else(|_| atoms::undefined().encode(env))
}

// #sctp_rtoinfo{assoc_id, initial, max, min}

fn set_rtoinfo(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_rtoinfo", 4)?;
    let req = ffi::sctp_rtoinfo {
        srto_assoc_id: assoc_id(f[0], 0)?,
        ..Default::default()
    };
    let cur = current(c.fd, ffi::SCTP_RTOINFO, req);
    let new = ffi::sctp_rtoinfo {
        srto_assoc_id: req.srto_assoc_id,
        srto_initial: num(f[1], cur.srto_initial)?,
        srto_max: num(f[2], cur.srto_max)?,
        srto_min: num(f[3], cur.srto_min)?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_RTOINFO, &new)
}

fn get_rtoinfo<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let id = match request(arg, "sctp_rtoinfo", 4)? {
        Some(f) => assoc_id(f[0], 0).map_err(|_| Error::Badarg)?,
        None => 0,
    };
    let req = ffi::sctp_rtoinfo {
        srto_assoc_id: id,
        ..Default::default()
    };
    let r = get_pod(c.fd, SOL_SCTP, ffi::SCTP_RTOINFO, req)?;
    Ok(make_record(
        env,
        "sctp_rtoinfo",
        &[
            assoc_term(env, r.srto_assoc_id),
            r.srto_initial.encode(env),
            r.srto_max.encode(env),
            r.srto_min.encode(env),
        ],
    ))
}

// #sctp_assocparams{assoc_id, asocmaxrxt, number_peer_destinations, peer_rwnd, local_rwnd,
// cookie_life}

fn set_associnfo(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_assocparams", 6)?;
    let req = ffi::sctp_assocparams {
        sasoc_assoc_id: assoc_id(f[0], 0)?,
        ..Default::default()
    };
    let cur = current(c.fd, ffi::SCTP_ASSOCINFO, req);
    let new = ffi::sctp_assocparams {
        sasoc_assoc_id: req.sasoc_assoc_id,
        sasoc_asocmaxrxt: num(f[1], cur.sasoc_asocmaxrxt)?,
        sasoc_number_peer_destinations: num(f[2], cur.sasoc_number_peer_destinations)?,
        sasoc_peer_rwnd: num(f[3], cur.sasoc_peer_rwnd)?,
        sasoc_local_rwnd: num(f[4], cur.sasoc_local_rwnd)?,
        sasoc_cookie_life: num(f[5], cur.sasoc_cookie_life)?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_ASSOCINFO, &new)
}

fn get_associnfo<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let id = match request(arg, "sctp_assocparams", 6)? {
        Some(f) => assoc_id(f[0], 0).map_err(|_| Error::Badarg)?,
        None => 0,
    };
    let req = ffi::sctp_assocparams {
        sasoc_assoc_id: id,
        ..Default::default()
    };
    let p = get_pod(c.fd, SOL_SCTP, ffi::SCTP_ASSOCINFO, req)?;
    Ok(make_record(
        env,
        "sctp_assocparams",
        &[
            assoc_term(env, p.sasoc_assoc_id),
            p.sasoc_asocmaxrxt.encode(env),
            p.sasoc_number_peer_destinations.encode(env),
            p.sasoc_peer_rwnd.encode(env),
            p.sasoc_local_rwnd.encode(env),
            p.sasoc_cookie_life.encode(env),
        ],
    ))
}

// #sctp_assoc_value{assoc_id, assoc_value} for SCTP_DELAYED_ACK_TIME (milliseconds)

fn set_delayed_ack_time(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_assoc_value", 2)?;
    let req = ffi::sctp_assoc_value {
        assoc_id: assoc_id(f[0], 0)?,
        assoc_value: 0,
    };
    let cur = current(c.fd, ffi::SCTP_DELAYED_ACK_TIME, req);
    let new = ffi::sctp_assoc_value {
        assoc_id: req.assoc_id,
        assoc_value: num(f[1], cur.assoc_value)?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_DELAYED_ACK_TIME, &new)
}

fn get_delayed_ack_time<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let id = match request(arg, "sctp_assoc_value", 2)? {
        Some(f) => assoc_id(f[0], 0).map_err(|_| Error::Badarg)?,
        None => 0,
    };
    let req = ffi::sctp_assoc_value {
        assoc_id: id,
        assoc_value: 0,
    };
    let v = get_pod(c.fd, SOL_SCTP, ffi::SCTP_DELAYED_ACK_TIME, req)?;
    Ok(make_record(
        env,
        "sctp_assoc_value",
        &[assoc_term(env, v.assoc_id), v.assoc_value.encode(env)],
    ))
}

// #sctp_setadaptation{adaptation_ind}: OTP htonl's on set and ntohl's on get.

fn set_adaptation_layer(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_setadaptation", 1)?;
    let cur = current(
        c.fd,
        ffi::SCTP_ADAPTATION_LAYER,
        ffi::sctp_setadaptation::default(),
    );
    let ind: u32 = num(f[0], u32::from_be(cur.ssb_adaptation_ind))?;
    let new = ffi::sctp_setadaptation {
        ssb_adaptation_ind: ind.to_be(),
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_ADAPTATION_LAYER, &new)
}

fn get_adaptation_layer<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    request(arg, "sctp_setadaptation", 1)?;
    let a = get_pod(
        c.fd,
        SOL_SCTP,
        ffi::SCTP_ADAPTATION_LAYER,
        ffi::sctp_setadaptation::default(),
    )?;
    Ok(make_record(
        env,
        "sctp_setadaptation",
        &[u32::from_be(a.ssb_adaptation_ind).encode(env)],
    ))
}

// #sctp_paddrparams{assoc_id, address, hbinterval, pathmaxrxt, pathmtu, sackdelay, flags}

/// The flags OTP 25 knows, in the order `sctp_fill_opts` lists them.
fn spp_flag_names() -> [(u32, &'static str); 7] {
    [
        (ffi::SPP_HB_ENABLE, "hb_enable"),
        (ffi::SPP_HB_DISABLE, "hb_disable"),
        (ffi::SPP_HB_DEMAND, "hb_demand"),
        (ffi::SPP_PMTUD_ENABLE, "pmtud_enable"),
        (ffi::SPP_PMTUD_DISABLE, "pmtud_disable"),
        (ffi::SPP_SACKDELAY_ENABLE, "sackdelay_enable"),
        (ffi::SPP_SACKDELAY_DISABLE, "sackdelay_disable"),
    ]
}

/// A flag list to `spp_flags`; as OTP, enabling and disabling the same thing is `einval`.
fn decode_spp_flags(term: Term) -> Result<u32> {
    let names = spp_flag_names();
    let mut bits = 0;
    for flag in term.decode::<Vec<Term>>().map_err(|_| einval())? {
        let name = flag.atom_to_string().map_err(|_| einval())?;
        let (bit, _) = names.iter().find(|(_, n)| *n == name).ok_or_else(einval)?;
        bits |= bit;
    }
    for (on, off) in [
        (ffi::SPP_HB_ENABLE, ffi::SPP_HB_DISABLE),
        (ffi::SPP_PMTUD_ENABLE, ffi::SPP_PMTUD_DISABLE),
        (ffi::SPP_SACKDELAY_ENABLE, ffi::SPP_SACKDELAY_DISABLE),
    ] {
        if bits & on != 0 && bits & off != 0 {
            return Err(einval());
        }
    }
    Ok(bits)
}

fn spp_flags_term<'a>(env: Env<'a>, bits: u32) -> Term<'a> {
    let list: Vec<Term> = spp_flag_names()
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| atom(env, name))
        .collect();
    list.encode(env)
}

fn paddrparams_request(assoc: AssocId, address: RawSockAddr) -> ffi::sctp_paddrparams {
    let mut p: ffi::sctp_paddrparams = Pod::zeroed();
    p.spp_assoc_id = assoc;
    p.spp_address = address;
    p
}

fn set_peer_addr_params(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, "sctp_paddrparams", 7)?;
    let req = paddrparams_request(assoc_id(f[0], 0)?, addr_field(f[1], family(c.fd))?);
    let cur = current(c.fd, ffi::SCTP_PEER_ADDR_PARAMS, req);
    let known = spp_flag_names().iter().fold(0, |acc, (bit, _)| acc | bit);
    let flags = if is_undefined(f[6]) {
        cur.spp_flags & known
    } else {
        decode_spp_flags(f[6])?
    };
    let mut new = req;
    new.spp_hbinterval = num(f[2], cur.spp_hbinterval)?;
    new.spp_pathmaxrxt = num(f[3], cur.spp_pathmaxrxt)?;
    new.spp_pathmtu = num(f[4], cur.spp_pathmtu)?;
    new.spp_sackdelay = num(f[5], cur.spp_sackdelay)?;
    new.spp_flags = flags;
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_PEER_ADDR_PARAMS, &new)
}

fn get_peer_addr_params<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let fam = family(c.fd);
    let req = match request(arg, "sctp_paddrparams", 7)? {
        Some(f) => paddrparams_request(
            assoc_id(f[0], 0).map_err(|_| Error::Badarg)?,
            addr_field(f[1], fam).map_err(|_| Error::Badarg)?,
        ),
        None => paddrparams_request(0, decode_addr_any(fam)?),
    };
    let p = get_pod(c.fd, SOL_SCTP, ffi::SCTP_PEER_ADDR_PARAMS, req)?;
    Ok(make_record(
        env,
        "sctp_paddrparams",
        &[
            assoc_term(env, p.spp_assoc_id),
            addr_term(env, p.spp_address),
            { p.spp_hbinterval }.encode(env),
            { p.spp_pathmaxrxt }.encode(env),
            { p.spp_pathmtu }.encode(env),
            { p.spp_sackdelay }.encode(env),
            spp_flags_term(env, p.spp_flags),
        ],
    ))
}

// #sctp_prim{assoc_id, addr} and #sctp_setpeerprim{assoc_id, addr}: the assoc id is
// required. SCTP_SET_PEER_PRIMARY_ADDR cannot be read on Linux, so getopts leaves it out.

fn set_prim(c: &mut Ctx, v: Term, name: &str, opt: i32) -> Result<()> {
    let f = record(v, name, 2)?;
    let mut new: ffi::sctp_prim = Pod::zeroed();
    new.ssp_assoc_id = required_assoc_id(f[0])?;
    new.ssp_addr = if is_undefined(f[1]) {
        get_pod(c.fd, SOL_SCTP, opt, new)?.ssp_addr
    } else {
        decode_addr(f[1], family(c.fd))?
    };
    set_pod(c.fd, SOL_SCTP, opt, &new)
}

fn get_prim<'a>(
    c: &mut Ctx,
    env: Env<'a>,
    arg: Option<Term<'a>>,
    name: &str,
    opt: i32,
) -> Result<Term<'a>> {
    let f = request(arg, name, 2)?.ok_or(Error::Badarg)?;
    let mut req: ffi::sctp_prim = Pod::zeroed();
    req.ssp_assoc_id = required_assoc_id(f[0]).map_err(|_| Error::Badarg)?;
    let p = get_pod(c.fd, SOL_SCTP, opt, req)?;
    Ok(make_record(
        env,
        name,
        &[assoc_term(env, p.ssp_assoc_id), addr_term(env, p.ssp_addr)],
    ))
}

// Read-only: #sctp_status{} and #sctp_paddrinfo{}.

fn paddrinfo_term<'a>(env: Env<'a>, p: &ffi::sctp_paddrinfo) -> Term<'a> {
    let p = *p;
    let state = match p.spinfo_state {
        ffi::SCTP_ACTIVE => "active",
        ffi::SCTP_INACTIVE => "inactive",
        ffi::SCTP_UNCONFIRMED => "unconfirmed",
        _ => "undefined",
    };
    make_record(
        env,
        "sctp_paddrinfo",
        &[
            assoc_term(env, p.spinfo_assoc_id),
            addr_term(env, p.spinfo_address),
            atom(env, state),
            { p.spinfo_cwnd }.encode(env),
            { p.spinfo_srtt }.encode(env),
            { p.spinfo_rto }.encode(env),
            { p.spinfo_mtu }.encode(env),
        ],
    )
}

fn get_status<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let f = request(arg, "sctp_status", 9)?.ok_or(Error::Badarg)?;
    let mut req: ffi::sctp_status = Pod::zeroed();
    req.sstat_assoc_id = required_assoc_id(f[0]).map_err(|_| Error::Badarg)?;
    let s = get_pod(c.fd, SOL_SCTP, ffi::SCTP_STATUS, req)?;
    let state = match s.sstat_state {
        ffi::SCTP_EMPTY => "empty",
        ffi::SCTP_CLOSED => "closed",
        ffi::SCTP_COOKIE_WAIT => "cookie_wait",
        ffi::SCTP_COOKIE_ECHOED => "cookie_echoed",
        ffi::SCTP_ESTABLISHED => "established",
        ffi::SCTP_SHUTDOWN_PENDING => "shutdown_pending",
        ffi::SCTP_SHUTDOWN_SENT => "shutdown_sent",
        ffi::SCTP_SHUTDOWN_RECEIVED => "shutdown_received",
        ffi::SCTP_SHUTDOWN_ACK_SENT => "shutdown_ack_sent",
        _ => "undefined",
    };
    Ok(make_record(
        env,
        "sctp_status",
        &[
            assoc_term(env, s.sstat_assoc_id),
            atom(env, state),
            s.sstat_rwnd.encode(env),
            s.sstat_unackdata.encode(env),
            s.sstat_penddata.encode(env),
            s.sstat_instrms.encode(env),
            s.sstat_outstrms.encode(env),
            s.sstat_fragmentation_point.encode(env),
            paddrinfo_term(env, &s.sstat_primary),
        ],
    ))
}

fn get_peer_addr_info<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let fam = family(c.fd);
    let mut req: ffi::sctp_paddrinfo = Pod::zeroed();
    match request(arg, "sctp_paddrinfo", 7)? {
        Some(f) => {
            req.spinfo_assoc_id = assoc_id(f[0], 0).map_err(|_| Error::Badarg)?;
            req.spinfo_address = addr_field(f[1], fam).map_err(|_| Error::Badarg)?;
        }
        None => req.spinfo_address = decode_addr_any(fam)?,
    }
    let p = get_pod(c.fd, SOL_SCTP, ffi::SCTP_GET_PEER_ADDR_INFO, req)?;
    Ok(paddrinfo_term(env, &p))
}

// {bind_to_device, Binary}: the interface name, `<<>>` for none.

fn set_bind_to_device(c: &mut Ctx, v: Term) -> Result<()> {
    let name = v.decode::<Binary>().map_err(|_| einval())?;
    if name.len() >= ffi::IFNAMSIZ {
        return Err(einval());
    }
    let mut dev = ffi::IfName {
        bytes: [0; ffi::IFNAMSIZ],
    };
    dev.bytes[..name.len()].copy_from_slice(name.as_slice());
    set_pod(c.fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &dev)
}

fn get_bind_to_device<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let mut dev = ffi::IfName {
        bytes: [0; ffi::IFNAMSIZ],
    };
    let len = ffi::getsockopt_len(c.fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &mut dev)?;
    let name = &dev.bytes[..len];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    let mut bin = NewBinary::new(env, name.len());
    bin.as_mut_slice().copy_from_slice(name);
    Ok(Term::from(bin))
}

static TABLE: &[Row] = &[
    Row {
        name: "active",
        set: Some(set_active),
        get: Some(get_active),
    },
    Row {
        name: "mode",
        set: Some(set_mode),
        get: Some(get_mode),
    },
    Row {
        name: "buffer",
        set: Some(|c, v| {
            // As OTP: any int; below 1 byte becomes 1.
            c.st.buffer = v.decode::<i32>()?.max(1) as usize;
            Ok(())
        }),
        get: Some(|c, env, _| Ok(c.st.buffer.encode(env))),
    },
    Row {
        name: "recbuf",
        set: Some(set_recbuf),
        get: Some(|c, env, _| {
            Ok(get_pod(c.fd, libc::SOL_SOCKET, libc::SO_RCVBUF, 0i32)?.encode(env))
        }),
    },
    int_row!("sndbuf", libc::SOL_SOCKET, libc::SO_SNDBUF),
    bool_row!("reuseaddr", libc::SOL_SOCKET, libc::SO_REUSEADDR),
    // As OTP's driver on Linux: both are SO_REUSEPORT, which balances there already.
    bool_row!("reuseport", libc::SOL_SOCKET, libc::SO_REUSEPORT),
    bool_row!("reuseport_lb", libc::SOL_SOCKET, libc::SO_REUSEPORT),
    Row {
        // Windows only: OTP's driver accepts a boolean and does nothing; getopts leaves
        // it out of the result.
        name: "exclusiveaddruse",
        set: Some(|_, v| v.decode::<bool>().map(drop).map_err(Error::from)),
        get: Some(|_, _, _| Err(Error::Posix(libc::ENOPROTOOPT))),
    },
    bool_row!("dontroute", libc::SOL_SOCKET, libc::SO_DONTROUTE),
    int_row!("priority", libc::SOL_SOCKET, libc::SO_PRIORITY),
    Row {
        name: "linger",
        set: Some(set_linger),
        get: Some(get_linger),
    },
    int_row!("tos", libc::IPPROTO_IP, libc::IP_TOS),
    int_row!("ttl", libc::IPPROTO_IP, libc::IP_TTL),
    int_row!("tclass", libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
    bool_row!("recvtos", libc::IPPROTO_IP, libc::IP_RECVTOS),
    bool_row!("recvttl", libc::IPPROTO_IP, libc::IP_RECVTTL),
    bool_row!("recvtclass", libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
    bool_row!("ipv6_v6only", libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
    Row {
        name: "high_msgq_watermark",
        set: Some(|c, v| {
            c.st.high_msgq_watermark = v.decode::<u32>()?.max(1);
            Ok(())
        }),
        get: Some(|c, env, _| Ok(c.st.high_msgq_watermark.encode(env))),
    },
    Row {
        name: "low_msgq_watermark",
        set: Some(|c, v| {
            c.st.low_msgq_watermark = v.decode::<u32>()?.max(1);
            Ok(())
        }),
        get: Some(|c, env, _| Ok(c.st.low_msgq_watermark.encode(env))),
    },
    Row {
        name: "debug",
        set: Some(|_, v| v.decode::<bool>().map(drop).map_err(Error::from)),
        get: Some(|_, env, _| Ok(false.encode(env))),
    },
    Row {
        name: "non_block_send",
        set: Some(|c, v| {
            c.st.non_block_send = v.decode::<bool>()?;
            Ok(())
        }),
        get: Some(|c, env, _| Ok(c.st.non_block_send.encode(env))),
    },
    Row {
        name: "send_timeout",
        set: Some(set_timeout),
        get: Some(get_timeout),
    },
    uint_row!("sctp_autoclose", SOL_SCTP, ffi::SCTP_AUTOCLOSE),
    bool_row!(
        "sctp_disable_fragments",
        SOL_SCTP,
        ffi::SCTP_DISABLE_FRAGMENTS
    ),
    bool_row!(
        "sctp_i_want_mapped_v4_addr",
        SOL_SCTP,
        ffi::SCTP_I_WANT_MAPPED_V4_ADDR
    ),
    Row {
        name: "sctp_maxseg",
        set: Some(set_maxseg),
        get: Some(get_maxseg),
    },
    bool_row!("sctp_nodelay", SOL_SCTP, ffi::SCTP_NODELAY),
    Row {
        name: "sctp_events",
        set: Some(set_events),
        get: Some(get_events),
    },
    Row {
        name: "sctp_initmsg",
        set: Some(set_initmsg),
        get: Some(get_initmsg),
    },
    Row {
        name: "sctp_default_send_param",
        set: Some(set_default_send_param),
        get: Some(get_default_send_param),
    },
    Row {
        name: "sctp_rtoinfo",
        set: Some(set_rtoinfo),
        get: Some(get_rtoinfo),
    },
    Row {
        name: "sctp_associnfo",
        set: Some(set_associnfo),
        get: Some(get_associnfo),
    },
    Row {
        name: "sctp_delayed_ack_time",
        set: Some(set_delayed_ack_time),
        get: Some(get_delayed_ack_time),
    },
    Row {
        name: "sctp_adaptation_layer",
        set: Some(set_adaptation_layer),
        get: Some(get_adaptation_layer),
    },
    Row {
        name: "sctp_peer_addr_params",
        set: Some(set_peer_addr_params),
        get: Some(get_peer_addr_params),
    },
    Row {
        name: "sctp_primary_addr",
        set: Some(|c, v| set_prim(c, v, "sctp_prim", ffi::SCTP_PRIMARY_ADDR)),
        get: Some(|c, env, arg| get_prim(c, env, arg, "sctp_prim", ffi::SCTP_PRIMARY_ADDR)),
    },
    Row {
        name: "sctp_set_peer_primary_addr",
        set: Some(|c, v| set_prim(c, v, "sctp_setpeerprim", ffi::SCTP_SET_PEER_PRIMARY_ADDR)),
        get: Some(|c, env, arg| {
            get_prim(
                c,
                env,
                arg,
                "sctp_setpeerprim",
                ffi::SCTP_SET_PEER_PRIMARY_ADDR,
            )
        }),
    },
    Row {
        name: "sctp_status",
        set: None,
        get: Some(get_status),
    },
    Row {
        name: "sctp_get_peer_addr_info",
        set: None,
        get: Some(get_peer_addr_info),
    },
    Row {
        name: "bind_to_device",
        set: Some(set_bind_to_device),
        get: Some(get_bind_to_device),
    },
];

/// The options a peeled-off socket takes from its parent, after OTP 27.2's
/// `inet_sctp:peeloff_opts/2` (`inet6_sctp`'s for IPv6); `active` comes with
/// `State::inherit`. `tos` goes before `priority`, as setting it changes the priority
/// (Linux derives one from the TOS).
const PEELOFF_INET: &[&str] = &[
    "sctp_nodelay",
    "linger",
    "reuseaddr",
    "tos",
    "priority",
    "ttl",
    "recvtos",
    "recvttl",
];
const PEELOFF_INET6: &[&str] = &[
    "sctp_nodelay",
    "linger",
    "reuseaddr",
    "priority",
    "tclass",
    "recvtclass",
];

/// Copies the options of `PEELOFF_INET(6)` from the parent's context to the child's, each
/// read from the parent's kernel socket and set on the child's. One the parent cannot read
/// is skipped, as `getopts` leaves it out; one the child refuses fails the copy.
pub fn copy_peeloff(env: Env, parent: &mut Ctx, child: &mut Ctx, family: i32) -> Result<()> {
    let names = if family == libc::AF_INET6 {
        PEELOFF_INET6
    } else {
        PEELOFF_INET
    };
    for row in names.iter().filter_map(|name| row(name)) {
        let (Some(get), Some(set)) = (row.get, row.set) else {
            continue;
        };
        match get(parent, env, None) {
            Ok(value) => set(child, value)?,
            Err(Error::Posix(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn row(name: &str) -> Option<&'static Row> {
    TABLE.iter().find(|r| r.name == name)
}

/// An option list item as `(name, value)`: `{Name, Value}`, or the bare `binary` / `list`.
fn name_value<'a>(opt: Term<'a>) -> Result<(String, Term<'a>)> {
    if let Ok(name) = opt.atom_to_string() {
        if name == "binary" || name == "list" {
            return Ok(("mode".into(), opt));
        }
        return Err(einval());
    }
    let (name, value): (Atom, Term) = opt.decode().map_err(|_| einval())?;
    Ok((name.to_term(opt.get_env()).atom_to_string()?, value))
}

/// True if `opts` names only known, settable options (OTP's `open` raises badarg otherwise).
pub fn known(opts: &[Term]) -> bool {
    opts.iter().all(|&o| {
        name_value(o)
            .ok()
            .and_then(|(n, _)| row(&n))
            .is_some_and(|r| r.set.is_some())
    })
}

/// Applies options in order; the first failure stops. As OTP's `sctp_set_opts`, every
/// failure, a bad value or a refusing kernel, is `einval`.
pub fn set(c: &mut Ctx, opts: &[Term]) -> Result<()> {
    for &opt in opts {
        let (name, value) = name_value(opt)?;
        let setter = row(&name).and_then(|r| r.set).ok_or_else(einval)?;
        setter(c, value).map_err(|e| match e {
            Error::Posix(_) | Error::Badarg => einval(),
            other => other,
        })?;
    }
    Ok(())
}

/// Reads options: each is `Name` or `{Name, RequestRecord}`. As OTP's `sctp_fill_opts`,
/// an option whose getsockopt fails is left out of the result; an unknown option or a
/// malformed request record fails the call with `einval`.
pub fn get<'a>(c: &mut Ctx, env: Env<'a>, opts: &[Term<'a>]) -> Result<Term<'a>> {
    let mut out = Vec::with_capacity(opts.len());
    for &opt in opts {
        let (name, arg) = match opt.atom_to_string() {
            Ok(name) => (name, None),
            Err(_) => {
                let (name, arg): (Atom, Term) = opt.decode().map_err(|_| einval())?;
                (name.to_term(env).atom_to_string()?, Some(arg))
            }
        };
        let getter = row(&name).and_then(|r| r.get).ok_or_else(einval)?;
        match getter(c, env, arg) {
            Ok(value) => out.push((Atom::from_str(env, &name)?, value).encode(env)),
            Err(Error::Posix(_)) => {}
            Err(Error::Badarg) => return Err(einval()),
            Err(e) => return Err(e),
        }
    }
    Ok(out.encode(env))
}
