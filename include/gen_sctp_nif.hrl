%% Records of gen_sctp_nif beyond kernel's inet_sctp.hrl, which code using them includes
%% too:
%%   -include_lib("kernel/include/inet_sctp.hrl").
%%   -include_lib("gen_sctp_nif/include/gen_sctp_nif.hrl").
%% They are named after the RFC 6458 (and RFC 6951) structs they stand for. In a record
%% given to inet:setopts/2, a field left `undefined' keeps the socket's current value; in
%% a request to inet:getopts/2, the keys (assoc_id, stream_id, sid, address, policy) name
%% what is asked about, and `undefined' ones are 0 (`{any, 0}' for an address).

%%% Socket options

-ifndef(GEN_SCTP_NIF_OPTION_RECORDS).
-define(GEN_SCTP_NIF_OPTION_RECORDS, true).

%% sctp_default_prinfo: the partial reliability policy of messages sent without one.
-record(sctp_default_prinfo,
        {assoc_id,      % 0: the endpoint, which new associations take
         policy,        % none | ttl | rtx | prio
         value}).       % ttl: milliseconds; rtx: retransmissions; prio: priority

%% sctp_stream_scheduler_value: one stream's value for the association's scheduler (prio:
%% its priority, lower first; wfq: its weight).
-record(sctp_stream_value,
        {assoc_id,      % key
         stream_id,     % key
         stream_value}).

%% sctp_remote_udp_encaps_port: the peer's UDP port for SCTP over UDP (RFC 6951), 0 for
%% none.
-record(sctp_udpencaps,
        {assoc_id,      % key; 0 with address {any, 0}: the endpoint
         address,       % key: one peer address ({IP, Port}) of the association
         port}).

%% sctp_pr_assoc_status and sctp_pr_stream_status (read-only): messages abandoned by PR-SCTP.
-record(sctp_prstatus,
        {assoc_id,          % key
         sid,               % key: the outgoing stream (sctp_pr_stream_status only)
         policy,            % key: ttl | rtx | prio, or all (the default) for their sum
         abandoned_unsent,
         abandoned_sent}).

%% sctp_plpmtud_probe_interval: the interval of packetization layer path MTU discovery
%% probes (RFC 8899), in milliseconds; 0 (the default) for no probing, else at least 5000.
-record(sctp_probeinterval,
        {assoc_id,      % key; 0 with address {any, 0}: the endpoint
         address,       % key: one peer address ({IP, Port}) of the association
         interval}).

%% sctp_peer_addr_thlds: a path's retransmission thresholds (RFC 7829): failed after
%% pathmaxrxt, potentially failed after pathpfthld, and the primary path switched over
%% after ps_retrans (65535: never). pathpfthld may not exceed ps_retrans.
-record(sctp_paddrthlds,
        {assoc_id,      % key; 0 with address {any, 0}: the endpoint
         address,       % key: one peer address ({IP, Port}) of the association
         pathmaxrxt,
         pathpfthld,
         ps_retrans}).

%% sctp_get_assoc_stats (read-only): one association's counters since it began, but
%% max_obs_rto, the highest RTO seen since the last read (in ms, at obs_rto_ipaddr), which
%% reading resets.
-record(sctp_assoc_stats,
        {assoc_id,          % key
         obs_rto_ipaddr,    % {IP, Port}
         max_obs_rto,
         isacks,            % SACKs received
         osacks,            % SACKs sent
         opackets,          % packets sent
         ipackets,          % packets received
         rtxchunks,         % chunks retransmitted
         outofseqtsns,      % TSNs received beyond the next expected
         idupchunks,        % duplicate chunks received
         gapcnt,            % gap acknowledgements received
         ouodchunks,        % unordered data chunks sent
         iuodchunks,        % unordered data chunks received
         oodchunks,         % ordered data chunks sent
         iodchunks,         % ordered data chunks received
         octrlchunks,       % control chunks sent
         ictrlchunks}).     % control chunks received

%% SCTP-AUTH (RFC 4895) shared keys, each of the endpoint (assoc_id 0: the keys new
%% associations start with) or of one association.
%% sctp_auth_key (set-only): adds shared key `keynumber' (0..65535), or replaces the key of
%% that number; `key' is a binary of up to 65535 bytes (`<<>>' is the null key, key 0 of
%% every endpoint).
-record(sctp_authkey,
        {assoc_id,      % 0: the endpoint
         keynumber,     % required
         key}).         % required

%% sctp_auth_active_key (set and read: the key that authenticates what is sent),
%% sctp_auth_deactivate_key and sctp_auth_delete_key (set-only, `keynumber' required): a
%% key of the endpoint or of an association. A deactivated key is no longer used to send
%% (an `#sctp_authkey_event{indication = free_key}' says when nothing uses it any more);
%% a deleted one is gone. The active key can be neither.
-record(sctp_authkeyid,
        {assoc_id,      % key; 0: the endpoint
         keynumber}).

%% sctp_peer_auth_chunks and sctp_local_auth_chunks (read-only): the chunk types that the
%% peer requires this end to authenticate, and that this end requires of the peer (as
%% `sctp_auth_chunk' added them; `assoc_id' 0 asks the endpoint's).
-record(sctp_authchunks,
        {assoc_id,      % key
         chunks}).      % [0..255]: chunk types, 0 for DATA

-endif.

%%% Notifications and receive info
%%%
%%% The notifications and ancillary data of RFC 6458 (the SCTP sockets API) that OTP's
%%% gen_sctp does not deliver, named after the RFC's structs. A notification arrives only
%%% once subscribed, with `{sctp_event, #sctp_event{type = Type, on = true}}'; it comes
%%% as any other event: `{sctp, S, IP, Port, {Anc, Record}}' to an active socket and
%%% `{ok, {IP, Port, Anc, Record}}' from gen_sctp:recv/1,2. Stream and association ids,
%%% TSNs and the ppid are integers, the ppid in host order.

-ifndef(GEN_SCTP_NIF_EVENTS_HRL).
-define(GEN_SCTP_NIF_EVENTS_HRL, true).

%% `{sctp_event, #sctp_event{}}': subscribes to (`on = true') or unsubscribes from one
%% notification type, for association `assoc_id', or with 0 for the associations to come
%% (1: those there are, 2: both). inet:getopts/2 with `#sctp_event{assoc_id = Id, type =
%% Type}' reads `on' back.
-record(sctp_event,
        {assoc_id = 0 :: non_neg_integer(),
         type :: gen_sctp:event_type() | undefined,
         on :: boolean() | undefined}).

%% SCTP_SENDER_DRY_EVENT: the peer has acknowledged all data sent (at once on
%% subscribing to an association that has none in flight).
-record(sctp_sender_dry_event,
        {assoc_id :: non_neg_integer()}).

%% SCTP_STREAM_RESET_EVENT: streams reset (gen_sctp:reset_streams/4), by this end
%% (`outgoing_ssn') or the peer (`incoming_ssn'), or the request `denied' or `failed'.
-record(sctp_stream_reset_event,
        {assoc_id :: non_neg_integer(),
         flags = [] :: [incoming_ssn | outgoing_ssn | denied | failed],
         streams = [] :: [0..65535]}).

%% SCTP_ASSOC_RESET_EVENT: the association's TSNs reset.
-record(sctp_assoc_reset_event,
        {assoc_id :: non_neg_integer(),
         flags = [] :: [denied | failed],
         local_tsn :: non_neg_integer(),
         remote_tsn :: non_neg_integer()}).

%% SCTP_STREAM_CHANGE_EVENT: the number of streams changed (gen_sctp:add_streams/4).
-record(sctp_stream_change_event,
        {assoc_id :: non_neg_integer(),
         flags = [] :: [denied | failed],
         instrms :: 0..65535,
         outstrms :: 0..65535}).

%% SCTP_AUTHENTICATION_EVENT (SCTP-AUTH, RFC 4895): `no_auth' when the peer does not
%% support authentication; `new_key' and `free_key' for shared keys.
-record(sctp_authkey_event,
        {assoc_id :: non_neg_integer(),
         keynumber :: 0..65535,
         indication :: new_key | free_key | no_auth | non_neg_integer()}).

%% The send parameters of a message (SCTP_SNDINFO): given to gen_sctp:send/3 in a list
%% (`undefined' is 0 there), set and read as `sctp_default_sndinfo', and given back by a send
%% failed event.
-record(sctp_sndinfo,
        {sid :: 0..65535 | undefined,
         flags = [] :: [unordered | addr_over | abort | eof] | undefined,
         ppid :: non_neg_integer() | undefined,
         context :: non_neg_integer() | undefined,
         assoc_id :: non_neg_integer() | undefined}).

%% SCTP_SEND_FAILED_EVENT: a message that could not be sent, `data' its payload. The
%% kernel sends it only while `send_failed' is subscribed too (as it is by default), and
%% then in the place of OTP's `#sctp_send_failed{}', which is delivered as an error
%% (`sctp_error'); this one comes as an ordinary event.
-record(sctp_send_failed_event,
        {assoc_id :: non_neg_integer(),
         flags :: data_unsent | data_sent | non_neg_integer(),
         error :: non_neg_integer(),
         info :: #sctp_sndinfo{},
         data :: binary()}).

%% SCTP_RCVINFO ancillary data of a received message, with `{sctp_recvrcvinfo, true}'.
-record(sctp_rcvinfo,
        {sid :: 0..65535,
         ssn :: 0..65535,
         flags = [] :: [unordered | addr_over | abort | eof],
         ppid :: non_neg_integer(),
         tsn :: non_neg_integer(),
         cumtsn :: non_neg_integer(),
         context :: non_neg_integer(),
         assoc_id :: non_neg_integer()}).

%% SCTP_NXTINFO ancillary data, with `{sctp_recvnxtinfo, true}': the message that the
%% next receive gives, when the kernel has it already; `length' is its size in bytes,
%% `notification' among the flags says it is a notification.
-record(sctp_nxtinfo,
        {sid :: 0..65535,
         flags = [] :: [unordered | notification],
         ppid :: non_neg_integer(),
         length :: non_neg_integer(),
         assoc_id :: non_neg_integer()}).

-endif.

%%% Send infos
%%%
%%% RFC 6458's parameters of one message, besides `#sctp_sndinfo{}' above: given to
%%% gen_sctp:send/3 in a list of at most one record of each kind.

-ifndef(GEN_SCTP_NIF_SEND_HRL).
-define(GEN_SCTP_NIF_SEND_HRL, true).

%% SCTP_PRINFO: the message's partial reliability (RFC 3758), where the peer supports it
%% (`sctp_pr_supported'). Abandoned messages are counted by `sctp_pr_assoc_status'.
-record(sctp_prinfo,
        {policy = none :: none | ttl | rtx | prio,
         value = 0 :: non_neg_integer()}).  % ttl: milliseconds; rtx: retransmissions;
                                            % prio: priority, 0 the highest

%% SCTP_AUTHINFO: the shared key (SCTP-AUTH, RFC 4895) to authenticate the message with.
-record(sctp_authinfo,
        {keynumber = 0 :: 0..65535}).

-endif.
