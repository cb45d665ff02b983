%% The options beyond OTP's (RFC 6458 and later, include/gen_sctp_nif.hrl), on a real SCTP
%% kernel: each set for the endpoint at open time and with inet:setopts/2 and read back
%% exactly; set for one association and read back for it, the endpoint's value unchanged;
%% what the peers agreed to, read per association; and bad values, refused as every other
%% option's are (einval from setopts, badarg from open).
-module(modern_options_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include_lib("gen_sctp_nif/include/gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([endpoint_defaults/1, endpoint_values/1, per_association/1, negotiated/1,
         pr_status/1, interleaving_needs_fragment_interleave/1, bad_values/1,
         endpoint_scalars/1, partial_delivery/1, reuse_port/1, assoc_ids/1,
         assoc_stats/1, getstat_counts/1]).

-define(ANY, {{0, 0, 0, 0}, 0}).

suite() -> [{ct_hooks, [{sctp_test, [any_mailbox]}]}, {timetrap, {minutes, 3}}].

all() ->
    [endpoint_defaults, endpoint_values, per_association, negotiated, pr_status,
     interleaving_needs_fragment_interleave, bad_values, endpoint_scalars,
     partial_delivery, reuse_port, assoc_ids, assoc_stats, getstat_counts].

%%% {Option, Value, Expected}: Expected is what getopts of the bare name gives back.
endpoint_options() ->
    [{sctp_pr_supported, false, false},
     {sctp_reconfig_supported, true, true},
     {sctp_auth_supported, true, true},
     {sctp_asconf_supported, true, true},
     {sctp_ecn_supported, false, false},
     {sctp_expose_potentially_failed_state, enable, enable},
     {sctp_enable_stream_reset, [change_assoc, reset_streams],
      [reset_streams, change_assoc]},
     {sctp_stream_scheduler, rr, rr},
     {sctp_default_prinfo, #sctp_default_prinfo{policy = ttl, value = 250},
      #sctp_default_prinfo{assoc_id = 0, policy = ttl, value = 250}},
     {sctp_remote_udp_encaps_port, #sctp_udpencaps{port = 9899},
      #sctp_udpencaps{assoc_id = 0, address = ?ANY, port = 9899}},
     {sctp_max_burst, 7, 7},
     {sctp_context, 42, 42},
     {sctp_plpmtud_probe_interval, #sctp_probeinterval{interval = 6000},
      #sctp_probeinterval{assoc_id = 0, address = ?ANY, interval = 6000}},
     {sctp_peer_addr_thlds, #sctp_paddrthlds{pathmaxrxt = 7, pathpfthld = 2, ps_retrans = 5},
      #sctp_paddrthlds{assoc_id = 0, address = ?ANY, pathmaxrxt = 7, pathpfthld = 2,
                       ps_retrans = 5}}].

%%% Test cases

%% A fresh socket has the kernel's defaults (the net.sctp sysctls' defaults).
endpoint_defaults(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    try
        {ok, [{sctp_pr_supported, true}, {sctp_reconfig_supported, false},
              {sctp_interleaving_supported, false}, {sctp_auth_supported, false},
              {sctp_asconf_supported, false}, {sctp_ecn_supported, true},
              {sctp_expose_potentially_failed_state, unset},
              {sctp_enable_stream_reset, []}, {sctp_stream_scheduler, fcfs},
              {sctp_default_prinfo, #sctp_default_prinfo{assoc_id = 0, policy = none,
                                                         value = 0}},
              {sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = 0, address = ?ANY,
                                                            port = 0}}]} =
            inet:getopts(S, [sctp_pr_supported, sctp_reconfig_supported,
                             sctp_interleaving_supported, sctp_auth_supported,
                             sctp_asconf_supported, sctp_ecn_supported,
                             sctp_expose_potentially_failed_state,
                             sctp_enable_stream_reset, sctp_stream_scheduler,
                             sctp_default_prinfo, sctp_remote_udp_encaps_port]),
        %% Reading what needs an association leaves the option out, as a failing
        %% getsockopt does for every option.
        {ok, []} = inet:getopts(S, [sctp_stream_scheduler_value, sctp_pr_assoc_status,
                                    sctp_pr_stream_status, sctp_get_assoc_stats]),
        %% net.sctp.max_burst, path_max_retrans, pf_retrans and ps_retrans's defaults.
        {ok, [{sctp_max_burst, 4}, {sctp_context, 0}, {sctp_partial_delivery_point, 0},
              {sctp_fragment_interleave, 0}, {sctp_reuse_port, false},
              {sctp_plpmtud_probe_interval,
               #sctp_probeinterval{assoc_id = 0, address = ?ANY, interval = 0}},
              {sctp_peer_addr_thlds,
               #sctp_paddrthlds{assoc_id = 0, address = ?ANY, pathmaxrxt = 5,
                                pathpfthld = 0, ps_retrans = 65535}},
              {sctp_get_assoc_number, 0}, {sctp_get_assoc_id_list, []}]} =
            inet:getopts(S, [sctp_max_burst, sctp_context, sctp_partial_delivery_point,
                             sctp_fragment_interleave, sctp_reuse_port,
                             sctp_plpmtud_probe_interval, sctp_peer_addr_thlds,
                             sctp_get_assoc_number, sctp_get_assoc_id_list])
    after
        gen_sctp:close(S)
    end.

endpoint_values(_Config) ->
    lists:foreach(
      fun({Name, Value, Expected}) ->
              {ok, A} = gen_sctp:open([{ip, ?L}, {Name, Value}]),
              {ok, B} = gen_sctp:open([{ip, ?L}]),
              try
                  {ok, [{Name, Expected}]} = inet:getopts(A, [Name]),
                  ok = inet:setopts(B, [{Name, Value}]),
                  {ok, [{Name, Expected}]} = inet:getopts(B, [Name]),
                  %% The record form with assoc id 0 is the endpoint's too.
                  case Expected of
                      _ when is_tuple(Expected) -> ok;
                      _ ->
                          {ok, [{Name, #sctp_assoc_value{assoc_id = 0,
                                                         assoc_value = Expected}}]} =
                              inet:getopts(B, [{Name, #sctp_assoc_value{assoc_id = 0}}])
                  end
              after
                  gen_sctp:close(A),
                  gen_sctp:close(B)
              end
      end, endpoint_options()),
    %% Linux 6.1 has three stream schedulers; fair capacity and weighted fair queueing
    %% came with 6.2.
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    try
        Expected = case kernel_before_6_2() of
                       true -> {error, einval};
                       false -> ok
                   end,
        Expected = inet:setopts(S, [{sctp_stream_scheduler, fc}]),
        Expected = inet:setopts(S, [{sctp_stream_scheduler, wfq}]),
        ok = inet:setopts(S, [{sctp_stream_scheduler, prio}]),
        {ok, [{sctp_stream_scheduler, prio}]} = inet:getopts(S, [sctp_stream_scheduler])
    after
        gen_sctp:close(S)
    end.

%% Set for one association, read back for it; the endpoint keeps its value.
per_association(_Config) ->
    with_association(
      [], [],
      fun(C, Id, SPort) ->
              Assoc = fun(V) -> #sctp_assoc_value{assoc_id = Id, assoc_value = V} end,
              lists:foreach(
                fun({Name, Value, Endpoint}) ->
                        ok = inet:setopts(C, [{Name, Assoc(Value)}]),
                        {ok, [{Name, Got}]} = inet:getopts(C, [{Name, Assoc(undefined)}]),
                        Got = Assoc(Value),
                        {ok, [{Name, Endpoint}]} = inet:getopts(C, [Name])
                end,
                [{sctp_enable_stream_reset, [reset_assoc], []},
                 {sctp_stream_scheduler, prio, fcfs},
                 {sctp_expose_potentially_failed_state, disable, unset},
                 {sctp_max_burst, 9, 4},
                 {sctp_context, 77, 0}]),
              %% The probe interval and thresholds of the association (all its paths),
              %% then of its one peer address; the endpoint keeps its own.
              Peer0 = {?L, SPort},
              ok = inet:setopts(C, [{sctp_plpmtud_probe_interval,
                                     #sctp_probeinterval{assoc_id = Id, interval = 7000}},
                                    {sctp_peer_addr_thlds,
                                     #sctp_paddrthlds{assoc_id = Id, pathmaxrxt = 8,
                                                      pathpfthld = 3, ps_retrans = 6}}]),
              ok = inet:setopts(C, [{sctp_plpmtud_probe_interval,
                                     #sctp_probeinterval{assoc_id = Id, address = Peer0,
                                                         interval = 9000}},
                                    {sctp_peer_addr_thlds,
                                     #sctp_paddrthlds{assoc_id = Id, address = Peer0,
                                                      pathmaxrxt = 9, pathpfthld = 1,
                                                      ps_retrans = 4}}]),
              {ok, [{sctp_plpmtud_probe_interval,
                     #sctp_probeinterval{assoc_id = Id, address = ?ANY, interval = 7000}},
                    {sctp_plpmtud_probe_interval,
                     #sctp_probeinterval{assoc_id = Id, address = Peer0, interval = 9000}},
                    {sctp_plpmtud_probe_interval,
                     #sctp_probeinterval{assoc_id = 0, address = ?ANY, interval = 0}},
                    {sctp_peer_addr_thlds,
                     #sctp_paddrthlds{assoc_id = Id, address = ?ANY, pathmaxrxt = 8,
                                      pathpfthld = 3, ps_retrans = 6}},
                    {sctp_peer_addr_thlds,
                     #sctp_paddrthlds{assoc_id = Id, address = Peer0, pathmaxrxt = 9,
                                      pathpfthld = 1, ps_retrans = 4}},
                    {sctp_peer_addr_thlds,
                     #sctp_paddrthlds{assoc_id = 0, address = ?ANY, pathmaxrxt = 5,
                                      pathpfthld = 0, ps_retrans = 65535}}]} =
                  inet:getopts(C, [{sctp_plpmtud_probe_interval,
                                    #sctp_probeinterval{assoc_id = Id}},
                                   {sctp_plpmtud_probe_interval,
                                    #sctp_probeinterval{assoc_id = Id, address = Peer0}},
                                   sctp_plpmtud_probe_interval,
                                   {sctp_peer_addr_thlds, #sctp_paddrthlds{assoc_id = Id}},
                                   {sctp_peer_addr_thlds,
                                    #sctp_paddrthlds{assoc_id = Id, address = Peer0}},
                                   sctp_peer_addr_thlds]),
              %% A stream's priority under the association's prio scheduler.
              ok = inet:setopts(C, [{sctp_stream_scheduler_value,
                                     #sctp_stream_value{assoc_id = Id, stream_id = 1,
                                                        stream_value = 7}}]),
              {ok, [{sctp_stream_scheduler_value,
                     #sctp_stream_value{assoc_id = Id, stream_id = 1, stream_value = 7}}]} =
                  inet:getopts(C, [{sctp_stream_scheduler_value,
                                    #sctp_stream_value{assoc_id = Id, stream_id = 1}}]),
              ok = inet:setopts(C, [{sctp_default_prinfo,
                                     #sctp_default_prinfo{assoc_id = Id, policy = rtx,
                                                          value = 3}}]),
              {ok, [{sctp_default_prinfo, #sctp_default_prinfo{assoc_id = Id, policy = rtx,
                                                               value = 3}},
                    {sctp_default_prinfo, #sctp_default_prinfo{assoc_id = 0, policy = none,
                                                               value = 0}}]} =
                  inet:getopts(C, [{sctp_default_prinfo,
                                    #sctp_default_prinfo{assoc_id = Id}},
                                   sctp_default_prinfo]),
              %% The association's UDP port, and one peer address's.
              Peer = {?L, SPort},
              ok = inet:setopts(C, [{sctp_remote_udp_encaps_port,
                                     #sctp_udpencaps{assoc_id = Id, port = 4000}},
                                    {sctp_remote_udp_encaps_port,
                                     #sctp_udpencaps{assoc_id = Id, address = Peer,
                                                     port = 5000}}]),
              {ok, [{sctp_remote_udp_encaps_port,
                     #sctp_udpencaps{assoc_id = Id, address = ?ANY, port = 4000}},
                    {sctp_remote_udp_encaps_port,
                     #sctp_udpencaps{assoc_id = Id, address = Peer, port = 5000}},
                    {sctp_remote_udp_encaps_port,
                     #sctp_udpencaps{assoc_id = 0, address = ?ANY, port = 0}}]} =
                  inet:getopts(C, [{sctp_remote_udp_encaps_port,
                                    #sctp_udpencaps{assoc_id = Id}},
                                   {sctp_remote_udp_encaps_port,
                                    #sctp_udpencaps{assoc_id = Id, address = Peer}},
                                   sctp_remote_udp_encaps_port]),
              %% An association the socket does not have: left out.
              {ok, []} = inet:getopts(C, [{sctp_stream_scheduler,
                                           #sctp_assoc_value{assoc_id = Id + 100}}])
      end).

%% Read for an association, the *_supported options give what both ends offered.
negotiated(_Config) ->
    Names = [sctp_pr_supported, sctp_reconfig_supported, sctp_auth_supported,
             sctp_ecn_supported],
    Both = [{sctp_reconfig_supported, true}, {sctp_auth_supported, true},
            {sctp_ecn_supported, false}],
    Read = fun(C, Id) ->
                   [begin
                        {ok, [{N, #sctp_assoc_value{assoc_id = Id, assoc_value = V}}]} =
                            inet:getopts(C, [{N, #sctp_assoc_value{assoc_id = Id}}]),
                        {N, V}
                    end || N <- Names]
           end,
    with_association(
      [], [],
      fun(C, Id, _) ->
              [{sctp_pr_supported, true}, {sctp_reconfig_supported, false},
               {sctp_auth_supported, false}, {sctp_ecn_supported, true}] = Read(C, Id)
      end),
    with_association(
      Both, Both,
      fun(C, Id, _) ->
              [{sctp_pr_supported, true}, {sctp_reconfig_supported, true},
               {sctp_auth_supported, true}, {sctp_ecn_supported, false}] = Read(C, Id)
      end),
    %% Offered by one end only: not agreed.
    with_association(
      Both, [],
      fun(C, Id, _) ->
              [{sctp_pr_supported, true}, {sctp_reconfig_supported, false},
               {sctp_auth_supported, false}, {sctp_ecn_supported, false}] = Read(C, Id)
      end).

%% Nothing sent, nothing abandoned; the request's keys come back as asked.
pr_status(_Config) ->
    with_association(
      [], [],
      fun(C, Id, _) ->
              {ok, [{sctp_pr_assoc_status,
                     #sctp_prstatus{assoc_id = Id, sid = 0, policy = all,
                                    abandoned_unsent = 0, abandoned_sent = 0}},
                    {sctp_pr_stream_status,
                     #sctp_prstatus{assoc_id = Id, sid = 1, policy = ttl,
                                    abandoned_unsent = 0, abandoned_sent = 0}}]} =
                  inet:getopts(C, [{sctp_pr_assoc_status, #sctp_prstatus{assoc_id = Id}},
                                   {sctp_pr_stream_status,
                                    #sctp_prstatus{assoc_id = Id, sid = 1,
                                                   policy = ttl}}]),
              %% A stream the association does not have: left out.
              {ok, []} = inet:getopts(C, [{sctp_pr_stream_status,
                                           #sctp_prstatus{assoc_id = Id, sid = 999}}]),
              %% `none' is no policy to count: a malformed request.
              {error, einval} =
                  inet:getopts(C, [{sctp_pr_assoc_status,
                                    #sctp_prstatus{assoc_id = Id, policy = none}}])
      end).

%% Linux takes SCTP_INTERLEAVING_SUPPORTED only with net.sctp.intl_enable and fragment
%% interleaving on; without the latter, setting it fails either way and the endpoint keeps
%% offering none (interleaving_SUITE covers it with both on).
interleaving_needs_fragment_interleave(_Config) ->
    Sysctl = "/proc/sys/net/sctp/intl_enable",
    {ok, Saved} = file:read_file(Sysctl),
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    try
        lists:foreach(
          fun(Enable) ->
                  ok = file:write_file(Sysctl, Enable),
                  {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, true}]),
                  {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, false}]),
                  {ok, [{sctp_interleaving_supported, false}]} =
                      inet:getopts(S, [sctp_interleaving_supported])
          end, ["0\n", "1\n"])
    after
        gen_sctp:close(S),
        ok = file:write_file(Sysctl, Saved)
    end.

bad_values(_Config) ->
    Bad = [{sctp_pr_supported, 1},
           {sctp_pr_supported, undefined},
           {sctp_pr_supported, #sctp_assoc_value{assoc_id = -1, assoc_value = true}},
           {sctp_pr_supported, #sctp_assoc_value{assoc_id = 0, assoc_value = 1}},
           {sctp_ecn_supported, {sctp_assoc_value, 0}},
           {sctp_enable_stream_reset, [bogus]},
           {sctp_enable_stream_reset, reset_streams},
           {sctp_stream_scheduler, bogus},
           {sctp_stream_scheduler, 1},
           {sctp_expose_potentially_failed_state, true},
           {sctp_default_prinfo, foo},
           {sctp_default_prinfo, #sctp_default_prinfo{policy = all}},
           {sctp_default_prinfo, #sctp_default_prinfo{value = -1}},
           {sctp_default_prinfo, #sctp_assoc_value{}},
           %% The kernel refuses a value for an association the socket does not have.
           {sctp_stream_scheduler_value, #sctp_stream_value{assoc_id = 999, stream_id = 0,
                                                            stream_value = 1}},
           {sctp_stream_scheduler_value, #sctp_stream_value{stream_value = 70000}},
           {sctp_remote_udp_encaps_port, #sctp_udpencaps{port = 65536}},
           {sctp_remote_udp_encaps_port, #sctp_udpencaps{address = {?L, 5}, port = 1}},
           {sctp_remote_udp_encaps_port, #sctp_udpencaps{address = {{1, 2, 3}, 5}}},
           {sctp_max_burst, -1},
           {sctp_max_burst, #sctp_assoc_value{assoc_id = 0, assoc_value = foo}},
           {sctp_context, 1 bsl 32},
           {sctp_partial_delivery_point, -1},
           {sctp_partial_delivery_point, foo},
           %% RFC 6458 has levels 0, 1 and 2 only.
           {sctp_fragment_interleave, 3},
           {sctp_fragment_interleave, -1},
           {sctp_fragment_interleave, true},
           %% One-to-one sockets only.
           {sctp_reuse_port, true},
           {sctp_reuse_port, 1},
           %% Below the kernel's minimum of 5000 ms.
           {sctp_plpmtud_probe_interval, #sctp_probeinterval{interval = 1000}},
           {sctp_plpmtud_probe_interval, #sctp_probeinterval{interval = -1}},
           {sctp_plpmtud_probe_interval, #sctp_probeinterval{address = {?L, 5},
                                                            interval = 6000}},
           {sctp_peer_addr_thlds, #sctp_paddrthlds{pathmaxrxt = 70000}},
           %% Potentially failed after more retransmissions than switching over.
           {sctp_peer_addr_thlds, #sctp_paddrthlds{pathpfthld = 5, ps_retrans = 2}},
           {sctp_peer_addr_thlds, #sctp_udpencaps{}},
           %% Read-only.
           {sctp_pr_assoc_status, #sctp_prstatus{}},
           {sctp_pr_stream_status, #sctp_prstatus{}},
           {sctp_get_assoc_number, 0},
           {sctp_get_assoc_id_list, []},
           {sctp_get_assoc_stats, #sctp_assoc_stats{}}],
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    try
        Before = inet:getopts(S, [sctp_pr_supported, sctp_stream_scheduler]),
        lists:foreach(
          fun(Opt) ->
                  case inet:setopts(S, [Opt]) of
                      {error, einval} -> ok;
                      Other -> ct:fail({accepted, Opt, Other})
                  end,
                  try gen_sctp:open([{ip, ?L}, Opt]) of
                      Result -> ct:fail({accepted_by_open, Opt, Result})
                  catch
                      error:badarg -> ok
                  end
          end, Bad),
        Before = inet:getopts(S, [sctp_pr_supported, sctp_stream_scheduler]),
        %% Malformed requests fail getopts, as a request of another record does.
        [{error, einval} = inet:getopts(S, [Req])
         || Req <- [{sctp_pr_supported, foo},
                    {sctp_stream_scheduler, #sctp_assoc_value{assoc_id = -1}},
                    {sctp_default_prinfo, #sctp_assoc_value{}},
                    {sctp_pr_assoc_status, #sctp_prstatus{policy = bogus}},
                    {sctp_peer_addr_thlds, #sctp_paddrthlds{address = foo}},
                    {sctp_get_assoc_stats, #sctp_assoc_stats{assoc_id = -1}}]]
    after
        gen_sctp:close(S)
    end.

%% The options that are plain integers: set at open and with setopts, read back.
endpoint_scalars(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {sctp_partial_delivery_point, 1000},
                             {sctp_fragment_interleave, 0}]),
    try
        {ok, [{sctp_partial_delivery_point, 1000}, {sctp_fragment_interleave, 0}]} =
            inet:getopts(S, [sctp_partial_delivery_point, sctp_fragment_interleave]),
        %% At most half the receive buffer.
        {ok, [{recbuf, RecBuf}]} = inet:getopts(S, [recbuf]),
        ok = inet:setopts(S, [{sctp_partial_delivery_point, RecBuf div 2}]),
        {ok, [{sctp_partial_delivery_point, Half}]} =
            inet:getopts(S, [sctp_partial_delivery_point]),
        Half = RecBuf div 2,
        {error, einval} = inet:setopts(S, [{sctp_partial_delivery_point, Half + 1}]),
        {ok, [{sctp_partial_delivery_point, Half}]} =
            inet:getopts(S, [sctp_partial_delivery_point]),
        ok = inet:setopts(S, [{sctp_partial_delivery_point, 0}]),
        {ok, [{sctp_partial_delivery_point, 0}]} =
            inet:getopts(S, [sctp_partial_delivery_point])
    after
        gen_sctp:close(S)
    end.

%% With a small partial delivery point the kernel hands a large message on in parts;
%% the receiver still gets it whole, and the next one after it.
partial_delivery(_Config) ->
    {ok, Server} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary},
                                  {sctp_partial_delivery_point, 1000}]),
    ok = gen_sctp:listen(Server, true),
    {ok, SPort} = inet:port(Server),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary}]),
    try
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, SPort, [], ?T),
        Big = binary:copy(<<"0123456789abcdef">>, 4096),
        ok = gen_sctp:send(C, Id, 0, Big),
        ok = gen_sctp:send(C, Id, 0, <<"after">>),
        Big = recv_data(Server),
        <<"after">> = recv_data(Server)
    after
        gen_sctp:close(C),
        gen_sctp:close(Server)
    end.

%% SCTP_REUSE_PORT: one-to-one sockets that both set it bind the same port; it can only
%% be set before bind, so in open.
reuse_port(_Config) ->
    Stream = [{ip, ?L}, {type, stream}],
    {ok, A} = gen_sctp:open([{sctp_reuse_port, true} | Stream]),
    {ok, Port} = inet:port(A),
    try
        {ok, [{sctp_reuse_port, true}]} = inet:getopts(A, [sctp_reuse_port]),
        {ok, B} = gen_sctp:open([{port, Port}, {sctp_reuse_port, true} | Stream]),
        try
            {ok, Port} = inet:port(B),
            {ok, [{sctp_reuse_port, true}]} = inet:getopts(B, [sctp_reuse_port]),
            %% Bound already.
            {error, einval} = inet:setopts(B, [{sctp_reuse_port, false}]),
            {ok, [{sctp_reuse_port, true}]} = inet:getopts(B, [sctp_reuse_port])
        after
            gen_sctp:close(B)
        end,
        {error, eaddrinuse} = gen_sctp:open([{port, Port} | Stream]),
        {ok, D} = gen_sctp:open([{sctp_reuse_port, false} | Stream]),
        {ok, [{sctp_reuse_port, false}]} = inet:getopts(D, [sctp_reuse_port]),
        gen_sctp:close(D)
    after
        gen_sctp:close(A)
    end.

%% The association count and ids of a one-to-many socket with two associations: those
%% of the comm_up events connect gave. A one-to-one socket has neither.
assoc_ids(_Config) ->
    {ok, S1} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, S2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, T} = gen_sctp:open([{ip, ?L}, {type, stream}]),
    try
        ok = gen_sctp:listen(S1, true),
        ok = gen_sctp:listen(S2, true),
        {ok, P1} = inet:port(S1),
        {ok, P2} = inet:port(S2),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id1}} =
            gen_sctp:connect(C, ?L, P1, [], ?T),
        {ok, [{sctp_get_assoc_number, 1}, {sctp_get_assoc_id_list, [Id1]}]} =
            inet:getopts(C, [sctp_get_assoc_number, sctp_get_assoc_id_list]),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id2}} =
            gen_sctp:connect(C, ?L, P2, [], ?T),
        {ok, [{sctp_get_assoc_number, 2}, {sctp_get_assoc_id_list, [Id1, Id2]}]} =
            inet:getopts(C, [sctp_get_assoc_number, sctp_get_assoc_id_list]),
        {ok, []} = inet:getopts(T, [sctp_get_assoc_number, sctp_get_assoc_id_list])
    after
        [gen_sctp:close(X) || X <- [C, T, S1, S2]]
    end.

%% After a known exchange (the client sends three messages, the server answers one), the
%% client's counters: exact for data chunks, at least what was sent otherwise. Two reads
%% in a row give the same counts of what the client sent and received as data; with
%% heartbeats and delayed SACKs off it sends nothing by itself. (max_obs_rto, reset by
%% each read, and what a late SACK changes are not compared.)
assoc_stats(_Config) ->
    Quiet = [{sctp_peer_addr_params,
              #sctp_paddrparams{flags = [hb_disable, sackdelay_disable]}}],
    {ok, Server} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary} | Quiet]),
    ok = gen_sctp:listen(Server, true),
    {ok, SPort} = inet:port(Server),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary},
                             {sctp_nodelay, true} | Quiet]),
    try
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, SPort, [], ?T),
        Req = {sctp_get_assoc_stats, #sctp_assoc_stats{assoc_id = Id}},
        {ok, [{sctp_get_assoc_stats,
               #sctp_assoc_stats{assoc_id = Id, oodchunks = 0, iodchunks = 0,
                                 ouodchunks = 0, iuodchunks = 0}}]} =
            inet:getopts(C, [Req]),
        [ok = gen_sctp:send(C, Id, 0, <<"ping">>) || _ <- [1, 2, 3]],
        [{SId, <<"ping">>}, {SId, <<"ping">>}, {SId, <<"ping">>}] =
            [recv_from(Server) || _ <- [1, 2, 3]],
        ok = gen_sctp:send(Server, SId, 0, <<"pong">>),
        <<"pong">> = recv_data(C),
        {ok, [{sctp_get_assoc_stats, First}]} = inet:getopts(C, [Req]),
        {ok, [{sctp_get_assoc_stats, Second}]} = inet:getopts(C, [Req]),
        #sctp_assoc_stats{assoc_id = Id, oodchunks = 3, iodchunks = 1, ouodchunks = 0,
                          iuodchunks = 0, opackets = OPackets, ipackets = IPackets,
                          osacks = OSacks, octrlchunks = OCtrl, ictrlchunks = ICtrl,
                          max_obs_rto = MaxRto} = First,
        %% At least the three messages, and the answer.
        true = OPackets >= 3,
        true = IPackets >= 1,
        %% The answer's SACK, sent at once; the COOKIE ACK at least came in.
        true = OSacks >= 1,
        true = OCtrl >= 1,
        true = ICtrl >= 1,
        true = is_integer(MaxRto),
        Sent = fun(St) ->
                       St#sctp_assoc_stats{obs_rto_ipaddr = x, max_obs_rto = x, isacks = x,
                                           ipackets = x, ictrlchunks = x, gapcnt = x}
               end,
        Same = Sent(First),
        Same = Sent(Second),
        %% An association the socket does not have: left out.
        {ok, []} = inet:getopts(C, [{sctp_get_assoc_stats,
                                     #sctp_assoc_stats{assoc_id = Id + 100}}])
    after
        gen_sctp:close(C),
        gen_sctp:close(Server)
    end.

%% inet:getstat/1,2 count the user messages each socket sent and received, exactly, and
%% none of its notifications (comm_up); the association's own statistics count the same
%% messages as data chunks.
getstat_counts(_Config) ->
    {ok, Server} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary}]),
    ok = gen_sctp:listen(Server, true),
    {ok, SPort} = inet:port(Server),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {mode, binary}]),
    try
        Zero = [{recv_oct, 0}, {recv_cnt, 0}, {recv_max, 0}, {recv_avg, 0}, {recv_dvi, 0},
                {send_oct, 0}, {send_cnt, 0}, {send_max, 0}, {send_avg, 0}, {send_pend, 0}],
        {ok, Zero} = inet:getstat(C),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, SPort, [], ?T),
        %% Five messages of 100..500 bytes out, three of 10..30 back.
        Out = [binary:copy(<<"o">>, 100 * I) || I <- lists:seq(1, 5)],
        Back = [binary:copy(<<"b">>, 10 * I) || I <- lists:seq(1, 3)],
        [ok = gen_sctp:send(C, Id, 0, M) || M <- Out],
        Got = [recv_from(Server) || _ <- Out],
        [SId] = lists:usort([From || {From, _} <- Got]),
        Out = [M || {_, M} <- Got],
        [ok = gen_sctp:send(Server, SId, 0, M) || M <- Back],
        Back = [recv_data(C) || _ <- Back],
        {ok, [{recv_oct, 60}, {recv_cnt, 3}, {recv_max, 30}, {recv_avg, 20}, {recv_dvi, 0},
              {send_oct, 1500}, {send_cnt, 5}, {send_max, 500}, {send_avg, 300},
              {send_pend, 0}]} = inet:getstat(C),
        {ok, [{send_cnt, 3}, {send_oct, 60}, {recv_cnt, 5}, {recv_oct, 1500}]} =
            inet:getstat(Server, [send_cnt, send_oct, recv_cnt, recv_oct]),
        {ok, [{sctp_get_assoc_stats, #sctp_assoc_stats{oodchunks = 5, iodchunks = 3,
                                                       ouodchunks = 0, iuodchunks = 0}}]} =
            inet:getopts(C, [{sctp_get_assoc_stats, #sctp_assoc_stats{assoc_id = Id}}]),
        {ok, [{sctp_get_assoc_stats, #sctp_assoc_stats{oodchunks = 3, iodchunks = 5,
                                                       ouodchunks = 0, iuodchunks = 0}}]} =
            inet:getopts(Server, [{sctp_get_assoc_stats,
                                   #sctp_assoc_stats{assoc_id = SId}}]),
        {error, einval} = inet:getstat(C, [no_such_counter])
    after
        gen_sctp:close(C),
        gen_sctp:close(Server)
    end.

%%% Helpers

%% A one-to-many listener and client, each opened with its options, and an association
%% between them: Fun(Client, AssocId, ServerPort).
with_association(ServerOpts, ClientOpts, Fun) ->
    {ok, Server} = gen_sctp:open([{ip, ?L}, {active, false} | ServerOpts]),
    ok = gen_sctp:listen(Server, true),
    {ok, SPort} = inet:port(Server),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false} | ClientOpts]),
    try
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, SPort, [], ?T),
        Fun(C, Id, SPort)
    after
        gen_sctp:close(C),
        gen_sctp:close(Server)
    end.

%% The next data message of a passive socket, skipping events.
recv_data(S) ->
    element(2, recv_from(S)).

%% The same with its association's id.
recv_from(S) ->
    case gen_sctp:recv(S, ?T) of
        {ok, {_, _, Anc, Data}} when is_binary(Data) ->
            #sctp_sndrcvinfo{assoc_id = Id} = lists:keyfind(sctp_sndrcvinfo, 1, Anc),
            {Id, Data};
        {ok, {_, _, _, _Event}} ->
            recv_from(S)
    end.

kernel_before_6_2() ->
    {unix, linux} = os:type(),
    {Major, Minor, _} = os:version(),
    {Major, Minor} < {6, 2}.
