//! The kinds of rows of the option table (`options`): how a row sets and reads its
//! option. A kernel integer or boolean, a record option (a `Rec`, declaring the record's
//! fields once, each a `Field` made with `field!`, and one generic get and set for all),
//! a record's one value field set and read bare, or functions of the row's own. Also what
//! rows share: the encoders of fields, `kept!` for values kept in the socket's `State`,
//! `accept_bool` and `set_only`, and `ByAssoc`, a struct read and merged by association
//! (the default send parameters).

use std::os::fd::RawFd;

use rustler::types::tuple::make_tuple;
use rustler::{Encoder, Env, Term};

use crate::addr::RawSockAddr;
use crate::atoms;
use crate::decode::{assoc_id, is_undefined, record, Name};
use crate::error::{einval, Error, Result};
use crate::ffi::{self, AssocId, Pod, SOL_SCTP};
use crate::socket::State;
use crate::terms;

/// What an option row works on.
pub struct Ctx<'s> {
    pub st: &'s mut State,
    pub fd: RawFd,
    /// The socket's address family, as opened (`Socket::family`).
    pub family: i32,
    /// Set when `{active, N}` left the count at zero: the caller sends `{sctp_passive, S}`.
    pub passive_now: bool,
}

impl<'s> Ctx<'s> {
    pub fn new(st: &'s mut State, fd: RawFd, family: i32) -> Self {
        Ctx {
            st,
            fd,
            family,
            passive_now: false,
        }
    }
}
pub type Setter = fn(&mut Ctx, Term) -> Result<()>;
/// Reads an option; the term is the request's argument (a record naming e.g. an assoc id).
pub type Getter = for<'a> fn(&mut Ctx, Env<'a>, Option<Term<'a>>) -> Result<Term<'a>>;

/// How an option is set and read. The integers are a socket option's level and name.
pub enum How {
    Int(i32, i32),
    /// OTP type `uint`: negative values are refused before the kernel sees them.
    Uint(i32, i32),
    Bool(i32, i32),
    /// A record at `SOL_SCTP`, see `Rec`.
    Record(&'static dyn RecordOpt),
    /// The value field of a record option, set and read bare, with the keys `undefined`
    /// (for `#sctp_assoc_value{}`: assoc id 0, the endpoint).
    Bare(&'static dyn RecordOpt),
    /// `Bare` for the endpoint, or the whole record for what its keys name.
    Keyed(&'static dyn RecordOpt),
    /// Anything else; no setter for a read-only option.
    Fns(Option<Setter>, Getter),
}

use How::{Bare, Bool, Fns, Int, Keyed, Record, Uint};
use Request::Ignored;

impl How {
    pub fn settable(&self) -> bool {
        match self {
            Record(r) | Bare(r) | Keyed(r) => r.settable(),
            Fns(set, _) => set.is_some(),
            _ => true,
        }
    }

    pub fn set(&self, c: &mut Ctx, v: Term) -> Result<()> {
        match *self {
            Int(level, name) => set_pod(c.fd, level, name, &v.decode::<i32>()?),
            Uint(level, name) => set_pod(c.fd, level, name, &v.decode::<u32>()?),
            Bool(level, name) => set_pod(c.fd, level, name, &i32::from(v.decode::<bool>()?)),
            Record(r) => r.set(c, v),
            Bare(r) => r.set_bare(c, v),
            Keyed(r) if v.is_tuple() => r.set(c, v),
            Keyed(r) => r.set_bare(c, v),
            Fns(set, _) => set.ok_or_else(einval)?(c, v),
        }
    }

    pub fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
        match *self {
            Int(level, name) | Uint(level, name) => {
                Ok(get_pod(c.fd, level, name, 0i32)?.encode(env))
            }
            Bool(level, name) => Ok((get_pod(c.fd, level, name, 0i32)? != 0).encode(env)),
            Record(r) => r.get(c, env, arg),
            Bare(r) => r.get_bare(c, env),
            Keyed(r) if arg.is_none() => r.get_bare(c, env),
            Keyed(r) => r.get(c, env, arg),
            Fns(_, get) => get(c, env, arg),
        }
    }
}

pub fn get_pod<T: Pod>(fd: RawFd, level: i32, name: i32, mut value: T) -> Result<T> {
    ffi::getsockopt(fd, level, name, &mut value)?;
    Ok(value)
}

pub fn set_pod<T: Pod>(fd: RawFd, level: i32, name: i32, value: &T) -> Result<()> {
    ffi::setsockopt(fd, level, name, value).map_err(Error::from)
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
pub struct Rec<T: 'static> {
    name: Name,
    opt: i32,
    request: Request,
    fields: &'static [Field<T>],
}

/// What `getopts` takes from a request `{Option, Record}`.
#[derive(Clone, Copy, PartialEq)]
pub enum Request {
    /// Nothing: the record, if any, is not looked at.
    Ignored,
    /// The keys; a bare option name asks with every key `undefined` (which a required key
    /// refuses).
    Keys,
}

pub type Put<T> = fn(new: &mut T, cur: &T, value: Term, family: i32) -> Result<()>;

/// One record field, as the kernel struct member it maps to.
pub struct Field<T> {
    /// A key names what the kernel is asked about and goes into the request.
    pub key: bool,
    /// Decodes the field into `new`, given the current struct (`cur`, zero for a key) and
    /// the socket's family (for an address); `None` for a read-only field.
    pub put: Option<Put<T>>,
    pub get: for<'a> fn(&T, Env<'a>) -> Term<'a>,
}

/// A `Field` for member `$m`: `field!(kind m)`, or with the decoder written out, `field!(value
/// m |term, current| expression, encoder)` where the encoder is `fn(Env, member) -> Term`.
macro_rules! field {
    // A number, range-checked to the member's type.
    (num $m:ident) => { field!(value $m |t, c| num(t, c), plain) };
    // A boolean kept in an integer.
    (flag $m:ident) => { field!(value $m |t, c| decoded(t, c != 0).map(From::from), flag_term) };
    // The association asked about; `undefined` is 0.
    (assoc $m:ident) => { field!(@ true, $m |t, c, _f| assoc_id(t, c), assoc_term) };
    // An association OTP requires (`[sctp_assoc_id]` in prim_inet's type table).
    (assoc_required $m:ident) => {
        field!(@ true, $m |t, _c, _f| required_assoc_id(t), assoc_term)
    };
    // The peer address asked about; `undefined` is OTP's default `{any, 0}`.
    (peer $m:ident) => { field!(@ true, $m |t, _c, f| raw_sockaddr(t, None, f), addr_term) };
    // An address to set.
    (addr $m:ident) => { field!(@ false, $m |t, c, f| raw_sockaddr(t, Some(c), f), addr_term) };
    // A number that is a key.
    (key $m:ident) => { field!(@ true, $m |t, c, _f| num(t, c), plain) };
    // A list of the flag atoms of `$table` for the bits set.
    (bits $m:ident, $table:expr) => {
        field!(value $m |t, c| if is_undefined(t) { Ok(c) } else { flag_bits(t, $table) },
            |env, v| flags_term(env, v, $table))
    };
    // One of the atoms of `$table`.
    (one_of $m:ident, $table:expr) => {
        field!(value $m |t, c| if is_undefined(t) { Ok(c) } else { one_of(t, $table) },
            |env, v| atom_of(env, v, $table))
    };
    // Read-only.
    (out $m:ident) => { field!(out $m, plain) };
    (out $m:ident, $enc:expr) => {
        Field { key: false, put: None, get: |s, env| $enc(env, { s.$m }) }
    };
    (value $m:ident |$t:ident, $c:ident| $dec:expr, $enc:expr) => {
        field!(@ false, $m |$t, $c, _f| $dec, $enc)
    };
    (@ $key:expr, $m:ident |$t:ident, $c:ident, $f:ident| $dec:expr, $enc:expr) => {
        Field {
            key: $key,
            put: Some(|new, cur, $t, $f| {
                let $c = { cur.$m };
                new.$m = $dec?;
                Ok(())
            }),
            get: |s, env| $enc(env, { s.$m }),
        }
    };
}

pub(crate) use field;

/// A record option with its struct type erased, for the table.
pub trait RecordOpt: Sync {
    fn settable(&self) -> bool;
    fn set(&self, c: &mut Ctx, v: Term) -> Result<()>;
    fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>>;
    /// Sets the fields that are not keys to `v`, never `undefined`, the keys `undefined`.
    fn set_bare(&self, c: &mut Ctx, v: Term) -> Result<()>;
    /// Reads with every key `undefined` and gives the first field that is not a key.
    fn get_bare<'a>(&self, c: &mut Ctx, env: Env<'a>) -> Result<Term<'a>>;
}

impl<T: Pod> Rec<T> {
    pub const fn new(name: Name, opt: i32, request: Request, fields: &'static [Field<T>]) -> Self {
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
    fn keyed(&self, values: &[Term], family: i32) -> Result<T> {
        let zero = T::zeroed();
        let mut req = zero;
        for (field, &v) in self.fields.iter().zip(values).filter(|(f, _)| f.key) {
            field.put.ok_or_else(einval)?(&mut req, &zero, v, family)?;
        }
        Ok(req)
    }

    pub fn term<'a>(&self, env: Env<'a>, s: &T) -> Term<'a> {
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
        self.set_values(c, &self.values(v)?)
    }

    fn get<'a>(&self, c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
        let values = match arg {
            _ if self.request == Ignored => vec![],
            None => vec![atoms::undefined().to_term(env); self.fields.len()],
            Some(arg) => self.values(arg).map_err(|_| Error::Badarg)?,
        };
        Ok(self.term(env, &self.read(c, &values)?))
    }

    fn set_bare(&self, c: &mut Ctx, v: Term) -> Result<()> {
        if is_undefined(v) {
            return Err(einval());
        }
        let undefined = atoms::undefined().to_term(v.get_env());
        let values: Vec<Term> = self
            .fields
            .iter()
            .map(|f| if f.key { undefined } else { v })
            .collect();
        self.set_values(c, &values)
    }

    fn get_bare<'a>(&self, c: &mut Ctx, env: Env<'a>) -> Result<Term<'a>> {
        let s = self.read(c, &vec![atoms::undefined().to_term(env); self.fields.len()])?;
        let value = self.fields.iter().find(|f| !f.key).ok_or_else(einval)?;
        Ok((value.get)(&s, env))
    }
}

impl<T: Pod> Rec<T> {
    fn set_values(&self, c: &mut Ctx, values: &[Term]) -> Result<()> {
        let req = self.keyed(values, c.family)?;
        let cur = get_pod(c.fd, SOL_SCTP, self.opt, req).unwrap_or(req);
        let mut new = req;
        for (field, &v) in self.fields.iter().zip(values).filter(|(f, _)| !f.key) {
            field.put.ok_or_else(einval)?(&mut new, &cur, v, c.family)?;
        }
        set_pod(c.fd, SOL_SCTP, self.opt, &new)
    }

    /// The kernel's struct for the keys among `values`; a malformed key is `Badarg`.
    fn read(&self, c: &mut Ctx, values: &[Term]) -> Result<T> {
        let req = self.keyed(values, c.family).map_err(|_| Error::Badarg)?;
        get_pod(c.fd, SOL_SCTP, self.opt, req)
    }
}

/// A struct of SCTP socket option `opt` keyed by an association, whose record form
/// `record` of `arity` fields has the assoc id last, and which `decode` merges over the
/// current struct (`sctp_default_send_param`, `sctp_default_sndinfo`).
pub struct ByAssoc<T: 'static> {
    pub record: Name,
    pub arity: usize,
    pub opt: i32,
    pub id: fn(&mut T) -> &mut AssocId,
    pub decode: fn(Term, &T) -> Result<T>,
}

impl<T: Pod> ByAssoc<T> {
    /// The kernel's struct for association `id`.
    pub fn read(&self, c: &Ctx, id: AssocId) -> Result<T> {
        let mut s = T::zeroed();
        *(self.id)(&mut s) = id;
        get_pod(c.fd, SOL_SCTP, self.opt, s)
    }

    /// Reads for the association the request names (0 without one); a malformed request
    /// is `Badarg`.
    pub fn get(&self, c: &Ctx, arg: Option<Term>) -> Result<T> {
        let id = match arg {
            None => 0,
            Some(arg) => self.assoc(arg).map_err(|_| Error::Badarg)?,
        };
        self.read(c, id)
    }

    /// Merges record `v` over the association's current struct, sets and returns it.
    pub fn set(&self, c: &Ctx, v: Term) -> Result<T> {
        let new = (self.decode)(v, &self.read(c, self.assoc(v)?)?)?;
        set_pod(c.fd, SOL_SCTP, self.opt, &new)?;
        Ok(new)
    }

    fn assoc(&self, v: Term) -> Result<AssocId> {
        assoc_id(record(v, (self.record)(), self.arity)?[self.arity - 1], 0)
    }
}

/// A value kept in the socket's `State`: `kept!(field, decoder)` or `kept!(field, decoder,
/// encoder)`, the decoder a `fn(Term) -> Result` of the field's type.
macro_rules! kept {
    ($f:ident, $dec:expr) => {
        kept!($f, $dec, |env, v: &_| Encoder::encode(v, env))
    };
    ($f:ident, $dec:expr, $enc:expr) => {
        Fns(
            Some(|c, v| {
                c.st.$f = $dec(v)?;
                Ok(())
            }),
            |c, env, _| Ok($enc(env, &c.st.$f)),
        )
    };
}

pub(crate) use kept;

/// The setter of options OTP accepts a boolean for and does nothing with.
pub fn accept_bool(_: &mut Ctx, v: Term) -> Result<()> {
    v.decode::<bool>().map(drop).map_err(Error::from)
}

/// The getter of an option the kernel only sets, or that Linux lacks: left out of
/// getopts, as the kernel's getsockopt would have it (`ENOPROTOOPT`).
pub fn set_only<'a>(_: &mut Ctx, _: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Err(Error::Posix(libc::ENOPROTOOPT))
}

pub fn plain<T: Encoder>(env: Env<'_>, v: T) -> Term<'_> {
    v.encode(env)
}

pub fn flag_term<T: Into<u64>>(env: Env<'_>, v: T) -> Term<'_> {
    (v.into() != 0).encode(env)
}

pub fn from_be(env: Env<'_>, v: u32) -> Term<'_> {
    u32::from_be(v).encode(env)
}

pub fn assoc_term(env: Env<'_>, id: AssocId) -> Term<'_> {
    (id as u32).encode(env)
}

pub fn addr_term(env: Env<'_>, raw: RawSockAddr) -> Term<'_> {
    terms::option_sockaddr(env, &raw.bytes)
}

/// `v`'s atom in `table`, or the bare number for a value not there.
pub fn name_or_number<'a, B: PartialEq + Encoder>(
    env: Env<'a>,
    v: B,
    table: &[(B, Name)],
) -> Term<'a> {
    match table.iter().find(|(b, _)| *b == v) {
        Some((_, name)) => name().encode(env),
        None => v.encode(env),
    }
}

/// `v`'s atom in `table`, `undefined` for a value not there.
pub fn atom_of<'a, B: PartialEq>(env: Env<'a>, v: B, table: &[(B, Name)]) -> Term<'a> {
    let name = table.iter().find(|(b, _)| *b == v).map(|(_, name)| name());
    name.unwrap_or_else(atoms::undefined).encode(env)
}
