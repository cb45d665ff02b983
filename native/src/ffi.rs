//! The one place where this crate talks to the kernel.
//!
//! Every `repr(C)` struct and constant of the Linux SCTP socket API that libc lacks is declared
//! here with a size assert, and every system call is wrapped in a safe function that reports
//! errors as `io::Error`. All sockets are non-blocking: a call that would block answers
//! `EAGAIN` instead of waiting. All `unsafe` in the crate lives in this file.

use std::io;
use std::mem::{size_of, size_of_val, MaybeUninit};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::ptr;

use crate::addr::RawSockAddr;

pub const IPPROTO_SCTP: i32 = 132;
pub const SOL_SCTP: i32 = 132;

// Socket options at level SOL_SCTP (linux/sctp.h).
pub const SCTP_RTOINFO: i32 = 0;
pub const SCTP_ASSOCINFO: i32 = 1;
pub const SCTP_INITMSG: i32 = 2;
pub const SCTP_NODELAY: i32 = 3;
pub const SCTP_AUTOCLOSE: i32 = 4;
pub const SCTP_SET_PEER_PRIMARY_ADDR: i32 = 5;
pub const SCTP_PRIMARY_ADDR: i32 = 6;
pub const SCTP_ADAPTATION_LAYER: i32 = 7;
pub const SCTP_DISABLE_FRAGMENTS: i32 = 8;
pub const SCTP_PEER_ADDR_PARAMS: i32 = 9;
pub const SCTP_DEFAULT_SEND_PARAM: i32 = 10;
pub const SCTP_EVENTS: i32 = 11;
pub const SCTP_I_WANT_MAPPED_V4_ADDR: i32 = 12;
pub const SCTP_MAXSEG: i32 = 13;
pub const SCTP_STATUS: i32 = 14;
pub const SCTP_GET_PEER_ADDR_INFO: i32 = 15;
pub const SCTP_DELAYED_ACK_TIME: i32 = 16;
pub const SCTP_CONTEXT: i32 = 17;
pub const SCTP_FRAGMENT_INTERLEAVE: i32 = 18;
pub const SCTP_PARTIAL_DELIVERY_POINT: i32 = 19;
pub const SCTP_MAX_BURST: i32 = 20;
pub const SCTP_AUTH_CHUNK: i32 = 21;
pub const SCTP_HMAC_IDENT: i32 = 22;
const SCTP_AUTH_KEY: i32 = 23;
pub const SCTP_AUTH_ACTIVE_KEY: i32 = 24;
pub const SCTP_AUTH_DELETE_KEY: i32 = 25;
pub const SCTP_PEER_AUTH_CHUNKS: i32 = 26;
pub const SCTP_LOCAL_AUTH_CHUNKS: i32 = 27;
pub const SCTP_GET_ASSOC_NUMBER: i32 = 28;
const SCTP_GET_ASSOC_ID_LIST: i32 = 29;
pub const SCTP_AUTH_DEACTIVATE_KEY: i32 = 35;
pub const SCTP_REUSE_PORT: i32 = 36;
pub const SCTP_PEER_ADDR_THLDS_V2: i32 = 37;
pub const SCTP_RECVRCVINFO: i32 = 32;
pub const SCTP_RECVNXTINFO: i32 = 33;
pub const SCTP_DEFAULT_SNDINFO: i32 = 34;
pub const SCTP_GET_ASSOC_STATS: i32 = 112;
pub const SCTP_PR_SUPPORTED: i32 = 113;
pub const SCTP_DEFAULT_PRINFO: i32 = 114;
pub const SCTP_PR_ASSOC_STATUS: i32 = 115;
pub const SCTP_PR_STREAM_STATUS: i32 = 116;
pub const SCTP_RECONFIG_SUPPORTED: i32 = 117;
pub const SCTP_ENABLE_STREAM_RESET: i32 = 118;
pub const SCTP_RESET_STREAMS: i32 = 119;
pub const SCTP_RESET_ASSOC: i32 = 120;
pub const SCTP_ADD_STREAMS: i32 = 121;
pub const SCTP_STREAM_SCHEDULER: i32 = 123;
pub const SCTP_STREAM_SCHEDULER_VALUE: i32 = 124;
pub const SCTP_INTERLEAVING_SUPPORTED: i32 = 125;
pub const SCTP_EVENT: i32 = 127;
pub const SCTP_ASCONF_SUPPORTED: i32 = 128;
pub const SCTP_AUTH_SUPPORTED: i32 = 129;
pub const SCTP_ECN_SUPPORTED: i32 = 130;
pub const SCTP_EXPOSE_POTENTIALLY_FAILED_STATE: i32 = 131;
pub const SCTP_REMOTE_UDP_ENCAPS_PORT: i32 = 132;
pub const SCTP_PLPMTUD_PROBE_INTERVAL: i32 = 133;
const SCTP_SOCKOPT_BINDX_ADD: i32 = 100;
const SCTP_SOCKOPT_BINDX_REM: i32 = 101;
const SCTP_SOCKOPT_PEELOFF: i32 = 102;
const SCTP_GET_PEER_ADDRS: i32 = 108;
const SCTP_GET_LOCAL_ADDRS: i32 = 109;
const SCTP_SOCKOPT_CONNECTX3: i32 = 111;

// PR-SCTP policies (pr_policy, sprstat_policy); SCTP_PR_SCTP_ALL asks for their sum.
pub const SCTP_PR_SCTP_NONE: u16 = 0x0000;
pub const SCTP_PR_SCTP_TTL: u16 = 0x0010;
pub const SCTP_PR_SCTP_RTX: u16 = 0x0020;
pub const SCTP_PR_SCTP_PRIO: u16 = 0x0030;
pub const SCTP_PR_SCTP_ALL: u16 = 1 << 7;

// SCTP_ENABLE_STREAM_RESET bits.
pub const SCTP_ENABLE_RESET_STREAM_REQ: u32 = 0x01;
pub const SCTP_ENABLE_RESET_ASSOC_REQ: u32 = 0x02;
pub const SCTP_ENABLE_CHANGE_ASSOC_REQ: u32 = 0x04;

// HMAC identifiers of SCTP-AUTH (RFC 4895 section 3.3).
pub const SCTP_AUTH_HMAC_ID_SHA1: u16 = 1;
pub const SCTP_AUTH_HMAC_ID_SHA256: u16 = 3;

// Stream schedulers (enum sctp_sched_type); FC and WFQ came with Linux 6.2.
pub const SCTP_SS_FCFS: u32 = 0;
pub const SCTP_SS_PRIO: u32 = 1;
pub const SCTP_SS_RR: u32 = 2;
pub const SCTP_SS_FC: u32 = 3;
pub const SCTP_SS_WFQ: u32 = 4;

// SCTP_EXPOSE_POTENTIALLY_FAILED_STATE values (include/net/sctp/constants.h): unset
// follows net.sctp.pf_expose.
pub const SCTP_PF_EXPOSE_UNSET: u32 = 0;
pub const SCTP_PF_EXPOSE_DISABLE: u32 = 1;
pub const SCTP_PF_EXPOSE_ENABLE: u32 = 2;

/// cmsg types at level IPPROTO_SCTP: `struct sctp_sndrcvinfo`, and RFC 6458's
/// `struct sctp_sndinfo`, `sctp_rcvinfo`, `sctp_nxtinfo`, `sctp_prinfo` and `sctp_authinfo`.
pub const SCTP_SNDRCV: i32 = 1;
pub const SCTP_SNDINFO: i32 = 2;
pub const SCTP_RCVINFO: i32 = 3;
pub const SCTP_NXTINFO: i32 = 4;
pub const SCTP_PRINFO: i32 = 5;
pub const SCTP_AUTHINFO: i32 = 6;

// sinfo_flags bits.
pub const SCTP_UNORDERED: u16 = 1;
pub const SCTP_ADDR_OVER: u16 = 2;
pub const SCTP_ABORT: u16 = 4;
pub const SCTP_EOF: u16 = libc::MSG_FIN as u16;
/// `nxt_flags`: the next message is a notification.
pub const SCTP_NOTIFICATION: u16 = libc::MSG_NOTIFICATION as u16;

// Notification types (sn_type).
pub const SCTP_ASSOC_CHANGE: u16 = 0x8001;
pub const SCTP_PEER_ADDR_CHANGE: u16 = 0x8002;
pub const SCTP_SEND_FAILED: u16 = 0x8003;
pub const SCTP_REMOTE_ERROR: u16 = 0x8004;
pub const SCTP_SHUTDOWN_EVENT: u16 = 0x8005;
pub const SCTP_PARTIAL_DELIVERY_EVENT: u16 = 0x8006;
pub const SCTP_ADAPTATION_INDICATION: u16 = 0x8007;
pub const SCTP_AUTHENTICATION_EVENT: u16 = 0x8008;
pub const SCTP_SENDER_DRY_EVENT: u16 = 0x8009;
pub const SCTP_STREAM_RESET_EVENT: u16 = 0x800a;
pub const SCTP_ASSOC_RESET_EVENT: u16 = 0x800b;
pub const SCTP_STREAM_CHANGE_EVENT: u16 = 0x800c;
pub const SCTP_SEND_FAILED_EVENT: u16 = 0x800d;

// `strreset_flags` of a stream reset event; DENIED and FAILED also flag assoc reset and
// stream change events.
pub const SCTP_STREAM_RESET_INCOMING_SSN: u16 = 0x0001;
pub const SCTP_STREAM_RESET_OUTGOING_SSN: u16 = 0x0002;
pub const SCTP_STREAM_RESET_DENIED: u16 = 0x0004;
pub const SCTP_STREAM_RESET_FAILED: u16 = 0x0008;

// `srs_flags` of SCTP_RESET_STREAMS.
pub const SCTP_STREAM_RESET_INCOMING: u16 = 0x01;
pub const SCTP_STREAM_RESET_OUTGOING: u16 = 0x02;

/// `sctp_assoc_t`.
pub type AssocId = i32;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_initmsg {
    pub sinit_num_ostreams: u16,
    pub sinit_max_instreams: u16,
    pub sinit_max_attempts: u16,
    pub sinit_max_init_timeo: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_sndrcvinfo {
    pub sinfo_stream: u16,
    pub sinfo_ssn: u16,
    pub sinfo_flags: u16,
    pub sinfo_ppid: u32,
    pub sinfo_context: u32,
    pub sinfo_timetolive: u32,
    pub sinfo_tsn: u32,
    pub sinfo_cumtsn: u32,
    pub sinfo_assoc_id: AssocId,
}

/// RFC 6458's `struct sctp_sndinfo` (cmsg SCTP_SNDINFO, option SCTP_DEFAULT_SNDINFO), as a
/// send failed event carries it too.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_sndinfo {
    pub snd_sid: u16,
    pub snd_flags: u16,
    pub snd_ppid: u32,
    pub snd_context: u32,
    pub snd_assoc_id: AssocId,
}

/// RFC 6458's `struct sctp_prinfo` (cmsg SCTP_PRINFO), its padding spelt out.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_prinfo {
    pub pr_policy: u16,
    pub pad: u16,
    pub pr_value: u32,
}

/// RFC 6458's `struct sctp_authinfo` (cmsg SCTP_AUTHINFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_authinfo {
    pub auth_keynumber: u16,
}

/// The control messages of one send, each at most once: the `sctp_sndrcvinfo` of
/// SCTP_SNDRCV, or RFC 6458's send infos; one left out leaves its part to the kernel's
/// defaults.
#[derive(Clone, Copy, Debug, Default)]
pub struct SendInfo {
    pub sndrcv: Option<sctp_sndrcvinfo>,
    pub snd: Option<sctp_sndinfo>,
    pub pr: Option<sctp_prinfo>,
    pub auth: Option<sctp_authinfo>,
}

/// RFC 6458's `struct sctp_rcvinfo` (cmsg SCTP_RCVINFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_rcvinfo {
    pub rcv_sid: u16,
    pub rcv_ssn: u16,
    pub rcv_flags: u16,
    pub rcv_ppid: u32,
    pub rcv_tsn: u32,
    pub rcv_cumtsn: u32,
    pub rcv_context: u32,
    pub rcv_assoc_id: AssocId,
}

/// RFC 6458's `struct sctp_nxtinfo` (cmsg SCTP_NXTINFO).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_nxtinfo {
    pub nxt_sid: u16,
    pub nxt_flags: u16,
    pub nxt_ppid: u32,
    pub nxt_length: u32,
    pub nxt_assoc_id: AssocId,
}

/// `struct sctp_event` (SCTP_EVENT), its tail padding made a field.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_event {
    pub se_assoc_id: AssocId,
    pub se_type: u16,
    pub se_on: u8,
    pub _pad: u8,
}

/// `struct sctp_add_streams` (SCTP_ADD_STREAMS).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_add_streams {
    pub sas_assoc_id: AssocId,
    pub sas_instrms: u16,
    pub sas_outstrms: u16,
}

/// The first nine fields of `struct sctp_event_subscribe`, the ones OTP 25 knows. The kernel
/// accepts a shorter struct and leaves the later events unsubscribed.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_event_subscribe {
    pub sctp_data_io_event: u8,
    pub sctp_association_event: u8,
    pub sctp_address_event: u8,
    pub sctp_send_failure_event: u8,
    pub sctp_peer_error_event: u8,
    pub sctp_shutdown_event: u8,
    pub sctp_partial_delivery_event: u8,
    pub sctp_adaptation_layer_event: u8,
    pub sctp_authentication_event: u8,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_rtoinfo {
    pub srto_assoc_id: AssocId,
    pub srto_initial: u32,
    pub srto_max: u32,
    pub srto_min: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_assocparams {
    pub sasoc_assoc_id: AssocId,
    pub sasoc_asocmaxrxt: u16,
    pub sasoc_number_peer_destinations: u16,
    pub sasoc_peer_rwnd: u32,
    pub sasoc_local_rwnd: u32,
    pub sasoc_cookie_life: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_assoc_value {
    pub assoc_id: AssocId,
    pub assoc_value: u32,
}

/// RFC 6458 8.1.31 `struct sctp_stream_value`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_stream_value {
    pub assoc_id: AssocId,
    pub stream_id: u16,
    pub stream_value: u16,
}

/// `struct sctp_default_prinfo`, its tail padding spelt out.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_default_prinfo {
    pub pr_assoc_id: AssocId,
    pub pr_value: u32,
    pub pr_policy: u16,
    pub pad: u16,
}

/// `struct sctp_prstatus` (SCTP_PR_ASSOC_STATUS, SCTP_PR_STREAM_STATUS).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_prstatus {
    pub sprstat_assoc_id: AssocId,
    pub sprstat_sid: u16,
    pub sprstat_policy: u16,
    pub sprstat_abandoned_unsent: u64,
    pub sprstat_abandoned_sent: u64,
}

/// RFC 6951 `struct sctp_udpencaps`: not packed, so the `sockaddr_storage` sits at its
/// 8-byte alignment; the padding is spelt out. `sue_port` is in network order.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_udpencaps {
    pub sue_assoc_id: AssocId,
    pub pad: u32,
    pub sue_address: RawSockAddr,
    pub sue_port: u16,
    pub tail: [u8; 6],
}

/// `struct sctp_probeinterval` (SCTP_PLPMTUD_PROBE_INTERVAL): not packed, its padding
/// spelt out as `sctp_udpencaps`'s. `spi_interval` in milliseconds.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_probeinterval {
    pub spi_assoc_id: AssocId,
    pub pad: u32,
    pub spi_address: RawSockAddr,
    pub spi_interval: u32,
    pub tail: u32,
}

/// `struct sctp_paddrthlds_v2` (SCTP_PEER_ADDR_THLDS_V2), padding spelt out;
/// `spt_pathcpthld` is the kernel's `ps_retrans`, the primary path switchover threshold.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_paddrthlds_v2 {
    pub spt_assoc_id: AssocId,
    pub pad: u32,
    pub spt_address: RawSockAddr,
    pub spt_pathmaxrxt: u16,
    pub spt_pathpfthld: u16,
    pub spt_pathcpthld: u16,
    pub tail: u16,
}

/// `struct sctp_assoc_stats` (SCTP_GET_ASSOC_STATS), padding spelt out.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_assoc_stats {
    pub sas_assoc_id: AssocId,
    pub pad: u32,
    pub sas_obs_rto_ipaddr: RawSockAddr,
    pub sas_maxrto: u64,
    pub sas_isacks: u64,
    pub sas_osacks: u64,
    pub sas_opackets: u64,
    pub sas_ipackets: u64,
    pub sas_rtxchunks: u64,
    pub sas_outofseqtsns: u64,
    pub sas_idupchunks: u64,
    pub sas_gapcnt: u64,
    pub sas_ouodchunks: u64,
    pub sas_iuodchunks: u64,
    pub sas_oodchunks: u64,
    pub sas_iodchunks: u64,
    pub sas_octrlchunks: u64,
    pub sas_ictrlchunks: u64,
}

/// SCTP_AUTH_CHUNK: a chunk type the peer must authenticate.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_authchunk {
    pub sauth_chunk: u8,
}

/// `struct sctp_hmacalgo` ends in a flexible array of identifiers; this one has room for
/// `SCTP_AUTH_NUM_HMACS` of them (4 on Linux: ids 0 to 3), the most the kernel takes or
/// gives.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_hmacalgo {
    shmac_num_idents: u32,
    shmac_idents: [u16; 4],
}

impl sctp_hmacalgo {
    /// The identifiers in order of preference; `None` for none or more than there is room
    /// for.
    pub fn new(idents: &[u16]) -> Option<Self> {
        if idents.is_empty() {
            return None;
        }
        let mut shmac_idents = [0; 4];
        shmac_idents
            .get_mut(..idents.len())?
            .copy_from_slice(idents);
        Some(sctp_hmacalgo {
            shmac_num_idents: idents.len() as u32,
            shmac_idents,
        })
    }

    /// The identifiers the kernel filled in, at most as many as there is room for.
    pub fn idents(&self) -> &[u16] {
        let n = (self.shmac_num_idents as usize).min(self.shmac_idents.len());
        &self.shmac_idents[..n]
    }
}

/// SCTP_AUTH_ACTIVE_KEY, SCTP_AUTH_DELETE_KEY and SCTP_AUTH_DEACTIVATE_KEY.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_authkeyid {
    pub scact_assoc_id: AssocId,
    pub scact_keynumber: u16,
    pub pad: u16,
}

/// SCTP_PEER_AUTH_CHUNKS and SCTP_LOCAL_AUTH_CHUNKS: `struct sctp_authchunks`, its
/// flexible array with room for 256 chunk types, the most a CHUNKS parameter (at most 260
/// bytes long, RFC 4895 section 3.2) can list; the kernel checks the room against the
/// option length, which is 8 bytes more.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_authchunks {
    pub gauth_assoc_id: AssocId,
    gauth_number_of_chunks: u32,
    gauth_chunks: [u8; 256],
}

impl sctp_authchunks {
    /// The chunk types the kernel filled in, at most as many as there is room for.
    pub fn chunks(&self) -> &[u8] {
        let n = (self.gauth_number_of_chunks as usize).min(self.gauth_chunks.len());
        &self.gauth_chunks[..n]
    }
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct sctp_setadaptation {
    pub ssb_adaptation_ind: u32,
}

/// `struct sctp_prim` and `struct sctp_setpeerprim` share this layout.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_prim {
    pub ssp_assoc_id: AssocId,
    pub ssp_addr: RawSockAddr,
}

/// Packed in the kernel, then padded to a multiple of 4 bytes.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_paddrparams {
    pub spp_assoc_id: AssocId,
    pub spp_address: RawSockAddr,
    pub spp_hbinterval: u32,
    pub spp_pathmaxrxt: u16,
    pub spp_pathmtu: u32,
    pub spp_sackdelay: u32,
    pub spp_flags: u32,
    pub spp_ipv6_flowlabel: u32,
    pub spp_dscp: u8,
    pub _pad: u8,
}

#[repr(C, packed)]
#[derive(Clone, Copy)]
pub struct sctp_paddrinfo {
    pub spinfo_assoc_id: AssocId,
    pub spinfo_address: RawSockAddr,
    pub spinfo_state: i32,
    pub spinfo_cwnd: u32,
    pub spinfo_srtt: u32,
    pub spinfo_rto: u32,
    pub spinfo_mtu: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct sctp_status {
    pub sstat_assoc_id: AssocId,
    pub sstat_state: i32,
    pub sstat_rwnd: u32,
    pub sstat_unackdata: u16,
    pub sstat_penddata: u16,
    pub sstat_instrms: u16,
    pub sstat_outstrms: u16,
    pub sstat_fragmentation_point: u32,
    pub sstat_primary: sctp_paddrinfo,
}

// Notification headers, used for their offsets by the decoder.
#[repr(C)]
pub struct sctp_assoc_change {
    pub sac_type: u16,
    pub sac_flags: u16,
    pub sac_length: u32,
    pub sac_state: u16,
    pub sac_error: u16,
    pub sac_outbound_streams: u16,
    pub sac_inbound_streams: u16,
    pub sac_assoc_id: AssocId,
}

#[repr(C, packed)]
pub struct sctp_paddr_change {
    pub spc_type: u16,
    pub spc_flags: u16,
    pub spc_length: u32,
    pub spc_aaddr: RawSockAddr,
    pub spc_state: i32,
    pub spc_error: i32,
    pub spc_assoc_id: AssocId,
}

#[repr(C)]
pub struct sctp_remote_error {
    pub sre_type: u16,
    pub sre_flags: u16,
    pub sre_length: u32,
    pub sre_error: u16,
    pub sre_assoc_id: AssocId,
    // followed by the ERROR chunk: sre_data[]
}

#[repr(C)]
pub struct sctp_send_failed {
    pub ssf_type: u16,
    pub ssf_flags: u16,
    pub ssf_length: u32,
    pub ssf_error: u32,
    pub ssf_info: sctp_sndrcvinfo,
    pub ssf_assoc_id: AssocId,
    // followed by the undelivered payload: ssf_data[]
}

#[repr(C)]
pub struct sctp_shutdown_event {
    pub sse_type: u16,
    pub sse_flags: u16,
    pub sse_length: u32,
    pub sse_assoc_id: AssocId,
}

#[repr(C)]
pub struct sctp_adaptation_event {
    pub sai_type: u16,
    pub sai_flags: u16,
    pub sai_length: u32,
    pub sai_adaptation_ind: u32,
    pub sai_assoc_id: AssocId,
}

#[repr(C)]
pub struct sctp_pdapi_event {
    pub pdapi_type: u16,
    pub pdapi_flags: u16,
    pub pdapi_length: u32,
    pub pdapi_indication: u32,
    pub pdapi_assoc_id: AssocId,
    pub pdapi_stream: u32,
    pub pdapi_seq: u32,
}

#[repr(C)]
pub struct sctp_authkey_event {
    pub auth_type: u16,
    pub auth_flags: u16,
    pub auth_length: u32,
    pub auth_keynumber: u16,
    pub auth_altkeynumber: u16,
    pub auth_indication: u32,
    pub auth_assoc_id: AssocId,
}

#[repr(C)]
pub struct sctp_sender_dry_event {
    pub sender_dry_type: u16,
    pub sender_dry_flags: u16,
    pub sender_dry_length: u32,
    pub sender_dry_assoc_id: AssocId,
}

#[repr(C)]
pub struct sctp_stream_reset_event {
    pub strreset_type: u16,
    pub strreset_flags: u16,
    pub strreset_length: u32,
    pub strreset_assoc_id: AssocId,
    // followed by the streams reset: strreset_stream_list[], u16 each
}

#[repr(C)]
pub struct sctp_assoc_reset_event {
    pub assocreset_type: u16,
    pub assocreset_flags: u16,
    pub assocreset_length: u32,
    pub assocreset_assoc_id: AssocId,
    pub assocreset_local_tsn: u32,
    pub assocreset_remote_tsn: u32,
}

#[repr(C)]
pub struct sctp_stream_change_event {
    pub strchange_type: u16,
    pub strchange_flags: u16,
    pub strchange_length: u32,
    pub strchange_assoc_id: AssocId,
    pub strchange_instrms: u16,
    pub strchange_outstrms: u16,
}

#[repr(C)]
pub struct sctp_send_failed_event {
    pub ssf_type: u16,
    pub ssf_flags: u16,
    pub ssf_length: u32,
    pub ssf_error: u32,
    pub ssfe_info: sctp_sndinfo,
    pub ssf_assoc_id: AssocId,
    // followed by the undelivered payload: ssf_data[]
}

#[repr(C)]
struct sctp_peeloff_arg {
    associd: AssocId,
    sd: i32,
}

#[repr(C)]
struct sctp_getaddrs_old {
    assoc_id: AssocId,
    addr_num: i32,
    addrs: *mut u8,
}

// Sizes from the x86_64 and aarch64 Linux UAPI headers.
const _: () = {
    assert!(size_of::<RawSockAddr>() == 128);
    assert!(size_of::<sctp_initmsg>() == 8);
    assert!(size_of::<sctp_sndrcvinfo>() == 32);
    assert!(size_of::<sctp_event_subscribe>() == 9);
    assert!(size_of::<sctp_rtoinfo>() == 16);
    assert!(size_of::<sctp_assocparams>() == 20);
    assert!(size_of::<sctp_assoc_value>() == 8);
    assert!(size_of::<sctp_setadaptation>() == 4);
    assert!(size_of::<sctp_prim>() == 132);
    assert!(size_of::<sctp_paddrparams>() == 156);
    assert!(size_of::<sctp_paddrinfo>() == 152);
    assert!(size_of::<sctp_status>() == 176);
    assert!(size_of::<sctp_stream_value>() == 8);
    assert!(size_of::<sctp_default_prinfo>() == 12);
    assert!(size_of::<sctp_prstatus>() == 24);
    assert!(size_of::<sctp_udpencaps>() == 144);
    assert!(std::mem::offset_of!(sctp_udpencaps, sue_address) == 8);
    assert!(std::mem::offset_of!(sctp_udpencaps, sue_port) == 136);
    assert!(size_of::<sctp_probeinterval>() == 144);
    assert!(std::mem::offset_of!(sctp_probeinterval, spi_address) == 8);
    assert!(std::mem::offset_of!(sctp_probeinterval, spi_interval) == 136);
    assert!(size_of::<sctp_paddrthlds_v2>() == 144);
    assert!(std::mem::offset_of!(sctp_paddrthlds_v2, spt_address) == 8);
    assert!(std::mem::offset_of!(sctp_paddrthlds_v2, spt_pathmaxrxt) == 136);
    assert!(std::mem::offset_of!(sctp_paddrthlds_v2, spt_pathcpthld) == 140);
    assert!(size_of::<sctp_assoc_stats>() == 256);
    assert!(std::mem::offset_of!(sctp_assoc_stats, sas_obs_rto_ipaddr) == 8);
    assert!(std::mem::offset_of!(sctp_assoc_stats, sas_maxrto) == 136);
    assert!(std::mem::offset_of!(sctp_assoc_stats, sas_ictrlchunks) == 248);
    assert!(size_of::<sctp_authchunk>() == 1);
    assert!(size_of::<sctp_hmacalgo>() == 12);
    assert!(size_of::<sctp_authkeyid>() == 8);
    assert!(size_of::<sctp_authchunks>() == 264);
    assert!(std::mem::offset_of!(sctp_authchunks, gauth_chunks) == 8);
    assert!(size_of::<sctp_assoc_change>() == 20);
    assert!(size_of::<sctp_paddr_change>() == 148);
    assert!(size_of::<sctp_remote_error>() == 16);
    assert!(size_of::<sctp_send_failed>() == 48);
    assert!(size_of::<sctp_shutdown_event>() == 12);
    assert!(size_of::<sctp_adaptation_event>() == 16);
    assert!(size_of::<sctp_pdapi_event>() == 24);
    assert!(size_of::<sctp_peeloff_arg>() == 8);
    assert!(size_of::<sctp_sndinfo>() == 16);
    assert!(size_of::<sctp_prinfo>() == 8);
    assert!(size_of::<sctp_authinfo>() == 2);
    assert!(size_of::<sctp_rcvinfo>() == 28);
    assert!(size_of::<sctp_nxtinfo>() == 16);
    assert!(size_of::<sctp_event>() == 8);
    assert!(size_of::<sctp_add_streams>() == 8);
    assert!(size_of::<sctp_authkey_event>() == 20);
    assert!(size_of::<sctp_sender_dry_event>() == 12);
    assert!(size_of::<sctp_stream_reset_event>() == 12);
    assert!(size_of::<sctp_assoc_reset_event>() == 20);
    assert!(size_of::<sctp_stream_change_event>() == 16);
    assert!(size_of::<sctp_send_failed_event>() == 32);
    assert!(size_of::<libc::cmsghdr>() == 16);
};

/// Plain-old-data socket option structs: any byte pattern is a valid value.
///
/// # Safety
/// Implement only for `repr(C)` structs made of integers and byte arrays.
pub unsafe trait Pod: Copy + 'static {
    fn zeroed() -> Self {
        // SAFETY: Pod types are valid for the all-zero byte pattern.
        unsafe { MaybeUninit::zeroed().assume_init() }
    }
}

// SAFETY: each of these is repr(C) and made of integers and byte arrays only.
unsafe impl Pod for i32 {}
unsafe impl Pod for u32 {}
unsafe impl Pod for libc::linger {}
unsafe impl Pod for sctp_initmsg {}
unsafe impl Pod for sctp_sndrcvinfo {}
unsafe impl Pod for sctp_event_subscribe {}
unsafe impl Pod for sctp_rtoinfo {}
unsafe impl Pod for sctp_assocparams {}
unsafe impl Pod for sctp_assoc_value {}
unsafe impl Pod for sctp_setadaptation {}
unsafe impl Pod for sctp_prim {}
unsafe impl Pod for sctp_paddrparams {}
unsafe impl Pod for sctp_paddrinfo {}
unsafe impl Pod for sctp_status {}
unsafe impl Pod for sctp_stream_value {}
unsafe impl Pod for sctp_default_prinfo {}
unsafe impl Pod for sctp_prstatus {}
unsafe impl Pod for sctp_udpencaps {}
unsafe impl Pod for sctp_probeinterval {}
unsafe impl Pod for sctp_paddrthlds_v2 {}
unsafe impl Pod for sctp_assoc_stats {}
unsafe impl Pod for sctp_sndinfo {}
unsafe impl Pod for sctp_prinfo {}
unsafe impl Pod for sctp_authinfo {}
unsafe impl Pod for sctp_rcvinfo {}
unsafe impl Pod for sctp_nxtinfo {}
unsafe impl Pod for sctp_event {}
unsafe impl Pod for sctp_add_streams {}
unsafe impl Pod for sctp_authchunk {}
unsafe impl Pod for sctp_hmacalgo {}
unsafe impl Pod for sctp_authkeyid {}
unsafe impl Pod for sctp_authchunks {}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn cvt_size(ret: libc::ssize_t) -> io::Result<usize> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret as usize)
    }
}

/// A new non-blocking, close-on-exec SCTP socket.
pub fn sctp_socket(family: i32, sock_type: i32) -> io::Result<OwnedFd> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: socket(2) takes no pointers; a non-negative result is a new fd that we own.
    let fd = cvt(unsafe { libc::socket(family, sock_type | flags, IPPROTO_SCTP) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A new SCTP socket, as `sctp_socket`, in the network namespace that the file `netns`
/// names (such as `/var/run/netns/NAME`). A thread of its own enters the namespace and ends
/// once the socket exists, so no scheduler thread ever changes namespace; the socket stays
/// in the namespace it was created in. The caller waits for that thread: a dirty
/// scheduler's work.
pub fn sctp_socket_in(netns: &Path, family: i32, sock_type: i32) -> io::Result<OwnedFd> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let ns = std::fs::File::open(netns)?;
                // SAFETY: setns(2) takes an fd and a flag, no pointers; it moves only this
                // thread, which ends right after creating the socket.
                cvt(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) })?;
                sctp_socket(family, sock_type)
            })
            .join()
            .unwrap_or_else(|_| Err(io::Error::from_raw_os_error(libc::EIO)))
    })
}

pub fn bind(fd: RawFd, sa: &RawSockAddr, len: u32) -> io::Result<()> {
    // SAFETY: `sa` points to a sockaddr_storage-sized buffer and `len` does not exceed it.
    cvt(unsafe { libc::bind(fd, sa.as_ptr(), len) }).map(drop)
}

/// Adds (`add`) or removes local addresses of a bound socket, as sctp_bindx(3) does.
pub fn bindx(fd: RawFd, packed: &[u8], add: bool) -> io::Result<()> {
    let name = if add {
        SCTP_SOCKOPT_BINDX_ADD
    } else {
        SCTP_SOCKOPT_BINDX_REM
    };
    set_raw(fd, SOL_SCTP, name, packed)
}

pub fn listen(fd: RawFd, backlog: i32) -> io::Result<()> {
    // SAFETY: listen(2) takes no pointers.
    cvt(unsafe { libc::listen(fd, backlog) }).map(drop)
}

/// accept(2) on a listening one-to-one socket: the next association's own socket,
/// non-blocking and close-on-exec. `EAGAIN` when none is waiting.
pub fn accept(fd: RawFd) -> io::Result<OwnedFd> {
    let flags = libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    // SAFETY: null address and length pointers ask accept4(2) not to report the peer.
    let new_fd = cvt(unsafe { libc::accept4(fd, ptr::null_mut(), ptr::null_mut(), flags) })?;
    // SAFETY: on success the result is a new fd that we own.
    Ok(unsafe { OwnedFd::from_raw_fd(new_fd) })
}

/// Starts an association; `EINPROGRESS` is success here, the outcome arrives as an event.
pub fn connect(fd: RawFd, sa: &RawSockAddr, len: u32) -> io::Result<()> {
    // SAFETY: `sa` points to a sockaddr_storage-sized buffer and `len` does not exceed it.
    match cvt(unsafe { libc::connect(fd, sa.as_ptr(), len) }) {
        Ok(_) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(()),
        Err(e) => Err(e),
    }
}

/// sctp_connectx(3): starts an association to several peer addresses (packed sockaddrs)
/// and returns its id at once, before the handshake completes.
pub fn connectx(fd: RawFd, packed: &[u8]) -> io::Result<AssocId> {
    let mut arg = sctp_getaddrs_old {
        assoc_id: 0,
        addr_num: packed.len() as i32,
        addrs: packed.as_ptr() as *mut u8,
    };
    let mut len = size_of::<sctp_getaddrs_old>() as libc::socklen_t;
    // SAFETY: `arg` is a valid sctp_getaddrs_old whose `addrs` points to `addr_num` readable
    // bytes; the kernel only reads them and writes `assoc_id` back into `arg`.
    let ret = unsafe {
        libc::getsockopt(
            fd,
            SOL_SCTP,
            SCTP_SOCKOPT_CONNECTX3,
            &mut arg as *mut _ as *mut libc::c_void,
            &mut len,
        )
    };
    match cvt(ret) {
        Ok(_) => Ok(arg.assoc_id),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(arg.assoc_id),
        Err(e) => Err(e),
    }
}

/// sctp_peeloff(3) for a socket of another network namespace: made from a thread of its
/// own that enters the socket's namespace, which the caller waits for (so the caller
/// blocks: a dirty scheduler's work). `EINVAL` when that namespace cannot be entered,
/// as the kernel answers from outside it.
pub fn peeloff_in_netns(fd: RawFd, assoc_id: AssocId) -> io::Result<OwnedFd> {
    in_netns_of(fd, || peeloff(fd, assoc_id))
        .unwrap_or_else(|| Err(io::Error::from_raw_os_error(libc::EINVAL)))
}

/// True if socket `fd` lives in a network namespace other than the calling thread's, or
/// may: when the socket's namespace is known but this thread's cannot be read (no
/// procfs), `peeloff_in_netns` is worth a try. False when the socket's is not known.
pub fn in_other_netns(fd: RawFd) -> bool {
    let Some(theirs) = netns_of(fd) else {
        return false;
    };
    let ours = std::fs::metadata("/proc/thread-self/ns/net");
    let theirs = std::fs::File::from(theirs).metadata();
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => (ours.dev(), ours.ino()) != (theirs.dev(), theirs.ino()),
        _ => true,
    }
}

/// The network namespace of socket `fd`, as a new fd; `None` when the kernel will not
/// give it (without `CAP_NET_ADMIN` there).
fn netns_of(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: SIOCGSKNS takes no argument; a non-negative result is a new fd that we own.
    let ns = cvt(unsafe { libc::ioctl(fd, libc::SIOCGSKNS as _) }).ok()?;
    // SAFETY: `ns` was just returned by ioctl(2) and is owned by nobody else.
    Some(unsafe { OwnedFd::from_raw_fd(ns) })
}

/// Runs `f` on a thread of its own in the network namespace of socket `fd`, and waits for
/// it; `None` when that namespace cannot be entered.
fn in_netns_of<T: Send>(
    fd: RawFd,
    f: impl FnOnce() -> io::Result<T> + Send,
) -> Option<io::Result<T>> {
    let ns = netns_of(fd)?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                // SAFETY: setns(2) takes an fd and a flag, no pointers; it moves only this
                // thread, which ends when `f` returns.
                cvt(unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) }).ok()?;
                Some(f())
            })
            .join()
            .ok()
            .flatten()
    })
}

/// sctp_peeloff(3): branches an association off into a new one-to-one socket. The kernel
/// peels off only within the caller's network namespace and answers `EINVAL` from any
/// other (see `in_other_netns` and `peeloff_in_netns`).
pub fn peeloff(fd: RawFd, assoc_id: AssocId) -> io::Result<OwnedFd> {
    let mut arg = sctp_peeloff_arg {
        associd: assoc_id,
        sd: -1,
    };
    let mut len = size_of::<sctp_peeloff_arg>() as libc::socklen_t;
    // SAFETY: `arg` is a valid sctp_peeloff_arg of `len` bytes that the kernel fills in.
    cvt(unsafe {
        libc::getsockopt(
            fd,
            SOL_SCTP,
            SCTP_SOCKOPT_PEELOFF,
            &mut arg as *mut _ as *mut libc::c_void,
            &mut len,
        )
    })?;
    // SAFETY: on success `sd` is a new fd that we own.
    let new_fd = unsafe { OwnedFd::from_raw_fd(arg.sd) };
    set_nonblocking(new_fd.as_raw_fd())?;
    Ok(new_fd)
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl(2) with F_GETFL/F_SETFL takes no pointers.
    let flags = cvt(unsafe { libc::fcntl(fd, libc::F_GETFL) })?;
    // SAFETY: as above.
    cvt(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) }).map(drop)
}

/// Room for the control messages of one send: each of `SendInfo`'s at most once.
const SEND_CONTROL_SPACE: usize = cmsg_space(size_of::<sctp_sndrcvinfo>())
    + cmsg_space(size_of::<sctp_sndinfo>())
    + cmsg_space(size_of::<sctp_prinfo>())
    + cmsg_space(size_of::<sctp_authinfo>());

/// Sends one message with the control messages of `info`; `to` is an optional destination.
pub fn sendmsg(
    fd: RawFd,
    data: &[u8],
    info: &SendInfo,
    to: Option<(&RawSockAddr, u32)>,
) -> io::Result<usize> {
    let mut control = [0u64; SEND_CONTROL_SPACE / 8];
    let used = send_control(info, &mut control);
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { MaybeUninit::zeroed().assume_init() };
    if let Some((sa, len)) = to {
        msg.msg_name = sa.as_ptr() as *mut libc::c_void;
        msg.msg_namelen = len;
    }
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if used > 0 {
        msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = used;
    }
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated length, and the
    // kernel only reads them.
    cvt_size(unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) })
}

/// Lays out the control messages of `info` in `control`; answers how many bytes they take.
fn send_control(info: &SendInfo, control: &mut [u64; SEND_CONTROL_SPACE / 8]) -> usize {
    let mut used = 0;
    if let Some(i) = &info.sndrcv {
        used = put_cmsg(control, used, SCTP_SNDRCV, i);
    }
    if let Some(i) = &info.snd {
        used = put_cmsg(control, used, SCTP_SNDINFO, i);
    }
    if let Some(i) = &info.pr {
        used = put_cmsg(control, used, SCTP_PRINFO, i);
    }
    if let Some(i) = &info.auth {
        used = put_cmsg(control, used, SCTP_AUTHINFO, i);
    }
    used
}

/// Writes one control message of level IPPROTO_SCTP, type `kind`, holding `value`, at
/// byte `at` of `control`; answers where the next one goes, as CMSG_NXTHDR would find it.
fn put_cmsg<T: Pod>(control: &mut [u64], at: usize, kind: i32, value: &T) -> usize {
    let next = at + cmsg_space(size_of::<T>());
    assert!(at.is_multiple_of(size_of::<usize>()) && next <= size_of_val(control));
    // SAFETY: `at` is aligned for a cmsghdr (the buffer is u64-aligned and cmsg_space keeps
    // offsets aligned), and the header with its data, CMSG_LEN(size_of::<T>()) bytes from
    // `at`, ends before `next`, within `control` (asserted above).
    unsafe {
        let cmsg = (control.as_mut_ptr() as *mut u8).add(at) as *mut libc::cmsghdr;
        (*cmsg).cmsg_level = IPPROTO_SCTP;
        (*cmsg).cmsg_type = kind;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<T>() as u32) as usize;
        ptr::write_unaligned(libc::CMSG_DATA(cmsg) as *mut T, *value);
    }
    next
}

const fn cmsg_space(len: usize) -> usize {
    let align = size_of::<usize>();
    let hdr = (size_of::<libc::cmsghdr>() + align - 1) & !(align - 1);
    hdr + ((len + align - 1) & !(align - 1))
}

/// Room for every control message one received message can carry at once: the
/// `sctp_sndrcvinfo`, `sctp_rcvinfo` and `sctp_nxtinfo` of the SCTP level, and an `int` each
/// for the IP level's TOS, TTL and traffic class.
pub const RECV_CONTROL_SPACE: usize = cmsg_space(size_of::<sctp_sndrcvinfo>())
    + cmsg_space(size_of::<sctp_rcvinfo>())
    + cmsg_space(size_of::<sctp_nxtinfo>())
    + 3 * cmsg_space(size_of::<i32>());

/// What one recvmsg(2) call returned besides the payload bytes.
pub struct Received {
    pub len: usize,
    pub flags: i32,
    pub from: RawSockAddr,
    pub from_len: u32,
    pub control_len: usize,
}

/// Receives (part of) one message into `buf`, its ancillary data into `control`.
pub fn recvmsg(fd: RawFd, buf: &mut [u8], control: &mut [u8]) -> io::Result<Received> {
    let mut from = RawSockAddr::zeroed();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { MaybeUninit::zeroed().assume_init() };
    msg.msg_name = from.as_mut_ptr() as *mut libc::c_void;
    msg.msg_namelen = size_of::<RawSockAddr>() as u32;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
    msg.msg_controllen = control.len();
    // SAFETY: every pointer in `msg` refers to a live, writable buffer of the stated length.
    let len = cvt_size(unsafe { libc::recvmsg(fd, &mut msg, 0) })?;
    Ok(Received {
        len,
        flags: msg.msg_flags,
        from_len: msg.msg_namelen,
        from,
        control_len: msg.msg_controllen.min(control.len()),
    })
}

pub fn setsockopt<T: Pod>(fd: RawFd, level: i32, name: i32, value: &T) -> io::Result<()> {
    // SAFETY: a Pod value may be viewed as its bytes.
    let bytes =
        unsafe { std::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) };
    set_raw(fd, level, name, bytes)
}

/// setsockopt(2) with an option value given as its bytes, for the structs of variable
/// length (such as `struct sctp_reset_streams`).
pub fn set_raw(fd: RawFd, level: i32, name: i32, bytes: &[u8]) -> io::Result<()> {
    // SAFETY: `bytes` is a live buffer of the stated length that the kernel only reads.
    cvt(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            bytes.as_ptr() as *const libc::c_void,
            bytes.len() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// SCTP_AUTH_KEY: sets shared key `keynumber` of association `assoc_id` (or of the
/// endpoint, as for the other per-association options). `struct sctp_authkey` is an 8-byte
/// header and the key; the kernel refuses an option no longer than the header, so an
/// empty key (a valid one, RFC 4895 section 6.1) goes with one byte of padding.
pub fn set_auth_key(fd: RawFd, assoc_id: AssocId, keynumber: u16, key: &[u8]) -> io::Result<()> {
    let keylength =
        u16::try_from(key.len()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let mut bytes = Vec::with_capacity(8 + key.len().max(1));
    bytes.extend_from_slice(&assoc_id.to_ne_bytes());
    bytes.extend_from_slice(&keynumber.to_ne_bytes());
    bytes.extend_from_slice(&keylength.to_ne_bytes());
    bytes.extend_from_slice(key);
    if key.is_empty() {
        bytes.push(0);
    }
    set_raw(fd, SOL_SCTP, SCTP_AUTH_KEY, &bytes)
}

/// getsockopt(2) into `value`, which also carries the request (e.g. an assoc id) in.
pub fn getsockopt<T: Pod>(fd: RawFd, level: i32, name: i32, value: &mut T) -> io::Result<()> {
    getsockopt_len(fd, level, name, value).map(drop)
}

pub fn getsockname(fd: RawFd) -> io::Result<(RawSockAddr, u32)> {
    let mut sa = RawSockAddr::zeroed();
    let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
    // SAFETY: `sa` is a writable sockaddr_storage of `len` bytes.
    cvt(unsafe { libc::getsockname(fd, sa.as_mut_ptr(), &mut len) })?;
    Ok((sa, len))
}

pub fn getpeername(fd: RawFd) -> io::Result<(RawSockAddr, u32)> {
    let mut sa = RawSockAddr::zeroed();
    let mut len = size_of::<RawSockAddr>() as libc::socklen_t;
    // SAFETY: `sa` is a writable sockaddr_storage of `len` bytes.
    cvt(unsafe { libc::getpeername(fd, sa.as_mut_ptr(), &mut len) })?;
    Ok((sa, len))
}

/// The local (`local`) or peer addresses of an association (0: the socket's own): their
/// count and a buffer holding them packed from offset 8 (`struct sctp_getaddrs`). The
/// count is the one to trust: for local addresses the kernel's returned length leaves out
/// the 8-byte header.
pub fn getaddrs(fd: RawFd, assoc_id: AssocId, local: bool) -> io::Result<(usize, Vec<u8>)> {
    let name = if local {
        SCTP_GET_LOCAL_ADDRS
    } else {
        SCTP_GET_PEER_ADDRS
    };
    // struct sctp_getaddrs { sctp_assoc_t assoc_id; __u32 addr_num; __u8 addrs[]; }
    let mut buf = vec![0u8; 8 + 64 * 28];
    loop {
        buf.fill(0);
        buf[..4].copy_from_slice(&assoc_id.to_ne_bytes());
        let mut len = buf.len() as libc::socklen_t;
        // SAFETY: `buf` is a writable buffer of `len` bytes.
        let ret = unsafe {
            libc::getsockopt(
                fd,
                SOL_SCTP,
                name,
                buf.as_mut_ptr() as *mut libc::c_void,
                &mut len,
            )
        };
        match cvt(ret) {
            Ok(_) => {
                let count = u32::from_ne_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
                return Ok((count, buf));
            }
            Err(e) if e.raw_os_error() == Some(libc::EFAULT) && buf.len() < 1 << 20 => {
                let bigger = buf.len() * 4;
                buf.resize(bigger, 0);
            }
            Err(e) => return Err(e),
        }
    }
}

/// The readiness events the poller waits for.
pub const EPOLLIN: u32 = libc::EPOLLIN as u32;
pub const EPOLLOUT: u32 = libc::EPOLLOUT as u32;

pub struct Epoll {
    fd: OwnedFd,
}

pub type EpollEvent = libc::epoll_event;

pub fn epoll_event_empty() -> EpollEvent {
    EpollEvent { events: 0, u64: 0 }
}

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: epoll_create1 takes no pointers; the result is a new fd that we own.
        let fd = cvt(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by epoll_create1.
        Ok(Epoll {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    fn ctl(&self, op: i32, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        let mut ev = EpollEvent { events, u64: token };
        // SAFETY: `ev` is a valid epoll_event for the duration of the call.
        cvt(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), op, fd, &mut ev) }).map(drop)
    }

    pub fn add(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, events, token)
    }

    pub fn modify(&self, fd: RawFd, events: u32, token: u64) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_MOD, fd, events, token)
    }

    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events, at most `timeout_ms` (-1: no limit); an interrupted wait returns
    /// no events.
    pub fn wait(&self, events: &mut [EpollEvent], timeout_ms: i32) -> io::Result<usize> {
        // SAFETY: `events` is a writable array of the stated length.
        let ret = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                timeout_ms,
            )
        };
        match cvt(ret) {
            Ok(n) => Ok(n as usize),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(e),
        }
    }
}

/// An eventfd used to wake the poller.
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    pub fn new() -> io::Result<EventFd> {
        // SAFETY: eventfd takes no pointers; the result is a new fd that we own.
        let fd = cvt(unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) })?;
        // SAFETY: `fd` was just returned by eventfd.
        Ok(EventFd {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub fn notify(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a live u64. A full counter (EAGAIN) already means
        // "wake up", so the result is irrelevant.
        unsafe {
            libc::write(
                self.fd.as_raw_fd(),
                &one as *const u64 as *const libc::c_void,
                8,
            )
        };
    }

    pub fn drain(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into a live u64.
        unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                &mut count as *mut u64 as *mut libc::c_void,
                8,
            )
        };
    }
}

impl RawSockAddr {
    fn as_ptr(&self) -> *const libc::sockaddr {
        self as *const RawSockAddr as *const libc::sockaddr
    }

    fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        self as *mut RawSockAddr as *mut libc::sockaddr
    }
}

/// Reads a plain `T` out of a byte slice if it is long enough (notification parsing).
pub fn read_struct<T: Pod>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < size_of::<T>() {
        return None;
    }
    // SAFETY: the slice holds at least size_of::<T>() bytes and any bytes are a valid Pod.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const T) })
}

// `spp_flags` bits of `struct sctp_paddrparams` (linux/sctp.h). OTP 25's
// SCTP_FLAG_HB_ENABLE ... SCTP_FLAG_SACKDELAY_DISABLE use the same values.
pub const SPP_HB_ENABLE: u32 = 1 << 0;
pub const SPP_HB_DISABLE: u32 = 1 << 1;
pub const SPP_HB_DEMAND: u32 = 1 << 2;
pub const SPP_PMTUD_ENABLE: u32 = 1 << 3;
pub const SPP_PMTUD_DISABLE: u32 = 1 << 4;
pub const SPP_SACKDELAY_ENABLE: u32 = 1 << 5;
pub const SPP_SACKDELAY_DISABLE: u32 = 1 << 6;

// `sstat_state` of `struct sctp_status` (enum sctp_sstat_state).
pub const SCTP_EMPTY: i32 = 0;
pub const SCTP_CLOSED: i32 = 1;
pub const SCTP_COOKIE_WAIT: i32 = 2;
pub const SCTP_COOKIE_ECHOED: i32 = 3;
pub const SCTP_ESTABLISHED: i32 = 4;
pub const SCTP_SHUTDOWN_PENDING: i32 = 5;
pub const SCTP_SHUTDOWN_SENT: i32 = 6;
pub const SCTP_SHUTDOWN_RECEIVED: i32 = 7;
pub const SCTP_SHUTDOWN_ACK_SENT: i32 = 8;

// `spinfo_state` of `struct sctp_paddrinfo` (enum sctp_spinfo_state).
pub const SCTP_INACTIVE: i32 = 0;
pub const SCTP_ACTIVE: i32 = 2;
pub const SCTP_UNCONFIRMED: i32 = 3;

/// `IFNAMSIZ`: the buffer SO_BINDTODEVICE reads and writes.
pub const IFNAMSIZ: usize = 16;

/// An interface name for SO_BINDTODEVICE, NUL-padded.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct IfName {
    pub bytes: [u8; IFNAMSIZ],
}

const _: () = assert!(size_of::<IfName>() == IFNAMSIZ);

// SAFETY: a byte array; any byte pattern is valid.
unsafe impl Pod for IfName {}

/// getsockopt(2) into `value`; also returns how many bytes the kernel filled in.
pub fn getsockopt_len<T: Pod>(
    fd: RawFd,
    level: i32,
    name: i32,
    value: &mut T,
) -> io::Result<usize> {
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` is a writable Pod of `len` bytes; any bytes the kernel writes are valid.
    cvt(unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            value as *mut T as *mut libc::c_void,
            &mut len,
        )
    })?;
    Ok((len as usize).min(size_of::<T>()))
}

/// SCTP_GET_ASSOC_ID_LIST: the ids of a one-to-many socket's associations. `struct
/// sctp_assoc_ids` ends in an array of as many ids as the kernel counts then: the buffer
/// starts with room for `expected`, and grows while the kernel answers `EINVAL` (an
/// association came meanwhile), up to `SCTP_MAX_ASSOC_IDS`.
pub fn assoc_id_list(fd: RawFd, expected: usize) -> io::Result<Vec<AssocId>> {
    const SCTP_MAX_ASSOC_IDS: usize = 1 << 16;
    let mut room = expected.max(1);
    loop {
        // One u32 count, then the ids; AssocId is an i32 too, so no padding.
        let mut words = vec![0u32; 1 + room];
        let mut len = (words.len() * size_of::<u32>()) as libc::socklen_t;
        // SAFETY: `words` is a live, writable buffer of `len` bytes; any bytes the kernel
        // writes are valid u32s.
        let ret = cvt(unsafe {
            libc::getsockopt(
                fd,
                SOL_SCTP,
                SCTP_GET_ASSOC_ID_LIST,
                words.as_mut_ptr() as *mut libc::c_void,
                &mut len,
            )
        });
        match ret {
            Ok(_) => {
                let filled = (len as usize / size_of::<u32>()).min(words.len());
                let count = (words[0] as usize).min(filled.saturating_sub(1));
                return Ok(words[1..1 + count].iter().map(|&w| w as AssocId).collect());
            }
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) && room < SCTP_MAX_ASSOC_IDS => {
                room = (room * 2).min(SCTP_MAX_ASSOC_IDS);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Test builds only (feature `test-hooks`): the crate's heap allocator is the system's,
/// counting the bytes in use, so that the lifecycle tests can tell a leak in this library
/// from the C allocator keeping freed pages. A release build has no such global counter,
/// which every allocation of every thread would update.
#[cfg(feature = "test-hooks")]
mod counting_allocator {
    struct CountingAllocator;

    static HEAP_IN_USE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[global_allocator]
    static ALLOCATOR: CountingAllocator = CountingAllocator;

    /// Bytes this crate has allocated and not yet freed.
    pub fn heap_in_use() -> usize {
        HEAP_IN_USE.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count_heap(grown: usize, shrunk: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        HEAP_IN_USE.fetch_add(grown, Relaxed);
        HEAP_IN_USE.fetch_sub(shrunk, Relaxed);
    }

    // SAFETY: every method forwards to the system allocator with the caller's own arguments, so
    // the GlobalAlloc contract holds exactly as it does for `System`; the counting only reads
    // the layout sizes, and counts a block only when the system allocator succeeded.
    unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
            // SAFETY: forwarded unchanged, see above.
            let p = unsafe { std::alloc::System.alloc(layout) };
            if !p.is_null() {
                count_heap(layout.size(), 0);
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
            // SAFETY: forwarded unchanged, see above.
            let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
            if !p.is_null() {
                count_heap(layout.size(), 0);
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
            // SAFETY: forwarded unchanged, see above.
            unsafe { std::alloc::System.dealloc(ptr, layout) };
            count_heap(0, layout.size());
        }

        unsafe fn realloc(
            &self,
            ptr: *mut u8,
            layout: std::alloc::Layout,
            new_size: usize,
        ) -> *mut u8 {
            // SAFETY: forwarded unchanged, see above.
            let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                count_heap(new_size, layout.size());
            }
            p
        }
    }
}

#[cfg(all(not(test), feature = "test-hooks"))]
pub use counting_allocator::heap_in_use;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::{env_or, XorShift};

    /// Every send info at once: the control messages read back with CMSG_FIRSTHDR and
    /// CMSG_NXTHDR, as the kernel walks them, in order, each of its own length and value.
    #[test]
    fn send_control_messages_walk_back() {
        let snd = sctp_sndinfo {
            snd_sid: 3,
            snd_flags: SCTP_UNORDERED,
            snd_ppid: 42u32.to_be(),
            snd_context: 7,
            snd_assoc_id: 9,
        };
        let pr = sctp_prinfo {
            pr_policy: SCTP_PR_SCTP_TTL,
            pad: 0,
            pr_value: 100,
        };
        let info = SendInfo {
            sndrcv: Some(sctp_sndrcvinfo {
                sinfo_stream: 1,
                ..Default::default()
            }),
            snd: Some(snd),
            pr: Some(pr),
            auth: Some(sctp_authinfo { auth_keynumber: 5 }),
        };
        let mut control = [0u64; SEND_CONTROL_SPACE / 8];
        let used = send_control(&info, &mut control);
        assert_eq!(used, SEND_CONTROL_SPACE);
        // SAFETY: msghdr is plain data; all-zero is a valid empty header.
        let mut msg: libc::msghdr = unsafe { MaybeUninit::zeroed().assume_init() };
        msg.msg_control = control.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = used;
        let mut found = vec![];
        // SAFETY: `msg` describes `control`, `used` bytes of well-formed control messages;
        // CMSG_NXTHDR answers null past the last, and each data read is within its message.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                let data = libc::CMSG_DATA(cmsg);
                let len = (*cmsg).cmsg_len - (data as usize - cmsg as usize);
                let bytes = std::slice::from_raw_parts(data, len).to_vec();
                found.push(((*cmsg).cmsg_level, (*cmsg).cmsg_type, bytes));
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        let types: Vec<(i32, i32, usize)> =
            found.iter().map(|(l, t, b)| (*l, *t, b.len())).collect();
        assert_eq!(
            types,
            [
                (IPPROTO_SCTP, SCTP_SNDRCV, 32),
                (IPPROTO_SCTP, SCTP_SNDINFO, 16),
                (IPPROTO_SCTP, SCTP_PRINFO, 8),
                (IPPROTO_SCTP, SCTP_AUTHINFO, 2),
            ]
        );
        let read_snd: sctp_sndinfo = read_struct(&found[1].2).unwrap();
        assert_eq!(read_snd, snd);
        let read_pr: sctp_prinfo = read_struct(&found[2].2).unwrap();
        assert_eq!(read_pr, pr);
        assert_eq!(found[3].2, 5u16.to_ne_bytes());
    }

    /// Only what is given is sent: none at all is an empty control buffer.
    #[test]
    fn send_control_of_nothing_is_empty() {
        let mut control = [0u64; SEND_CONTROL_SPACE / 8];
        assert_eq!(send_control(&SendInfo::default(), &mut control), 0);
        let pr_only = SendInfo {
            pr: Some(sctp_prinfo::default()),
            ..Default::default()
        };
        assert_eq!(
            send_control(&pr_only, &mut control),
            cmsg_space(size_of::<sctp_prinfo>())
        );
    }

    #[test]
    fn hmacalgo_holds_what_fits() {
        assert!(sctp_hmacalgo::new(&[]).is_none());
        assert!(sctp_hmacalgo::new(&[SCTP_AUTH_HMAC_ID_SHA1; 5]).is_none());
        let ids = [SCTP_AUTH_HMAC_ID_SHA256, SCTP_AUTH_HMAC_ID_SHA1];
        assert_eq!(sctp_hmacalgo::new(&ids).unwrap().idents(), ids);
    }

    #[test]
    fn counts_beyond_the_room_are_cut() {
        let mut algo: sctp_hmacalgo = Pod::zeroed();
        algo.shmac_num_idents = u32::MAX;
        assert_eq!(algo.idents().len(), 4);
        let mut chunks: sctp_authchunks = Pod::zeroed();
        assert!(chunks.chunks().is_empty());
        chunks.gauth_number_of_chunks = 1000;
        assert_eq!(chunks.chunks().len(), 256);
    }

    /// A zeroed `T` with a prefix of random bytes over it, as a getsockopt that writes
    /// fewer bytes than asked leaves it; the 32-bit count at `count_at` is set to an edge
    /// value as often as not, random counts being almost all beyond any room.
    fn filled<T: Pod>(rng: &mut XorShift, count_at: usize) -> T {
        let mut bytes = vec![0u8; size_of::<T>()];
        let written = rng.below(bytes.len() + 1);
        bytes[..written]
            .iter_mut()
            .for_each(|b| *b = rng.next() as u8);
        if rng.below(2) == 0 {
            let edges = [0, 1, 3, 4, 5, 255, 256, 257, u32::MAX];
            let count = match rng.below(edges.len() + 1) {
                i if i < edges.len() => edges[i],
                _ => rng.below(300) as u32,
            };
            bytes[count_at..count_at + 4].copy_from_slice(&count.to_ne_bytes());
        }
        read_struct(&bytes).unwrap()
    }

    /// Bounded fuzz run of the readers of the SCTP-AUTH structs the kernel fills in
    /// (SCTP_HMAC_IDENT, SCTP_PEER_AUTH_CHUNKS, SCTP_LOCAL_AUTH_CHUNKS): whatever the
    /// bytes, they must give as many items as the count says, at most as many as there is
    /// room for, and only items of the struct. `FUZZ_ITERATIONS` and `FUZZ_SEED` as in
    /// `notification::tests::fuzz_decoders`; `make fuzz` runs it too.
    #[test]
    fn fuzz_decoders_of_auth_structs() {
        let iterations: usize = env_or("FUZZ_ITERATIONS", 200_000);
        let seed: u64 = env_or("FUZZ_SEED", 0x9e37_79b9_7f4a_7c15);
        eprintln!("fuzz_decoders_of_auth_structs: {iterations} iterations, FUZZ_SEED={seed}");
        let mut rng = XorShift(seed.max(1));
        for _ in 0..iterations {
            let algo: sctp_hmacalgo = filled(&mut rng, 0);
            let n = (algo.shmac_num_idents as usize).min(algo.shmac_idents.len());
            assert_eq!(algo.idents(), &algo.shmac_idents[..n], "FUZZ_SEED={seed}");
            let offset = std::mem::offset_of!(sctp_authchunks, gauth_number_of_chunks);
            let chunks: sctp_authchunks = filled(&mut rng, offset);
            let n = (chunks.gauth_number_of_chunks as usize).min(chunks.gauth_chunks.len());
            assert_eq!(
                chunks.chunks(),
                &chunks.gauth_chunks[..n],
                "FUZZ_SEED={seed}"
            );
        }
    }
}
