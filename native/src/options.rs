//! The option table: a row per option, found by its name atom, saying how it is set and
//! read: a kernel integer or boolean, a record option (a `Rec` declaring the record's
//! fields), a record's one value field set and read bare (`Bare`, as `sctp_maxseg` is the
//! value of a `struct sctp_assoc_value`), or functions for the options kept in the socket
//! (`active`, `mode`, `buffer`, ...). Adding an option is adding a row; a record option
//! declares its `Rec` in the row or next to it. The kinds of rows and the one generic
//! get and set of record options are `option_kinds`; terms are decoded by `decode`.
//!
//! Record fields left `undefined` keep the socket's current value (as OTP's `connect` does).

use rustler::{Atom, Binary, Encoder, Env, NewBinary, Term};

use crate::atoms;
use crate::decode::{
    self, assoc_id, decoded, flag_bits, is_undefined, num, one_of, raw_sockaddr, record,
    required_assoc_id, sndrcvinfo, strict_int, Name, PR_POLICIES,
};
use crate::error::{einval, Error, Result};
use crate::ffi::{self, AssocId, Pod, SOL_SCTP};
pub use crate::option_kinds::Ctx;
use crate::option_kinds::Request::{Ignored, Keys};
use crate::option_kinds::{
    accept_bool, addr_term, assoc_term, atom_of, field, flag_term, from_be, get_pod, kept,
    name_or_number, plain, set_only, set_pod, ByAssoc, Field, How, Rec, RecordOpt,
};
use crate::socket::{self, Mode};
use crate::terms::{self, flags_term};
use libc::{IPPROTO_IP, IPPROTO_IPV6, SOL_SOCKET};
use How::{Bare, Bool, Fns, Int, Keyed, Record, Uint};

/// The atoms of this module only: option names, record names and the atoms in their values.
mod names {
    pub use crate::atoms::{closed, tclass, tos, ttl};
    rustler::atoms! {
        active, mode, buffer, recbuf, sndbuf, reuseaddr, reuseport, reuseport_lb,
        exclusiveaddruse, dontroute, priority, linger, recvtos, recvttl, recvtclass,
        ipv6_v6only, high_msgq_watermark, low_msgq_watermark, debug, non_block_send,
        send_timeout, sctp_autoclose, sctp_disable_fragments, sctp_i_want_mapped_v4_addr,
        sctp_maxseg, sctp_nodelay, sctp_events, sctp_initmsg, sctp_default_send_param,
        sctp_default_sndinfo,
        sctp_rtoinfo, sctp_associnfo, sctp_delayed_ack_time, sctp_adaptation_layer,
        sctp_peer_addr_params, sctp_primary_addr, sctp_set_peer_primary_addr, sctp_status,
        sctp_get_peer_addr_info, bind_to_device,
        sctp_pr_supported, sctp_reconfig_supported, sctp_interleaving_supported,
        sctp_auth_supported, sctp_asconf_supported, sctp_ecn_supported,
        sctp_expose_potentially_failed_state, sctp_enable_stream_reset, sctp_stream_scheduler,
        sctp_stream_scheduler_value, sctp_remote_udp_encaps_port, sctp_pr_assoc_status,
        sctp_pr_stream_status, sctp_max_burst, sctp_context, sctp_partial_delivery_point,
        sctp_fragment_interleave, sctp_reuse_port, sctp_plpmtud_probe_interval,
        sctp_peer_addr_thlds, sctp_get_assoc_number, sctp_get_assoc_id_list,
        sctp_get_assoc_stats,
        // records
        sctp_event_subscribe, sctp_assocparams, sctp_assoc_value, sctp_setadaptation,
        sctp_paddrparams, sctp_prim, sctp_setpeerprim, sctp_paddrinfo,
        sctp_default_prinfo, sctp_stream_value, sctp_udpencaps, sctp_prstatus,
        sctp_probeinterval, sctp_paddrthlds, sctp_assoc_stats,
        // values
        infinity,
        none, rtx, prio, all, reset_streams, reset_assoc, change_assoc, fcfs, rr, fc, wfq,
        unset, disable, enable,
        hb_enable, hb_disable, hb_demand, pmtud_enable, pmtud_disable, sackdelay_enable,
        sackdelay_disable,
        inactive, unconfirmed,
        empty, cookie_wait, cookie_echoed, established, shutdown_pending, shutdown_sent,
        shutdown_received, shutdown_ack_sent,
    }
}

pub fn set_active(c: &mut Ctx, v: Term) -> Result<()> {
    if c.st.flow.set_active(decode::active(v)?)? {
        c.passive_now = true;
    }
    Ok(())
}

fn get_active<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(terms::active(env, c.st.flow.active()))
}

const MODES: [(Mode, Name); 2] = [(Mode::Binary, atoms::binary), (Mode::List, atoms::list)];

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
    let l: libc::linger = get_pod(c.fd, libc::SOL_SOCKET, libc::SO_LINGER, Pod::zeroed())?;
    Ok((l.l_onoff != 0, l.l_linger).encode(env))
}

/// Milliseconds, `infinity` for `None`.
fn timeout(v: Term) -> Result<Option<u32>> {
    if v.decode::<Atom>().ok() == Some(names::infinity()) {
        return Ok(None);
    }
    v.decode::<u32>().map(Some).map_err(|_| einval())
}

fn timeout_term(env: Env<'_>, ms: Option<u32>) -> Term<'_> {
    ms.map_or_else(|| names::infinity().encode(env), |ms| ms.encode(env))
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

// {sctp_default_sndinfo, #sctp_sndinfo{}}: RFC 6458's form of the kernel's defaults that
// sctp_default_send_param sets too (all but `timetolive`). send/4 sends with the copy in
// `send_defaults`, so it is read back whole after either is set, and after
// sctp_default_prinfo, which sets their PR-SCTP policy and `timetolive`.

static SEND_PARAM: ByAssoc<ffi::sctp_sndrcvinfo> = ByAssoc {
    record: atoms::sctp_sndrcvinfo,
    arity: 9,
    opt: ffi::SCTP_DEFAULT_SEND_PARAM,
    id: |s| &mut s.sinfo_assoc_id,
    decode: sndrcvinfo,
};

static SNDINFO: ByAssoc<ffi::sctp_sndinfo> = ByAssoc {
    record: atoms::sctp_sndinfo,
    arity: 5,
    opt: ffi::SCTP_DEFAULT_SNDINFO,
    id: |s| &mut s.snd_assoc_id,
    decode: decode::sndinfo,
};

/// Reads the kernel's default send parameters of `assoc_id` into the copy send/4 uses.
fn refresh_send_defaults(c: &mut Ctx, assoc_id: AssocId) -> Result<()> {
    let all = SEND_PARAM.read(c, assoc_id)?;
    c.st.send_defaults.insert(assoc_id, all);
    Ok(())
}

fn paddrinfo(env: Env<'_>, p: ffi::sctp_paddrinfo) -> Term<'_> {
    PADDRINFO.term(env, &p)
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

#[rustfmt::skip]
const ASSOC_STATES: [(i32, Name); 9] = [
    (ffi::SCTP_EMPTY, names::empty), (ffi::SCTP_CLOSED, names::closed),
    (ffi::SCTP_COOKIE_WAIT, names::cookie_wait), (ffi::SCTP_COOKIE_ECHOED, names::cookie_echoed),
    (ffi::SCTP_ESTABLISHED, names::established),
    (ffi::SCTP_SHUTDOWN_PENDING, names::shutdown_pending),
    (ffi::SCTP_SHUTDOWN_SENT, names::shutdown_sent),
    (ffi::SCTP_SHUTDOWN_RECEIVED, names::shutdown_received),
    (ffi::SCTP_SHUTDOWN_ACK_SENT, names::shutdown_ack_sent),
];

#[rustfmt::skip]
const PATH_STATES: [(i32, Name); 3] = [
    (ffi::SCTP_ACTIVE, names::active), (ffi::SCTP_INACTIVE, names::inactive),
    (ffi::SCTP_UNCONFIRMED, names::unconfirmed),
];

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
    field!(value sctp_authentication_event |t, _c| decoded(t, false).map(|_| 0), flag_term),
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

/// `#sctp_assoc_value{}` of socket option `$opt`, its value a `field!` kind:
/// `assoc_value!(OPT, kind)` or `assoc_value!(OPT, kind, table)`.
macro_rules! assoc_value {
    ($opt:expr, $kind:ident $(, $table:expr)?) => {
        &Rec::<ffi::sctp_assoc_value>::new(names::sctp_assoc_value, $opt, Keys, &[
            field!(assoc assoc_id),
            field!($kind assoc_value $(, $table)?),
        ])
    };
}

/// OTP htonl's the indication on set and ntohl's it on get.
#[rustfmt::skip]
static ADAPTATION: Rec<ffi::sctp_setadaptation> = Rec::new(
    names::sctp_setadaptation, ffi::SCTP_ADAPTATION_LAYER, Keys, &[
    field!(value ssb_adaptation_ind |t, c| num(t, u32::from_be(c)).map(u32::to_be), from_be),
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
    field!(value spp_flags |t, c| spp_flags(t, c), |env, v| flags_term(env, v, &SPP_FLAGS)),
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
    field!(out spinfo_state, |env, v| atom_of(env, v, &PATH_STATES)),
    field!(out spinfo_cwnd),
    field!(out spinfo_srtt),
    field!(out spinfo_rto),
    field!(out spinfo_mtu),
]);

#[rustfmt::skip]
static STATUS: Rec<ffi::sctp_status> = Rec::new(
    names::sctp_status, ffi::SCTP_STATUS, Keys, &[
    field!(assoc_required sstat_assoc_id),
    field!(out sstat_state, |env, v| atom_of(env, v, &ASSOC_STATES)),
    field!(out sstat_rwnd),
    field!(out sstat_unackdata),
    field!(out sstat_penddata),
    field!(out sstat_instrms),
    field!(out sstat_outstrms),
    field!(out sstat_fragmentation_point),
    field!(out sstat_primary, paddrinfo),
]);

// RFC 6458 and 6951 options, `include/gen_sctp_nif.hrl`'s records: one event subscribed
// per call, and the partial reliability, scheduler and UDP encapsulation records.

mod rfc6458 {
    rustler::atoms! {
        sctp_event, sctp_recvrcvinfo, sctp_recvnxtinfo,
        association_change, peer_addr_change, remote_error, send_failed, shutdown,
        adaptation_indication, partial_delivery, authentication, sender_dry, stream_reset,
        assoc_reset, stream_change, send_failed_event,
    }
}

/// `#sctp_event.type`: the notification types (`se_type`) by name.
#[rustfmt::skip]
const EVENT_TYPES: [(u16, Name); 13] = [
    (ffi::SCTP_ASSOC_CHANGE, rfc6458::association_change),
    (ffi::SCTP_PEER_ADDR_CHANGE, rfc6458::peer_addr_change),
    (ffi::SCTP_REMOTE_ERROR, rfc6458::remote_error),
    (ffi::SCTP_SEND_FAILED, rfc6458::send_failed),
    (ffi::SCTP_SHUTDOWN_EVENT, rfc6458::shutdown),
    (ffi::SCTP_ADAPTATION_INDICATION, rfc6458::adaptation_indication),
    (ffi::SCTP_PARTIAL_DELIVERY_EVENT, rfc6458::partial_delivery),
    (ffi::SCTP_AUTHENTICATION_EVENT, rfc6458::authentication),
    (ffi::SCTP_SENDER_DRY_EVENT, rfc6458::sender_dry),
    (ffi::SCTP_STREAM_RESET_EVENT, rfc6458::stream_reset),
    (ffi::SCTP_ASSOC_RESET_EVENT, rfc6458::assoc_reset),
    (ffi::SCTP_STREAM_CHANGE_EVENT, rfc6458::stream_change),
    (ffi::SCTP_SEND_FAILED_EVENT, rfc6458::send_failed_event),
];

#[rustfmt::skip]
const STREAM_RESETS: [(u32, Name); 3] = [
    (ffi::SCTP_ENABLE_RESET_STREAM_REQ, names::reset_streams),
    (ffi::SCTP_ENABLE_RESET_ASSOC_REQ, names::reset_assoc),
    (ffi::SCTP_ENABLE_CHANGE_ASSOC_REQ, names::change_assoc),
];

#[rustfmt::skip]
const SCHEDULERS: [(u32, Name); 5] = [
    (ffi::SCTP_SS_FCFS, names::fcfs), (ffi::SCTP_SS_PRIO, names::prio),
    (ffi::SCTP_SS_RR, names::rr), (ffi::SCTP_SS_FC, names::fc), (ffi::SCTP_SS_WFQ, names::wfq),
];

#[rustfmt::skip]
const PF_EXPOSE: [(u32, Name); 3] = [
    (ffi::SCTP_PF_EXPOSE_UNSET, names::unset), (ffi::SCTP_PF_EXPOSE_DISABLE, names::disable),
    (ffi::SCTP_PF_EXPOSE_ENABLE, names::enable),
];

/// The request's policy; `undefined` asks for all of them.
#[rustfmt::skip]
static PRSTATUS_FIELDS: &[Field<ffi::sctp_prstatus>] = &[
    field!(assoc sprstat_assoc_id),
    field!(key sprstat_sid),
    field!(@ true, sprstat_policy |t, _c, _f| if is_undefined(t) {
        Ok(ffi::SCTP_PR_SCTP_ALL) } else { one_of(t, &PR_POLICIES[1..]) },
        |env, v| atom_of(env, v, &PR_POLICIES)),
    field!(out sprstat_abandoned_unsent),
    field!(out sprstat_abandoned_sent),
];

// sctp_default_prinfo also sets what send/4's copy of the default send parameters holds.
static DEFAULT_PRINFO: Rec<ffi::sctp_default_prinfo> = Rec::new(
    names::sctp_default_prinfo,
    ffi::SCTP_DEFAULT_PRINFO,
    Keys,
    &[
        field!(assoc pr_assoc_id),
        field!(one_of pr_policy, &PR_POLICIES[..4]),
        field!(num pr_value),
    ],
);

fn set_default_prinfo(c: &mut Ctx, v: Term) -> Result<()> {
    DEFAULT_PRINFO.set(c, v)?;
    let id = assoc_id(record(v, names::sctp_default_prinfo(), 3)?[0], 0)?;
    refresh_send_defaults(c, id)
}

fn get_default_prinfo<'a>(c: &mut Ctx, env: Env<'a>, arg: Option<Term<'a>>) -> Result<Term<'a>> {
    DEFAULT_PRINFO.get(c, env, arg)
}

/// SCTP_FRAGMENT_INTERLEAVE, RFC 6458's levels 0, 1 and 2. Linux keeps it as on or off
/// (reading gives 1 after 1 or 2): on, pieces of messages of different associations may
/// alternate, and with I-DATA (`sctp_interleaving_supported`, which needs it on) those of
/// different streams; `reassembly` keeps each message apart by its stream. Turning it off
/// turns off `sctp_interleaving_supported` too (the kernel's doing).
fn set_fragment_interleave(c: &mut Ctx, v: Term) -> Result<()> {
    match v.decode::<i32>()? {
        level @ 0..=2 => set_pod(c.fd, SOL_SCTP, ffi::SCTP_FRAGMENT_INTERLEAVE, &level),
        _ => Err(einval()),
    }
}

fn get_assoc_number<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    Ok(get_pod(c.fd, SOL_SCTP, ffi::SCTP_GET_ASSOC_NUMBER, 0u32)?.encode(env))
}

/// The ids of a one-to-many socket's associations, in the kernel's order; the buffer is
/// sized from the association count.
fn get_assoc_id_list<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let count = get_pod(c.fd, SOL_SCTP, ffi::SCTP_GET_ASSOC_NUMBER, 0u32)?;
    let ids = ffi::assoc_id_list(c.fd, count as usize)?;
    let ids: Vec<Term> = ids.into_iter().map(|id| assoc_term(env, id)).collect();
    Ok(ids.encode(env))
}

// SCTP-AUTH (RFC 4895, RFC 6458 sections 8.1.20 to 8.3): the chunk types the peer must
// authenticate, the HMACs offered, the shared keys of the endpoint (assoc id 0: those new
// associations start with) and of an association. The kernel refuses them all (EACCES,
// `einval` in setopts) on an endpoint without AUTH: `sctp_auth_supported` false, which
// `net.sctp.auth_enable` is the default of.

mod auth {
    rustler::atoms! {
        sctp_auth_chunk, sctp_hmac_ident, sctp_auth_key, sctp_auth_active_key,
        sctp_auth_delete_key, sctp_auth_deactivate_key, sctp_peer_auth_chunks,
        sctp_local_auth_chunks,
        sctp_authkey, sctp_authkeyid, sctp_authchunks,
        sha1, sha256,
    }
}

#[rustfmt::skip]
const HMACS: [(u16, Name); 2] = [
    (ffi::SCTP_AUTH_HMAC_ID_SHA1, auth::sha1), (ffi::SCTP_AUTH_HMAC_ID_SHA256, auth::sha256),
];

/// A chunk type, 0..255 or its name; the kernel refuses INIT, INIT ACK, SHUTDOWN COMPLETE
/// and AUTH.
fn set_auth_chunk(c: &mut Ctx, v: Term) -> Result<()> {
    let chunk = ffi::sctp_authchunk {
        sauth_chunk: decode::chunk_type(v)?,
    };
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_AUTH_CHUNK, &chunk)
}

/// The HMACs in order of preference; the kernel requires sha1 among them (RFC 4895
/// section 6.1).
fn set_hmac_ident(c: &mut Ctx, v: Term) -> Result<()> {
    let names = decode::list::<Term>(v)?;
    let idents: Vec<u16> = names
        .into_iter()
        .map(|n| one_of(n, &HMACS))
        .collect::<Result<_>>()?;
    let algo = ffi::sctp_hmacalgo::new(&idents).ok_or_else(einval)?;
    set_pod(c.fd, SOL_SCTP, ffi::SCTP_HMAC_IDENT, &algo)
}

/// An identifier this library has no name for comes as its number.
fn get_hmac_ident<'a>(c: &mut Ctx, env: Env<'a>, _: Option<Term<'a>>) -> Result<Term<'a>> {
    let algo: ffi::sctp_hmacalgo = get_pod(c.fd, SOL_SCTP, ffi::SCTP_HMAC_IDENT, Pod::zeroed())?;
    let names = algo
        .idents()
        .iter()
        .map(|&id| name_or_number(env, id, &HMACS));
    Ok(names.collect::<Vec<Term>>().encode(env))
}

/// `#sctp_authkey{assoc_id, keynumber, key}`: the key number is required, the key a binary
/// of at most 65535 bytes.
fn set_auth_key(c: &mut Ctx, v: Term) -> Result<()> {
    let f = record(v, auth::sctp_authkey(), 3)?;
    let key = f[2].decode::<Binary>().map_err(|_| einval())?;
    ffi::set_auth_key(c.fd, assoc_id(f[0], 0)?, strict_int(f[1])?, key.as_slice())
        .map_err(Error::from)
}

/// `#sctp_authkeyid{}` of SCTP_AUTH_DELETE_KEY and SCTP_AUTH_DEACTIVATE_KEY, which cannot
/// be read: the key number is required, there being no current one to keep.
#[rustfmt::skip]
static AUTHKEYID_SET_ONLY: &[Field<ffi::sctp_authkeyid>] = &[
    field!(assoc scact_assoc_id),
    field!(value scact_keynumber |t, _c| strict_int(t), plain),
];

/// `#sctp_authchunks{}` of SCTP_PEER_AUTH_CHUNKS and SCTP_LOCAL_AUTH_CHUNKS (read-only).
#[rustfmt::skip]
static AUTHCHUNKS_FIELDS: &[Field<ffi::sctp_authchunks>] = &[
    field!(assoc gauth_assoc_id),
    Field { key: false, put: None, get: |s, env| s.chunks().encode(env) },
];

// The table

/// A `u32` of at least 1, as OTP takes the watermarks.
fn positive(v: Term) -> rustler::NifResult<u32> {
    v.decode::<u32>().map(|n| n.max(1))
}

#[rustfmt::skip]
static TABLE: &[(Name, How)] = &[
    (names::active, Fns(Some(set_active), get_active)),
    (names::mode,
     kept!(mode, |v| one_of(v, &MODES), |env, m: &Mode| atom_of(env, *m, &MODES))),
    // As OTP: any int; below 1 byte becomes 1.
    (names::buffer, kept!(buffer, |v: Term| v.decode::<i32>().map(|n| n.max(1) as usize))),
    (names::recbuf,
     Fns(Some(set_recbuf), |c, env, _| Int(SOL_SOCKET, libc::SO_RCVBUF).get(c, env, None))),
    (names::sndbuf, Int(SOL_SOCKET, libc::SO_SNDBUF)),
    (names::reuseaddr, Bool(SOL_SOCKET, libc::SO_REUSEADDR)),
    // As OTP's driver on Linux: both are SO_REUSEPORT, which balances there already.
    (names::reuseport, Bool(SOL_SOCKET, libc::SO_REUSEPORT)),
    (names::reuseport_lb, Bool(SOL_SOCKET, libc::SO_REUSEPORT)),
    // Windows only: OTP's driver accepts a boolean and does nothing; getopts leaves it out.
    (names::exclusiveaddruse,
     Fns(Some(accept_bool), set_only)),
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
    (names::high_msgq_watermark, kept!(high_msgq_watermark, positive)),
    (names::low_msgq_watermark, kept!(low_msgq_watermark, positive)),
    (names::debug, Fns(Some(accept_bool), |_, env, _| Ok(false.encode(env)))),
    (names::non_block_send, kept!(non_block_send, |v: Term| v.decode::<bool>())),
    (names::send_timeout, kept!(send_timeout, timeout, |env, t: &_| timeout_term(env, *t))),
    (names::sctp_autoclose, Uint(SOL_SCTP, ffi::SCTP_AUTOCLOSE)),
    (names::sctp_disable_fragments, Bool(SOL_SCTP, ffi::SCTP_DISABLE_FRAGMENTS)),
    (names::sctp_i_want_mapped_v4_addr, Bool(SOL_SCTP, ffi::SCTP_I_WANT_MAPPED_V4_ADDR)),
    (names::sctp_maxseg, Bare(assoc_value!(ffi::SCTP_MAXSEG, num))),
    (names::sctp_nodelay, Bool(SOL_SCTP, ffi::SCTP_NODELAY)),
    (names::sctp_events, Record(&EVENTS)),
    (names::sctp_initmsg, Record(&INITMSG)),
    (names::sctp_default_send_param, Fns(Some(|c, v| {
        let new = SEND_PARAM.set(c, v)?;
        c.st.send_defaults.insert(new.sinfo_assoc_id, new);
        Ok(())
    }), |c, env, arg| Ok(terms::sndrcvinfo(env, &SEND_PARAM.get(c, arg)?)))),
    (names::sctp_default_sndinfo, Fns(Some(|c, v| {
        let new = SNDINFO.set(c, v)?;
        refresh_send_defaults(c, new.snd_assoc_id)
    }), |c, env, arg| Ok(terms::sndinfo(env, &SNDINFO.get(c, arg)?)))),
    (names::sctp_rtoinfo, Record(&RTOINFO)),
    (names::sctp_associnfo, Record(&ASSOCPARAMS)),
    // In milliseconds.
    (names::sctp_delayed_ack_time, Record(assoc_value!(ffi::SCTP_DELAYED_ACK_TIME, num))),
    (names::sctp_adaptation_layer, Record(&ADAPTATION)),
    (names::sctp_peer_addr_params, Record(&PADDRPARAMS)),
    (names::sctp_primary_addr, Record(&PRIM)),
    (names::sctp_set_peer_primary_addr, Record(&SETPEERPRIM)),
    (names::sctp_status, Record(&STATUS)),
    (names::sctp_get_peer_addr_info, Record(&PADDRINFO)),
    (names::bind_to_device, Fns(Some(set_bind_to_device), get_bind_to_device)),
    (names::sctp_pr_supported, Keyed(assoc_value!(ffi::SCTP_PR_SUPPORTED, flag))),
    (names::sctp_reconfig_supported, Keyed(assoc_value!(ffi::SCTP_RECONFIG_SUPPORTED, flag))),
    (names::sctp_interleaving_supported,
     Keyed(assoc_value!(ffi::SCTP_INTERLEAVING_SUPPORTED, flag))),
    (names::sctp_auth_supported, Keyed(assoc_value!(ffi::SCTP_AUTH_SUPPORTED, flag))),
    (names::sctp_asconf_supported, Keyed(assoc_value!(ffi::SCTP_ASCONF_SUPPORTED, flag))),
    (names::sctp_ecn_supported, Keyed(assoc_value!(ffi::SCTP_ECN_SUPPORTED, flag))),
    (names::sctp_expose_potentially_failed_state,
     Keyed(assoc_value!(ffi::SCTP_EXPOSE_POTENTIALLY_FAILED_STATE, one_of, &PF_EXPOSE))),
    (names::sctp_enable_stream_reset,
     Keyed(assoc_value!(ffi::SCTP_ENABLE_STREAM_RESET, bits, &STREAM_RESETS))),
    (names::sctp_stream_scheduler,
     Keyed(assoc_value!(ffi::SCTP_STREAM_SCHEDULER, one_of, &SCHEDULERS))),
    (names::sctp_default_prinfo, Fns(Some(set_default_prinfo), get_default_prinfo)),
    (names::sctp_stream_scheduler_value, Record(&Rec::<ffi::sctp_stream_value>::new(
        names::sctp_stream_value, ffi::SCTP_STREAM_SCHEDULER_VALUE, Keys, &[
        field!(assoc assoc_id),
        field!(key stream_id),
        field!(num stream_value),
    ]))),
    // The port in network order.
    (names::sctp_remote_udp_encaps_port, Record(&Rec::<ffi::sctp_udpencaps>::new(
        names::sctp_udpencaps, ffi::SCTP_REMOTE_UDP_ENCAPS_PORT, Keys, &[
        field!(assoc sue_assoc_id),
        field!(peer sue_address),
        field!(value sue_port |t, c| num(t, u16::from_be(c)).map(u16::to_be),
            |env, v: u16| u16::from_be(v).encode(env)),
    ]))),
    (names::sctp_pr_assoc_status, Record(&Rec::new(
        names::sctp_prstatus, ffi::SCTP_PR_ASSOC_STATUS, Keys, PRSTATUS_FIELDS))),
    (names::sctp_pr_stream_status, Record(&Rec::new(
        names::sctp_prstatus, ffi::SCTP_PR_STREAM_STATUS, Keys, PRSTATUS_FIELDS))),
    // One notification type per call: the association (0, the default, for those to
    // come) and the type are the keys.
    (rfc6458::sctp_event, Record(&Rec::<ffi::sctp_event>::new(
        rfc6458::sctp_event, ffi::SCTP_EVENT, Keys, &[
        field!(assoc se_assoc_id),
        field!(@ true, se_type |t, _c, _fd| one_of(t, &EVENT_TYPES),
            |env, v| name_or_number(env, v, &EVENT_TYPES)),
        field!(flag se_on),
    ]))),
    (rfc6458::sctp_recvrcvinfo, Bool(SOL_SCTP, ffi::SCTP_RECVRCVINFO)),
    (rfc6458::sctp_recvnxtinfo, Bool(SOL_SCTP, ffi::SCTP_RECVNXTINFO)),
    (names::sctp_max_burst, Keyed(assoc_value!(ffi::SCTP_MAX_BURST, num))),
    // The `context` of #sctp_sndrcvinfo{} received without one of its own.
    (names::sctp_context, Keyed(assoc_value!(ffi::SCTP_CONTEXT, num))),
    // Bytes; the kernel refuses more than half the receive buffer.
    (names::sctp_partial_delivery_point, Uint(SOL_SCTP, ffi::SCTP_PARTIAL_DELIVERY_POINT)),
    (names::sctp_fragment_interleave, Fns(Some(set_fragment_interleave),
     |c, env, _| Int(SOL_SCTP, ffi::SCTP_FRAGMENT_INTERLEAVE).get(c, env, None))),
    // One-to-one sockets only, before bind: in `open`.
    (names::sctp_reuse_port, Bool(SOL_SCTP, ffi::SCTP_REUSE_PORT)),
    // Milliseconds, 0 (off) or at least 5000.
    (names::sctp_plpmtud_probe_interval, Record(&Rec::<ffi::sctp_probeinterval>::new(
        names::sctp_probeinterval, ffi::SCTP_PLPMTUD_PROBE_INTERVAL, Keys, &[
        field!(assoc spi_assoc_id),
        field!(peer spi_address),
        field!(num spi_interval),
    ]))),
    (names::sctp_peer_addr_thlds, Record(&Rec::<ffi::sctp_paddrthlds_v2>::new(
        names::sctp_paddrthlds, ffi::SCTP_PEER_ADDR_THLDS_V2, Keys, &[
        field!(assoc spt_assoc_id),
        field!(peer spt_address),
        field!(num spt_pathmaxrxt),
        field!(num spt_pathpfthld),
        field!(num spt_pathcpthld),
    ]))),
    (names::sctp_get_assoc_number, Fns(None, get_assoc_number)),
    (names::sctp_get_assoc_id_list, Fns(None, get_assoc_id_list)),
    // Reading resets max_obs_rto (the kernel's, to the association's RTO minimum).
    (names::sctp_get_assoc_stats, Record(&Rec::<ffi::sctp_assoc_stats>::new(
        names::sctp_assoc_stats, ffi::SCTP_GET_ASSOC_STATS, Keys, &[
        field!(assoc sas_assoc_id),
        field!(out sas_obs_rto_ipaddr, addr_term),
        field!(out sas_maxrto),
        field!(out sas_isacks),
        field!(out sas_osacks),
        field!(out sas_opackets),
        field!(out sas_ipackets),
        field!(out sas_rtxchunks),
        field!(out sas_outofseqtsns),
        field!(out sas_idupchunks),
        field!(out sas_gapcnt),
        field!(out sas_ouodchunks),
        field!(out sas_iuodchunks),
        field!(out sas_oodchunks),
        field!(out sas_iodchunks),
        field!(out sas_octrlchunks),
        field!(out sas_ictrlchunks),
    ]))),
    // SCTP-AUTH, above.
    (auth::sctp_auth_chunk, Fns(Some(set_auth_chunk), set_only)),
    (auth::sctp_hmac_ident, Fns(Some(set_hmac_ident), get_hmac_ident)),
    (auth::sctp_auth_key, Fns(Some(set_auth_key), set_only)),
    (auth::sctp_auth_active_key, Record(&Rec::<ffi::sctp_authkeyid>::new(
        auth::sctp_authkeyid, ffi::SCTP_AUTH_ACTIVE_KEY, Keys, &[
        field!(assoc scact_assoc_id),
        field!(num scact_keynumber),
    ]))),
    (auth::sctp_auth_delete_key, Record(&Rec::new(
        auth::sctp_authkeyid, ffi::SCTP_AUTH_DELETE_KEY, Keys, AUTHKEYID_SET_ONLY))),
    (auth::sctp_auth_deactivate_key, Record(&Rec::new(
        auth::sctp_authkeyid, ffi::SCTP_AUTH_DEACTIVATE_KEY, Keys, AUTHKEYID_SET_ONLY))),
    (auth::sctp_peer_auth_chunks, Record(&Rec::new(
        auth::sctp_authchunks, ffi::SCTP_PEER_AUTH_CHUNKS, Keys, AUTHCHUNKS_FIELDS))),
    (auth::sctp_local_auth_chunks, Record(&Rec::new(
        auth::sctp_authchunks, ffi::SCTP_LOCAL_AUTH_CHUNKS, Keys, AUTHCHUNKS_FIELDS))),
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
pub fn copy_peeloff(env: Env, parent: &mut Ctx, child: &mut Ctx) -> Result<()> {
    let names = if parent.family == libc::AF_INET6 {
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
