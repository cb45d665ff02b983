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

-endif.
