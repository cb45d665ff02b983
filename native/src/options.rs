//! The option table: one row per option, naming how it is set and read. Adding an option is
//! adding a row. Rows either map to a socket option (level, name, value codec) or to state
//! kept in the socket (`active`, `mode`, `buffer`, ...).
//!
//! Record fields left `undefined` keep the socket's current value (as OTP's `connect` does).

use std::os::fd::RawFd;

use rustler::types::tuple::{get_tuple, make_tuple};
use rustler::{Atom, Decoder, Encoder, Env, Term};

use crate::atoms;
use crate::error::{einval, Error, Result};
use crate::ffi::{self, Pod, SOL_SCTP};
use crate::socket::{Active, Mode, State};

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

fn decode_active(term: Term) -> Result<Active> {
    if let Ok(b) = term.decode::<bool>() {
        return Ok(if b { Active::True } else { Active::False });
    }
    if term.decode::<Atom>().ok() == Some(atoms::once()) {
        return Ok(Active::Once);
    }
    term.decode::<i32>()
        .map(Active::Count)
        .map_err(|_| einval())
}

pub fn set_active(c: &mut Ctx, v: Term) -> Result<()> {
    match decode_active(v)? {
        Active::Count(n) => {
            let current = match c.st.active {
                Active::Count(m) => m,
                _ => 0,
            };
            let sum = current as i64 + n as i64;
            if !(-32768..=32767).contains(&sum) {
                return Err(einval());
            }
            if sum <= 0 {
                c.st.active = Active::False;
                c.passive_now = true;
            } else {
                c.st.active = Active::Count(sum as i32);
            }
        }
        other => c.st.active = other,
    }
    Ok(())
}

fn get_active<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(active_term(env, c.st.active))
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
    let size = v.decode::<i32>()?;
    if size < 0 {
        return Err(einval());
    }
    set_pod(c.fd, libc::SOL_SOCKET, libc::SO_RCVBUF, &size)?;
    // As OTP: the user buffer grows to hold what the kernel buffer may hold.
    c.st.buffer = c.st.buffer.max(size as usize);
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
        sinit_num_ostreams: field(f[0], cur.sinit_num_ostreams)?,
        sinit_max_instreams: field(f[1], cur.sinit_max_instreams)?,
        sinit_max_attempts: field(f[2], cur.sinit_max_attempts)?,
        sinit_max_init_timeo: field(f[3], cur.sinit_max_init_timeo)?,
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
        sinfo_stream: field(f[0], base.sinfo_stream)?,
        sinfo_ssn: 0,
        sinfo_flags: flags,
        sinfo_ppid: field(f[3], u32::from_be(base.sinfo_ppid))?.to_be(),
        sinfo_context: field(f[4], base.sinfo_context)?,
        sinfo_timetolive: field(f[5], base.sinfo_timetolive)?,
        sinfo_tsn: 0,
        sinfo_cumtsn: 0,
        sinfo_assoc_id: field(f[8], base.sinfo_assoc_id)?,
    })
}

fn set_default_send_param(c: &mut Ctx, v: Term) -> Result<()> {
    let assoc_id = field(record(v, "sctp_sndrcvinfo", 9)?[8], 0)?;
    let mut cur: ffi::sctp_sndrcvinfo = Pod::zeroed();
    cur.sinfo_assoc_id = assoc_id;
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
    info.sinfo_assoc_id = match arg {
        Some(t) => field(record(t, "sctp_sndrcvinfo", 9)?[8], 0)?,
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
            c.st.buffer = v.decode::<u32>()?.max(1) as usize;
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
        name: "send_timeout",
        set: Some(set_timeout),
        get: Some(get_timeout),
    },
    int_row!("sctp_autoclose", SOL_SCTP, ffi::SCTP_AUTOCLOSE),
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
];

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

/// Applies options in order; the first failure stops and is returned.
pub fn set(c: &mut Ctx, opts: &[Term]) -> Result<()> {
    for &opt in opts {
        let (name, value) = name_value(opt)?;
        let setter = row(&name).and_then(|r| r.set).ok_or_else(einval)?;
        setter(c, value)?;
    }
    Ok(())
}

/// Reads options: each is `Name` or `{Name, RequestRecord}`. A record option whose read
/// fails is left out of the result, as OTP does.
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
            Err(Error::Posix(_)) if arg.is_some() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out.encode(env))
}
