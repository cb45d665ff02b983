//! The option table: a row per option, found by its name atom, saying how it is set and
//! read: a kernel integer or boolean, a record option (a `Rec` declaring the record's
//! fields), or functions for the options kept in the socket (`active`, `mode`, `buffer`,
//! ...). Adding an option is adding a row, and for a record option a `Rec`.
//!
//! Record fields left `undefined` keep the socket's current value (as OTP's `connect` does).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};
use std::ops::BitOr;
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
use libc::{IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET};

/// The atoms of this module only: option names, record names and the atoms in their values.
mod names {
    pub use crate::atoms::{closed, tclass, tos, ttl};
    rustler::atoms! {
        active, mode, buffer, recbuf, sndbuf, reuseaddr, reuseport, reuseport_lb,
        exclusiveaddruse, dontroute, priority, linger, recvtos, recvttl, recvtclass,
        ipv6_v6only, high_msgq_watermark, low_msgq_watermark, debug, non_block_send,
        send_timeout, sctp_autoclose, sctp_disable_fragments, sctp_i_want_mapped_v4_addr,
        sctp_maxseg, sctp_nodelay, sctp_events, sctp_initmsg, sctp_default_send_param,
        sctp_rtoinfo, sctp_associnfo, sctp_delayed_ack_time, sctp_adaptation_layer,
        sctp_peer_addr_params, sctp_primary_addr, sctp_set_peer_primary_addr, sctp_status,
        sctp_get_peer_addr_info, bind_to_device,
        // records
        sctp_event_subscribe, sctp_assocparams, sctp_assoc_value, sctp_setadaptation,
        sctp_paddrparams, sctp_prim, sctp_setpeerprim, sctp_paddrinfo,
        // values
        infinity, any, loopback,
        hb_enable, hb_disable, hb_demand, pmtud_enable, pmtud_disable, sackdelay_enable,
        sackdelay_disable,
        inactive, unconfirmed,
        empty, cookie_wait, cookie_echoed, established, shutdown_pending, shutdown_sent,
        shutdown_received, shutdown_ack_sent,
    }
}

/// What an option row works on.
pub struct Ctx<'s> {
    pub st: &'s mut State,
    pub fd: RawFd,
    /// Set when `{active, N}` left the count at zero: the caller sends `{sctp_passive, S}`.
    pub passive_now: bool,
}

/// An atom, as `rustler::atoms!` gives them.
type Name = fn() -> Atom;
type Setter = fn(&mut Ctx, Term) -> Result<()>;
/// Reads an option; the term is the request's argument (a record naming e.g. an assoc id).
type Getter = for<'a> fn(&mut Ctx, Env<'a>, Option<Term<'a>>) -> Result<Term<'a>>;

/// How an option is set and read. The integers are a socket option's level and name.
enum How {
    Int(i32, i32),
    /// OTP type `uint`: negative values are refused before the kernel sees them.
    Uint(i32, i32),
    Bool(i32, i32),
    /// A record at `SOL_SCTP`, see `Rec`.
    Record(&'static dyn RecordOpt),
    /// Anything else; no setter for a read-only option.
    Fns(Option<Setter>, Getter),
}

use How::{Bool, Fns, Int, Record, Uint};
use Request::{Ignored, Keys};

impl How {
    fn settable(&self) -> bool {
        match self {
            Record(r) => r.settable(),
            Fns(set, _) => set.is_some(),
            _ => true,
        }
    }

    fn set(&self, c: &mut Ctx, v: Term) -> Result<()> {
        match *self {
            Int(level, name) => set_pod(c.fd, level, name, &v.decode::<i32>()?),
            Uint(level, name) => set_pod(c.fd, level, name, &v.decode::<u32>()?),
            Bool(level, name) => set_pod(c.fd, level, name, &i32::from(v.decode::<bool>()?)),
            Record(r) => r.set(c, v),
            Fns(set, _) => set.ok_or_else(einval)?(c, v),
        }
    }

    fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
        match *self {
            Int(level, name) | Uint(level, name) => {
                Ok(get_pod(c.fd, level, name, 0i32)?.encode(env))
            }
            Bool(level, name) => Ok((get_pod(c.fd, level, name, 0i32)? != 0).encode(env)),
            Record(r) => r.get(c, env, arg),
            Fns(_, get) => get(c, env, arg),
        }
    }
}

fn get_pod<T: Pod>(fd: RawFd, level: i32, name: i32, mut value: T) -> Result<T> {
    ffi::getsockopt(fd, level, name, &mut value)?;
    Ok(value)
}

fn set_pod<T: Pod>(fd: RawFd, level: i32, name: i32, value: &T) -> Result<()> {
    ffi::setsockopt(fd, level, name, value).map_err(Error::from)
}

/// The fields of record `name` with `arity` fields, or `einval`.
fn record<'a>(term: Term<'a>, name: Atom, arity: usize) -> Result<Vec<Term<'a>>> {
    let items = get_tuple(term).map_err(|_| einval())?;
    if items.len() != arity + 1 || Atom::from_term(items[0]).ok() != Some(name) {
        return Err(einval());
    }
    Ok(items[1..].to_vec())
}

fn is_undefined(term: Term) -> bool {
    Atom::from_term(term).ok() == Some(atoms::undefined())
}

/// A record field: `undefined` keeps `current`.
fn decoded<'a, T: Decoder<'a>>(term: Term<'a>, current: T) -> Result<T> {
    if is_undefined(term) {
        return Ok(current);
    }
    term.decode::<T>().map_err(|_| einval())
}

/// A numeric record field: `undefined` keeps `current`; out of `T`'s range is `einval`
/// (rustler's own decoders of u8/u16 truncate).
fn num<T: TryFrom<i64> + Copy>(term: Term, current: T) -> Result<T> {
    if is_undefined(term) {
        return Ok(current);
    }
    strict_int(term)
}

/// A list of flag atoms to the union of their bits in `table`; anything else is `einval`.
fn flag_bits<B: Copy + Default + BitOr<Output = B>>(term: Term, table: &[(B, Name)]) -> Result<B> {
    let mut bits = B::default();
    for flag in term.decode::<Vec<Atom>>().map_err(|_| einval())? {
        let (bit, _) = table.iter().find(|(_, n)| n() == flag).ok_or_else(einval)?;
        bits = bits | *bit;
    }
    Ok(bits)
}

/// An integer in `T`'s range, else `einval`.
fn strict_int<T: TryFrom<i64>>(term: Term) -> Result<T> {
    let wide = term.decode::<i64>().map_err(|_| einval())?;
    T::try_from(wide).map_err(|_| einval())
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

fn set_buffer(c: &mut Ctx, v: Term) -> Result<()> {
    // As OTP: any int; below 1 byte becomes 1.
    c.st.buffer = v.decode::<i32>()?.max(1) as usize;
    Ok(())
}

fn set_high_watermark(c: &mut Ctx, v: Term) -> Result<()> {
    c.st.high_msgq_watermark = v.decode::<u32>()?.max(1);
    Ok(())
}

fn set_low_watermark(c: &mut Ctx, v: Term) -> Result<()> {
    c.st.low_msgq_watermark = v.decode::<u32>()?.max(1);
    Ok(())
}

fn set_non_block_send(c: &mut Ctx, v: Term) -> Result<()> {
    c.st.non_block_send = v.decode::<bool>()?;
    Ok(())
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

/// For options OTP accepts a boolean for and does nothing with.
fn accept_bool(_: &mut Ctx, v: Term) -> Result<()> {
    v.decode::<bool>().map(drop).map_err(Error::from)
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
    let l: libc::linger = get_pod(c.fd, libc::SOL_SOCKET, libc::SO_LINGER, Pod::zeroed())?;
    Ok((l.l_onoff != 0, l.l_linger).encode(env))
}

fn set_timeout(c: &mut Ctx, v: Term) -> Result<()> {
    c.st.send_timeout = if v.decode::<Atom>().ok() == Some(names::infinity()) {
        None
    } else {
        Some(v.decode::<u32>().map_err(|_| einval())?)
    };
    Ok(())
}

fn get_timeout<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(match c.st.send_timeout {
        None => names::infinity().encode(env),
        Some(ms) => ms.encode(env),
    })
}

fn set_maxseg(c: &mut Ctx, v: Term) -> Result<()> {
    let value = ffi::sctp_assoc_value {
        assoc_id: 0,
        assoc_value: v.decode::<u32>()?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_MAXSEG, &value)
}

fn get_maxseg<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let v: ffi::sctp_assoc_value = get_pod(c.fd, SOL_SCTP, ffi::SCTP_MAXSEG, Pod::zeroed())?;
    Ok(v.assoc_value.encode(env))
}

// {bind_to_device, Binary}: the interface name, `<<>>` for none.

fn set_bind_to_device(c: &mut Ctx, v: Term) -> Result<()> {
    let name = v.decode::<Binary>().map_err(|_| einval())?;
    if name.len() >= ffi::IFNAMSIZ {
        return Err(einval());
    }
    let mut dev: ffi::IfName = Pod::zeroed();
    dev.bytes[..name.len()].copy_from_slice(name.as_slice());
    set_pod(c.fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &dev)
}

fn get_bind_to_device<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let mut dev: ffi::IfName = Pod::zeroed();
    let len = ffi::getsockopt_len(c.fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, &mut dev)?;
    let name = &dev.bytes[..len];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    let mut bin = NewBinary::new(env, name.len());
    bin.as_mut_slice().copy_from_slice(name);
    Ok(Term::from(bin))
}

const SNDRCV_FLAGS: [(u16, Name); 4] = [
    (ffi::SCTP_UNORDERED, atoms::unordered),
    (ffi::SCTP_ADDR_OVER, atoms::addr_over),
    (ffi::SCTP_ABORT, atoms::abort),
    (ffi::SCTP_EOF, atoms::eof),
];

/// `#sctp_sndrcvinfo{}` for sending: flags from atoms, ppid to network order. `undefined`
/// fields take `base`'s values.
pub fn decode_sndrcvinfo(v: Term, base: &ffi::sctp_sndrcvinfo) -> Result<ffi::sctp_sndrcvinfo> {
    let f = record(v, atoms::sctp_sndrcvinfo(), 9)?;
    let flags = if decoded::<Option<Vec<Atom>>>(f[2], None)?.is_some() {
        flag_bits(f[2], &SNDRCV_FLAGS)?
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

fn set_send_param(c: &mut Ctx, v: Term) -> Result<()> {
    let id = assoc_id(record(v, atoms::sctp_sndrcvinfo(), 9)?[8], 0)?;
    let mut cur: ffi::sctp_sndrcvinfo = Pod::zeroed();
    cur.sinfo_assoc_id = id;
    let cur = get_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, cur)?;
    let new = decode_sndrcvinfo(v, &cur)?;
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, &new)?;
    c.st.send_defaults.insert(new.sinfo_assoc_id, new);
    Ok(())
}

fn get_send_param<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    let mut info: ffi::sctp_sndrcvinfo = Pod::zeroed();
    if let Some(arg) = arg {
        let f = record(arg, atoms::sctp_sndrcvinfo(), 9).map_err(|_| Error::Badarg)?;
        info.sinfo_assoc_id = assoc_id(f[8], 0).map_err(|_| Error::Badarg)?;
    }
    let info = get_pod(c.fd, SOL_SCTP, ffi::SCTP_DEFAULT_SEND_PARAM, info)?;
    Ok(terms::sndrcvinfo(env, &info))
}

// Record options (OTP's `sctp_set_opts` / `sctp_fill_opts`), each declared once as a `Rec`.
// Setting: the record's keys (association, address) make a request, read with getsockopt
// for the current value; the other fields are merged over it (`undefined` keeps it; if the
// read fails, OTP's default 0) and the result is set. Struct members that no field maps to
// stay zero. Reading: the request record names the keys; a malformed request fails the
// whole `getopts` with `einval` (`Error::Badarg` here), a failing getsockopt leaves the
// option out of the result (`Error::Posix`).

/// A record option: Erlang record `name`, whose fields in order map to the kernel struct
/// `T` of SCTP socket option `opt`.
struct Rec<T: 'static> {
    name: Name,
    opt: i32,
    request: Request,
    fields: &'static [Field<T>],
}

/// What `getopts` takes from a request `{Option, Record}`.
#[derive(Clone, Copy, PartialEq)]
enum Request {
    /// Nothing: the record, if any, is not looked at.
    Ignored,
    /// The keys; a bare option name asks with every key `undefined` (which a required key
    /// refuses).
    Keys,
}

type Put<T> = fn(new: &mut T, cur: &T, value: Term, fd: RawFd) -> Result<()>;

/// One record field, as the kernel struct member it maps to.
struct Field<T> {
    /// A key names what the kernel is asked about and goes into the request.
    key: bool,
    /// Decodes the field into `new`, given the current struct (`cur`, zero for a key) and
    /// the socket (for an address's family); `None` for a read-only field.
    put: Option<Put<T>>,
    get: for<'a> fn(&T, Env<'a>) -> Term<'a>,
}

/// A `Field` for member `$m`: `field!(kind m)`, or with the decoder written out, `field!(value
/// m |term, current, fd| expression, encoder)` where the encoder is `fn(Env, member) -> Term`.
macro_rules! field {
    // A number, range-checked to the member's type.
    (num $m:ident) => { field!(value $m |t, c, _fd| num(t, c), plain) };
    // A boolean kept in a byte.
    (flag $m:ident) => { field!(value $m |t, c, _fd| decoded(t, c != 0).map(u8::from), flag_term) };
    // The association asked about; `undefined` is 0.
    (assoc $m:ident) => { field!(@ true, $m |t, c, _fd| assoc_id(t, c), assoc_term) };
    // An association OTP requires (`[sctp_assoc_id]` in prim_inet's type table).
    (assoc_required $m:ident) => {
        field!(@ true, $m |t, _c, _fd| required_assoc_id(t), assoc_term)
    };
    // The peer address asked about; `undefined` is OTP's default `{any, 0}`.
    (peer $m:ident) => { field!(@ true, $m |t, _c, fd| addr_field(t, family(fd)), addr_term) };
    // An address to set.
    (addr $m:ident) => {
        field!(value $m |t, c, fd| if is_undefined(t) { Ok(c) } else { decode_addr(t, family(fd)) },
            addr_term)
    };
    // Read-only.
    (out $m:ident) => { field!(out $m, plain) };
    (out $m:ident, $enc:expr) => {
        Field { key: false, put: None, get: |s, env| $enc(env, { s.$m }) }
    };
    (value $m:ident |$t:ident, $c:ident, $fd:ident| $dec:expr, $enc:expr) => {
        field!(@ false, $m |$t, $c, $fd| $dec, $enc)
    };
    (@ $key:expr, $m:ident |$t:ident, $c:ident, $fd:ident| $dec:expr, $enc:expr) => {
        Field {
            key: $key,
            put: Some(|new, cur, $t, $fd| {
                let $c = { cur.$m };
                new.$m = $dec?;
                Ok(())
            }),
            get: |s, env| $enc(env, { s.$m }),
        }
    };
}

/// A record option with its struct type erased, for the table.
trait RecordOpt: Sync {
    fn settable(&self) -> bool;
    fn set(&self, c: &mut Ctx, v: Term) -> Result<()>;
    fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>>;
}

impl<T: Pod> Rec<T> {
    const fn new(name: Name, opt: i32, request: Request, fields: &'static [Field<T>]) -> Self {
        Rec {
            name,
            opt,
            request,
            fields,
        }
    }

    fn values<'a>(&self, term: Term<'a>) -> Result<Vec<Term<'a>>> {
        record(term, (self.name)(), self.fields.len())
    }

    /// The keys among `values` in an otherwise zeroed struct.
    fn keyed(&self, values: &[Term], fd: RawFd) -> Result<T> {
        let zero = T::zeroed();
        let mut req = zero;
        for (field, &v) in self.fields.iter().zip(values).filter(|(f, _)| f.key) {
            field.put.ok_or_else(einval)?(&mut req, &zero, v, fd)?;
        }
        Ok(req)
    }

    fn term<'a>(&self, env: Env<'a>, s: &T) -> Term<'a> {
        let mut all = vec![(self.name)().encode(env)];
        all.extend(self.fields.iter().map(|f| (f.get)(s, env)));
        make_tuple(env, &all)
    }
}

impl<T: Pod> RecordOpt for Rec<T> {
    fn settable(&self) -> bool {
        self.fields.iter().all(|f| f.put.is_some())
    }

    fn set(&self, c: &mut Ctx, v: Term) -> Result<()> {
        let values = self.values(v)?;
        let req = self.keyed(&values, c.fd)?;
        let cur = get_pod(c.fd, SOL_SCTP, self.opt, req).unwrap_or(req);
        let mut new = req;
        for (field, &v) in self.fields.iter().zip(&values).filter(|(f, _)| !f.key) {
            field.put.ok_or_else(einval)?(&mut new, &cur, v, c.fd)?;
        }
        set_pod(c.fd, SOL_SCTP, self.opt, &new)
    }

    fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
        let values = match arg {
            _ if self.request == Ignored => vec![],
            None => vec![atoms::undefined().to_term(env); self.fields.len()],
            Some(arg) => self.values(arg).map_err(|_| Error::Badarg)?,
        };
        let req = self.keyed(&values, c.fd).map_err(|_| Error::Badarg)?;
        let s = get_pod(c.fd, SOL_SCTP, self.opt, req)?;
        Ok(self.term(env, &s))
    }
}

fn plain<T: Encoder>(env: Env<'_>, v: T) -> Term<'_> {
    v.encode(env)
}

fn flag_term(env: Env<'_>, v: u8) -> Term<'_> {
    (v != 0).encode(env)
}

fn from_be(env: Env<'_>, v: u32) -> Term<'_> {
    u32::from_be(v).encode(env)
}

fn paddrinfo(env: Env<'_>, p: ffi::sctp_paddrinfo) -> Term<'_> {
    PADDRINFO.term(env, &p)
}

/// An `sctp_assoc_id` field: OTP takes 0..2^32-1 and hands it to the kernel as 32 bits.
fn assoc_id(term: Term, current: AssocId) -> Result<AssocId> {
    Ok(num::<u32>(term, current as u32)? as AssocId)
}

fn required_assoc_id(term: Term) -> Result<AssocId> {
    if is_undefined(term) {
        return Err(einval());
    }
    assoc_id(term, 0)
}

fn assoc_term(env: Env<'_>, id: AssocId) -> Term<'_> {
    (id as u32).encode(env)
}

/// The `spp_flags` OTP 25 knows, in the order `sctp_fill_opts` lists them.
const SPP_FLAGS: [(u32, Name); 7] = [
    (ffi::SPP_HB_ENABLE, names::hb_enable),
    (ffi::SPP_HB_DISABLE, names::hb_disable),
    (ffi::SPP_HB_DEMAND, names::hb_demand),
    (ffi::SPP_PMTUD_ENABLE, names::pmtud_enable),
    (ffi::SPP_PMTUD_DISABLE, names::pmtud_disable),
    (ffi::SPP_SACKDELAY_ENABLE, names::sackdelay_enable),
    (ffi::SPP_SACKDELAY_DISABLE, names::sackdelay_disable),
];

/// A flag list to `spp_flags`, `undefined` keeping the known ones of `current`; as OTP,
/// enabling and disabling the same thing is `einval`.
fn spp_flags(term: Term, current: u32) -> Result<u32> {
    if is_undefined(term) {
        return Ok(SPP_FLAGS.iter().fold(0, |acc, (bit, _)| acc | bit) & current);
    }
    let bits = flag_bits(term, &SPP_FLAGS)?;
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

fn spp_flags_term(env: Env<'_>, bits: u32) -> Term<'_> {
    let list: Vec<Atom> = SPP_FLAGS
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| name())
        .collect();
    list.encode(env)
}

fn assoc_state(env: Env<'_>, state: i32) -> Term<'_> {
    match state {
        ffi::SCTP_EMPTY => names::empty(),
        ffi::SCTP_CLOSED => names::closed(),
        ffi::SCTP_COOKIE_WAIT => names::cookie_wait(),
        ffi::SCTP_COOKIE_ECHOED => names::cookie_echoed(),
        ffi::SCTP_ESTABLISHED => names::established(),
        ffi::SCTP_SHUTDOWN_PENDING => names::shutdown_pending(),
        ffi::SCTP_SHUTDOWN_SENT => names::shutdown_sent(),
        ffi::SCTP_SHUTDOWN_RECEIVED => names::shutdown_received(),
        ffi::SCTP_SHUTDOWN_ACK_SENT => names::shutdown_ack_sent(),
        _ => atoms::undefined(),
    }
    .encode(env)
}

fn path_state(env: Env<'_>, state: i32) -> Term<'_> {
    match state {
        ffi::SCTP_ACTIVE => names::active(),
        ffi::SCTP_INACTIVE => names::inactive(),
        ffi::SCTP_UNCONFIRMED => names::unconfirmed(),
        _ => atoms::undefined(),
    }
    .encode(env)
}

// The record options; each field names the struct member it maps to.

#[rustfmt::skip]
static INITMSG: Rec<ffi::sctp_initmsg> = Rec::new(
    names::sctp_initmsg, ffi::SCTP_INITMSG, Ignored, &[
    field!(num sinit_num_ostreams),
    field!(num sinit_max_instreams),
    field!(num sinit_max_attempts),
    field!(num sinit_max_init_timeo),
]);

#[rustfmt::skip]
static EVENTS: Rec<ffi::sctp_event_subscribe> = Rec::new(
    names::sctp_event_subscribe, ffi::SCTP_EVENTS, Ignored, &[
    field!(flag sctp_data_io_event),
    field!(flag sctp_association_event),
    field!(flag sctp_address_event),
    field!(flag sctp_send_failure_event),
    field!(flag sctp_peer_error_event),
    field!(flag sctp_shutdown_event),
    field!(flag sctp_partial_delivery_event),
    field!(flag sctp_adaptation_layer_event),
    // Authentication events are not delivered, as in OTP 25: the field is only checked.
    field!(value sctp_authentication_event |t, _c, _fd| decoded(t, false).map(|_| 0), flag_term),
]);

#[rustfmt::skip]
static RTOINFO: Rec<ffi::sctp_rtoinfo> = Rec::new(
    names::sctp_rtoinfo, ffi::SCTP_RTOINFO, Keys, &[
    field!(assoc srto_assoc_id),
    field!(num srto_initial),
    field!(num srto_max),
    field!(num srto_min),
]);

#[rustfmt::skip]
static ASSOCPARAMS: Rec<ffi::sctp_assocparams> = Rec::new(
    names::sctp_assocparams, ffi::SCTP_ASSOCINFO, Keys, &[
    field!(assoc sasoc_assoc_id),
    field!(num sasoc_asocmaxrxt),
    field!(num sasoc_number_peer_destinations),
    field!(num sasoc_peer_rwnd),
    field!(num sasoc_local_rwnd),
    field!(num sasoc_cookie_life),
]);

/// SCTP_DELAYED_ACK_TIME, in milliseconds.
#[rustfmt::skip]
static DELAYED_ACK: Rec<ffi::sctp_assoc_value> = Rec::new(
    names::sctp_assoc_value, ffi::SCTP_DELAYED_ACK_TIME, Keys, &[
    field!(assoc assoc_id),
    field!(num assoc_value),
]);

/// OTP htonl's the indication on set and ntohl's it on get.
#[rustfmt::skip]
static ADAPTATION: Rec<ffi::sctp_setadaptation> = Rec::new(
    names::sctp_setadaptation, ffi::SCTP_ADAPTATION_LAYER, Keys, &[
    field!(value ssb_adaptation_ind |t, c, _fd| num(t, u32::from_be(c)).map(u32::to_be), from_be),
]);

#[rustfmt::skip]
static PADDRPARAMS: Rec<ffi::sctp_paddrparams> = Rec::new(
    names::sctp_paddrparams, ffi::SCTP_PEER_ADDR_PARAMS, Keys, &[
    field!(assoc spp_assoc_id),
    field!(peer spp_address),
    field!(num spp_hbinterval),
    field!(num spp_pathmaxrxt),
    field!(num spp_pathmtu),
    field!(num spp_sackdelay),
    field!(value spp_flags |t, c, _fd| spp_flags(t, c), spp_flags_term),
]);

/// `#sctp_prim{}` and `#sctp_setpeerprim{}`. SCTP_SET_PEER_PRIMARY_ADDR cannot be read on
/// Linux, so getopts leaves it out.
#[rustfmt::skip]
static PRIM_FIELDS: &[Field<ffi::sctp_prim>] = &[
    field!(assoc_required ssp_assoc_id),
    field!(addr ssp_addr),
];
#[rustfmt::skip]
static PRIM: Rec<ffi::sctp_prim> = Rec::new(
    names::sctp_prim, ffi::SCTP_PRIMARY_ADDR, Keys, PRIM_FIELDS);
#[rustfmt::skip]
static SETPEERPRIM: Rec<ffi::sctp_prim> = Rec::new(
    names::sctp_setpeerprim, ffi::SCTP_SET_PEER_PRIMARY_ADDR, Keys, PRIM_FIELDS);

#[rustfmt::skip]
static PADDRINFO: Rec<ffi::sctp_paddrinfo> = Rec::new(
    names::sctp_paddrinfo, ffi::SCTP_GET_PEER_ADDR_INFO, Keys, &[
    field!(assoc spinfo_assoc_id),
    field!(peer spinfo_address),
    field!(out spinfo_state, path_state),
    field!(out spinfo_cwnd),
    field!(out spinfo_srtt),
    field!(out spinfo_rto),
    field!(out spinfo_mtu),
]);

#[rustfmt::skip]
static STATUS: Rec<ffi::sctp_status> = Rec::new(
    names::sctp_status, ffi::SCTP_STATUS, Keys, &[
    field!(assoc_required sstat_assoc_id),
    field!(out sstat_state, assoc_state),
    field!(out sstat_rwnd),
    field!(out sstat_unackdata),
    field!(out sstat_penddata),
    field!(out sstat_instrms),
    field!(out sstat_outstrms),
    field!(out sstat_fragmentation_point),
    field!(out sstat_primary, paddrinfo),
]);

// RFC 6458 (records in include/gen_sctp_nif.hrl): one event subscribed per call, the
// receive info options, and which stream reconfiguration requests an association takes.

mod rfc6458 {
    rustler::atoms! {
        sctp_event, sctp_recvrcvinfo, sctp_recvnxtinfo, sctp_enable_stream_reset,
        association_change, peer_addr_change, remote_error, send_failed, shutdown,
        adaptation_indication, partial_delivery, authentication, sender_dry, stream_reset,
        assoc_reset, stream_change, send_failed_event,
    }
}

/// `#sctp_event.type`: the notification types (`se_type`) by name.
const EVENT_TYPES: [(u16, Name); 13] = [
    (ffi::SCTP_ASSOC_CHANGE, rfc6458::association_change),
    (ffi::SCTP_PEER_ADDR_CHANGE, rfc6458::peer_addr_change),
    (ffi::SCTP_REMOTE_ERROR, rfc6458::remote_error),
    (ffi::SCTP_SEND_FAILED, rfc6458::send_failed),
    (ffi::SCTP_SHUTDOWN_EVENT, rfc6458::shutdown),
    (
        ffi::SCTP_ADAPTATION_INDICATION,
        rfc6458::adaptation_indication,
    ),
    (ffi::SCTP_PARTIAL_DELIVERY_EVENT, rfc6458::partial_delivery),
    (ffi::SCTP_AUTHENTICATION_EVENT, rfc6458::authentication),
    (ffi::SCTP_SENDER_DRY_EVENT, rfc6458::sender_dry),
    (ffi::SCTP_STREAM_RESET_EVENT, rfc6458::stream_reset),
    (ffi::SCTP_ASSOC_RESET_EVENT, rfc6458::assoc_reset),
    (ffi::SCTP_STREAM_CHANGE_EVENT, rfc6458::stream_change),
    (ffi::SCTP_SEND_FAILED_EVENT, rfc6458::send_failed_event),
];

/// An event type's name to `se_type`; `undefined` or another term is `einval`.
fn event_type(term: Term) -> Result<u16> {
    let name = Atom::from_term(term).map_err(|_| einval())?;
    let (code, _) = EVENT_TYPES
        .iter()
        .find(|(_, n)| n() == name)
        .ok_or_else(einval)?;
    Ok(*code)
}

fn event_type_term(env: Env<'_>, code: u16) -> Term<'_> {
    match EVENT_TYPES.iter().find(|(c, _)| *c == code) {
        Some((_, name)) => name().encode(env),
        None => code.encode(env),
    }
}

/// `#sctp_event{assoc_id, type, on}`: the association (0, the default, for those to come)
/// and the type are the keys, both for setting and reading.
#[rustfmt::skip]
static EVENT: Rec<ffi::sctp_event> = Rec::new(
    rfc6458::sctp_event, ffi::SCTP_EVENT, Keys, &[
    field!(assoc se_assoc_id),
    field!(@ true, se_type |t, _c, _fd| event_type(t), event_type_term),
    field!(flag se_on),
]);

/// `#sctp_assoc_value{assoc_value = Bits}`: 1 takes stream resets, 2 association resets,
/// 4 added streams (SCTP_ENABLE_RESET_STREAM_REQ, _RESET_ASSOC_REQ, _CHANGE_ASSOC_REQ).
#[rustfmt::skip]
static ENABLE_STREAM_RESET: Rec<ffi::sctp_assoc_value> = Rec::new(
    names::sctp_assoc_value, ffi::SCTP_ENABLE_STREAM_RESET, Keys, &[
    field!(assoc assoc_id),
    field!(num assoc_value),
]);

// Addresses

/// The socket's address family (`SO_DOMAIN`).
fn family(fd: RawFd) -> i32 {
    get_pod(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, libc::AF_INET).unwrap_or(libc::AF_INET)
}

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
        return Ok(addr::to_raw(&SocketAddr::new(any_ip(family), 0)).0);
    }
    decode_addr(term, family)
}

fn addr_term(env: Env<'_>, raw: RawSockAddr) -> Term<'_> {
    terms::option_sockaddr(env, &raw.bytes)
}

// The table

#[rustfmt::skip]
static TABLE: &[(Name, How)] = &[
    (names::active, Fns(Some(set_active), get_active)),
    (names::mode, Fns(Some(set_mode), get_mode)),
    (names::buffer, Fns(Some(set_buffer), |c, env, _| Ok(c.st.buffer.encode(env)))),
    (names::recbuf,
     Fns(Some(set_recbuf), |c, env, _| Int(SOL_SOCKET, libc::SO_RCVBUF).get(c, env, None))),
    (names::sndbuf, Int(SOL_SOCKET, libc::SO_SNDBUF)),
    (names::reuseaddr, Bool(SOL_SOCKET, libc::SO_REUSEADDR)),
    // As OTP's driver on Linux: both are SO_REUSEPORT, which balances there already.
    (names::reuseport, Bool(SOL_SOCKET, libc::SO_REUSEPORT)),
    (names::reuseport_lb, Bool(SOL_SOCKET, libc::SO_REUSEPORT)),
    // Windows only: OTP's driver accepts a boolean and does nothing; getopts leaves it out.
    (names::exclusiveaddruse,
     Fns(Some(accept_bool), |_, _, _| Err(Error::Posix(libc::ENOPROTOOPT)))),
    (names::dontroute, Bool(SOL_SOCKET, libc::SO_DONTROUTE)),
    (names::priority, Int(SOL_SOCKET, libc::SO_PRIORITY)),
    (names::linger, Fns(Some(set_linger), get_linger)),
    (names::tos, Int(IPPROTO_IP, libc::IP_TOS)),
    (names::ttl, Int(IPPROTO_IP, libc::IP_TTL)),
    (names::tclass, Int(IPPROTO_IPV6, libc::IPV6_TCLASS)),
    (names::recvtos, Bool(IPPROTO_IP, libc::IP_RECVTOS)),
    (names::recvttl, Bool(IPPROTO_IP, libc::IP_RECVTTL)),
    (names::recvtclass, Bool(IPPROTO_IPV6, libc::IPV6_RECVTCLASS)),
    (names::ipv6_v6only, Bool(IPPROTO_IPV6, libc::IPV6_V6ONLY)),
    (names::high_msgq_watermark,
     Fns(Some(set_high_watermark), |c, env, _| Ok(c.st.high_msgq_watermark.encode(env)))),
    (names::low_msgq_watermark,
     Fns(Some(set_low_watermark), |c, env, _| Ok(c.st.low_msgq_watermark.encode(env)))),
    (names::debug, Fns(Some(accept_bool), |_, env, _| Ok(false.encode(env)))),
    (names::non_block_send,
     Fns(Some(set_non_block_send), |c, env, _| Ok(c.st.non_block_send.encode(env)))),
    (names::send_timeout, Fns(Some(set_timeout), get_timeout)),
    (names::sctp_autoclose, Uint(SOL_SCTP, ffi::SCTP_AUTOCLOSE)),
    (names::sctp_disable_fragments, Bool(SOL_SCTP, ffi::SCTP_DISABLE_FRAGMENTS)),
    (names::sctp_i_want_mapped_v4_addr, Bool(SOL_SCTP, ffi::SCTP_I_WANT_MAPPED_V4_ADDR)),
    (names::sctp_maxseg, Fns(Some(set_maxseg), get_maxseg)),
    (names::sctp_nodelay, Bool(SOL_SCTP, ffi::SCTP_NODELAY)),
    (names::sctp_events, Record(&EVENTS)),
    (names::sctp_initmsg, Record(&INITMSG)),
    (names::sctp_default_send_param, Fns(Some(set_send_param), get_send_param)),
    (names::sctp_rtoinfo, Record(&RTOINFO)),
    (names::sctp_associnfo, Record(&ASSOCPARAMS)),
    (names::sctp_delayed_ack_time, Record(&DELAYED_ACK)),
    (names::sctp_adaptation_layer, Record(&ADAPTATION)),
    (names::sctp_peer_addr_params, Record(&PADDRPARAMS)),
    (names::sctp_primary_addr, Record(&PRIM)),
    (names::sctp_set_peer_primary_addr, Record(&SETPEERPRIM)),
    (names::sctp_status, Record(&STATUS)),
    (names::sctp_get_peer_addr_info, Record(&PADDRINFO)),
    (names::bind_to_device, Fns(Some(set_bind_to_device), get_bind_to_device)),
    // RFC 6458
    (rfc6458::sctp_event, Record(&EVENT)),
    (rfc6458::sctp_recvrcvinfo, Bool(SOL_SCTP, ffi::SCTP_RECVRCVINFO)),
    (rfc6458::sctp_recvnxtinfo, Bool(SOL_SCTP, ffi::SCTP_RECVNXTINFO)),
    (rfc6458::sctp_enable_stream_reset, Record(&ENABLE_STREAM_RESET)),
];

fn row(name: Atom) -> Option<&'static How> {
    TABLE.iter().find(|(n, _)| n() == name).map(|(_, how)| how)
}

/// The options a peeled-off socket takes from its parent, after OTP 27.2's
/// `inet_sctp:peeloff_opts/2` (`inet6_sctp`'s for IPv6); `active` comes with
/// `State::inherit`. `tos` goes before `priority`, as setting it changes the priority
/// (Linux derives one from the TOS).
#[rustfmt::skip]
const PEELOFF_INET: &[Name] = &[
    names::sctp_nodelay, names::linger, names::reuseaddr, names::tos, names::priority,
    names::ttl, names::recvtos, names::recvttl,
];
#[rustfmt::skip]
const PEELOFF_INET6: &[Name] = &[
    names::sctp_nodelay, names::linger, names::reuseaddr, names::priority, names::tclass,
    names::recvtclass,
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
    for how in names.iter().filter_map(|name| row(name())) {
        match how.get(parent, env, None) {
            Ok(value) => how.set(child, value)?,
            Err(Error::Posix(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// An option list item as `(name, value)`: `{Name, Value}`, or the bare `binary` / `list`.
fn name_value<'a>(opt: Term<'a>) -> Result<(Atom, Term<'a>)> {
    if let Ok(name) = Atom::from_term(opt) {
        if name == atoms::binary() || name == atoms::list() {
            return Ok((names::mode(), opt));
        }
        return Err(einval());
    }
    opt.decode().map_err(|_| einval())
}

/// True if `opts` names only known, settable options (OTP's `open` raises badarg otherwise).
pub fn known(opts: &[Term]) -> bool {
    opts.iter().all(|&o| {
        name_value(o)
            .ok()
            .and_then(|(n, _)| row(n))
            .is_some_and(How::settable)
    })
}

/// Applies options in order; the first failure stops. As OTP's `sctp_set_opts`, every
/// failure, a bad value or a refusing kernel, is `einval`.
pub fn set(c: &mut Ctx, opts: &[Term]) -> Result<()> {
    for &opt in opts {
        let (name, value) = name_value(opt)?;
        let how = row(name).filter(|h| h.settable()).ok_or_else(einval)?;
        how.set(c, value).map_err(|e| match e {
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
        let (name, arg) = match Atom::from_term(opt) {
            Ok(name) => (name, None),
            Err(_) => {
                let (name, arg): (Atom, Term) = opt.decode().map_err(|_| einval())?;
                (name, Some(arg))
            }
        };
        match row(name).ok_or_else(einval)?.get(c, env, arg) {
            Ok(value) => out.push((name, value).encode(env)),
            Err(Error::Posix(_)) => {}
            Err(Error::Badarg) => return Err(einval()),
            Err(e) => return Err(e),
        }
    }
    Ok(out.encode(env))
}
