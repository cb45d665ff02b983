%% RFC 6458's notifications and receive info (include/gen_sctp_nif.hrl) on a
%% kernel SCTP stack over loopback, between two of this library's sockets: the
%% per-event subscription option, sender_dry, rcvinfo and nxtinfo, stream reset
%% and stream change, the authentication event, send_failed_event and the
%% potentially failed path state. Each event is checked in the passive and the
%% active shape.
%%
%% The kernel settings a case needs (net.sctp.*) are set in its
%% init_per_testcase and restored in end_per_testcase.
-module(rfc6458_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_testcase/2, end_per_testcase/2]).
-export([sctp_event_round_trip/1, sender_dry_passive/1, sender_dry_active/1,
         rcvinfo_nxtinfo_passive/1, rcvinfo_nxtinfo_active/1,
         stream_reset_passive/1, stream_reset_active/1,
         assoc_reset_passive/1, assoc_reset_active/1,
         authkey_no_auth_passive/1, authkey_no_auth_active/1,
         send_failed_event_passive/1, send_failed_event_active/1,
         paddr_potentially_failed/1, otp_peer_denies_stream_reset/1]).

-import(sctp_test, [pair/1, full_pair/1, numbered/1, next/1, next_active/1]).

%% Stream resets and added streams, both ways.
-define(RESET_AND_ADD, [reset_streams, change_assoc]).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 2}}].

all() ->
    [sctp_event_round_trip, sender_dry_passive, sender_dry_active,
     rcvinfo_nxtinfo_passive, rcvinfo_nxtinfo_active,
     stream_reset_passive, stream_reset_active,
     assoc_reset_passive, assoc_reset_active,
     authkey_no_auth_passive, authkey_no_auth_active,
     send_failed_event_passive, send_failed_event_active,
     paddr_potentially_failed, otp_peer_denies_stream_reset].

%% The net.sctp settings each case needs, as {Name, Value}.
sysctls(Case) when Case =:= stream_reset_passive; Case =:= stream_reset_active;
                   Case =:= assoc_reset_passive; Case =:= assoc_reset_active;
                   Case =:= otp_peer_denies_stream_reset ->
    [{"reconf_enable", "1"}];
sysctls(Case) when Case =:= authkey_no_auth_passive; Case =:= authkey_no_auth_active ->
    [{"auth_enable", "0"}];
sysctls(paddr_potentially_failed) ->
    %% 2: SCTP_PF_EXPOSE_ENABLE; a path goes potentially failed after its first
    %% missed heartbeat.
    [{"pf_expose", "2"}, {"pf_enable", "1"}, {"pf_retrans", "0"}];
sysctls(_Case) ->
    [].

init_per_testcase(Case, Config) ->
    Saved = [{Name, sctp_test:set_sysctl(Name, Value)} || {Name, Value} <- sysctls(Case)],
    [{saved_sysctls, Saved} | Config].

end_per_testcase(Case, Config) ->
    _ = [sctp_test:set_sysctl(Name, Value) || {Name, Value} <- ?config(saved_sysctls, Config)],
    case Case of
        paddr_potentially_failed -> _ = os:cmd(?UNBLACKHOLE_L2);
        _ -> ok
    end,
    ok.

%%% Helpers

subscribe(Type) ->
    subscribe(0, Type).

subscribe(AssocId, Type) ->
    {sctp_event, #sctp_event{assoc_id = AssocId, type = Type, on = true}}.

%% The next data message on S (passive or active), every notification skipped.
next_data(S, Next) ->
    case Next(S) of
        {_, _, _, Data} = Msg when is_binary(Data) -> Msg;
        {_, _, _, _Event} -> next_data(S, Next)
    end.

%% A server and a client whose sockets open with Opts, associated: the
%% client's comm_up taken by connect, the server's left unread.
associated(Opts) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, false} | Opts]),
    {ok, SPort} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false} | Opts]),
    {ok, CPort} = inet:port(C),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = CId}} =
        gen_sctp:connect(C, ?L, SPort, [sctp_test:initmsg()], ?T),
    #{s => S, c => C, sport => SPort, cport => CPort, cid => CId}.

%% The server's comm_up, on a passive S: its assoc id.
server_comm_up(S, Next) ->
    {?L, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = Next(S),
    SId.

%% Closes the sockets, passive first, so that no end's closing reaches the other's
%% mailbox.
close_all(Socks) ->
    [ok = inet:setopts(X, [{active, false}]) || X <- Socks],
    [ok = gen_sctp:close(X) || X <- Socks],
    ok.

%%% Test cases

%% {sctp_event, #sctp_event{}} is set and read back per type; the types OTP
%% subscribes to start on, the others off; the type is required.
sctp_event_round_trip(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    Get = fun(Type) ->
                  {ok, [{sctp_event, #sctp_event{assoc_id = 0, type = Type, on = On}}]} =
                      inet:getopts(S, [{sctp_event, #sctp_event{type = Type}}]),
                  On
          end,
    Types = [association_change, peer_addr_change, remote_error, send_failed, shutdown,
             adaptation_indication, partial_delivery, authentication, sender_dry,
             stream_reset, assoc_reset, stream_change, send_failed_event],
    [true, true, true, true, true, false, true, false, false, false, false, false, false] =
        [Get(T) || T <- Types],
    [begin
         ok = inet:setopts(S, [{sctp_event, #sctp_event{type = T, on = not Get(T)}}]),
         ok = inet:setopts(S, [{sctp_event, #sctp_event{type = T, on = not Get(T)}}])
     end || T <- Types],
    ok = inet:setopts(S, [subscribe(sender_dry)]),
    true = Get(sender_dry),
    %% `on' left undefined keeps the current value.
    ok = inet:setopts(S, [{sctp_event, #sctp_event{type = sender_dry}}]),
    true = Get(sender_dry),
    ok = inet:setopts(S, [{sctp_event, #sctp_event{type = sender_dry, on = false}}]),
    false = Get(sender_dry),
    {error, einval} = inet:setopts(S, [{sctp_event, #sctp_event{on = true}}]),
    {error, einval} = inet:setopts(S, [{sctp_event, #sctp_event{type = data, on = true}}]),
    {error, einval} = inet:getopts(S, [sctp_event]),
    {ok, [{sctp_recvrcvinfo, false}, {sctp_recvnxtinfo, false}]} =
        inet:getopts(S, [sctp_recvrcvinfo, sctp_recvnxtinfo]),
    ok = inet:setopts(S, [{sctp_recvrcvinfo, true}, {sctp_recvnxtinfo, true}]),
    {ok, [{sctp_recvrcvinfo, true}, {sctp_recvnxtinfo, true}]} =
        inet:getopts(S, [sctp_recvrcvinfo, sctp_recvnxtinfo]),
    %% The old subscription record leaves the new types alone.
    ok = inet:setopts(S, [{sctp_events, #sctp_event_subscribe{shutdown_event = false}}]),
    {false, true} = {Get(shutdown), Get(association_change)},
    ok = inet:setopts(S, [subscribe(sender_dry)]),
    ok = inet:setopts(S, [{sctp_events, #sctp_event_subscribe{shutdown_event = true}}]),
    {true, true} = {Get(shutdown), Get(sender_dry)},
    ok = gen_sctp:close(S).

%% Subscribing to sender_dry for an association with nothing in flight gives
%% the event at once; sending gives it again once the peer has acknowledged
%% everything.
sender_dry_passive(_Config) ->
    #{s := S, c := C, sport := SPort, ca := #sctp_assoc_change{assoc_id = CId}} = pair([]),
    ok = inet:setopts(C, [subscribe(CId, sender_dry)]),
    {?L, SPort, [], #sctp_sender_dry_event{assoc_id = CId}} = next(C),
    ok = gen_sctp:send(C, CId, 1, <<"dry soon">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1}], <<"dry soon">>} = next(S),
    {?L, SPort, [], #sctp_sender_dry_event{assoc_id = CId}} = next(C),
    close_all([C, S]).

sender_dry_active(_Config) ->
    #{s := S, c := C, sport := SPort, ca := #sctp_assoc_change{assoc_id = CId}} = pair([]),
    ok = inet:setopts(C, [{active, true}, subscribe(CId, sender_dry)]),
    {?L, SPort, [], #sctp_sender_dry_event{assoc_id = CId}} = next_active(C),
    ok = gen_sctp:send(C, CId, 1, <<"dry soon">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1}], <<"dry soon">>} = next(S),
    {?L, SPort, [], #sctp_sender_dry_event{assoc_id = CId}} = next_active(C),
    close_all([C, S]).

%% Two messages that both wait in the server's kernel queue (the client's
%% sender_dry says the server has them) before it reads any: the first
%% carries rcvinfo and the second one's nxtinfo, the second only its rcvinfo.
rcvinfo_nxtinfo_passive(_Config) ->
    rcvinfo_nxtinfo(fun(S) -> next(S) end, fun(_S) -> ok end).

rcvinfo_nxtinfo_active(_Config) ->
    rcvinfo_nxtinfo(fun sctp_test:next_active/1,
                    fun(S) -> ok = inet:setopts(S, [{active, true}]) end).

rcvinfo_nxtinfo(Next, Start) ->
    Recv = [{sctp_recvrcvinfo, true}, {sctp_recvnxtinfo, true}],
    #{s := S, c := C, cid := CId} = associated(Recv),
    ok = inet:setopts(C, [subscribe(CId, sender_dry)]),
    {_, _, _, #sctp_sender_dry_event{}} = next(C),
    First = <<"first">>,
    Second = <<"the second one">>,
    ok = gen_sctp:send(C, #sctp_sndrcvinfo{assoc_id = CId, stream = 1, ppid = 7}, First),
    ok = gen_sctp:send(C, #sctp_sndrcvinfo{assoc_id = CId, stream = 2, ppid = 9,
                                           flags = [unordered]}, Second),
    {_, _, _, #sctp_sender_dry_event{}} = next(C),
    ok = Start(S),
    SId = server_comm_up(S, Next),
    {?L, _, Anc1, First} = next_data(S, Next),
    %% In the kernel's order: nxtinfo, rcvinfo, sndrcvinfo. The kernel gives an ordered
    %% message a cumtsn of 0, an unordered one its own TSN.
    [#sctp_nxtinfo{sid = 2, flags = [unordered], ppid = 9, length = 14, assoc_id = SId},
     #sctp_rcvinfo{sid = 1, ssn = 0, flags = [], ppid = 7, tsn = Tsn1, cumtsn = 0,
                   context = 0, assoc_id = SId},
     #sctp_sndrcvinfo{stream = 1, ssn = 0, flags = [], ppid = 7, context = 0,
                      timetolive = 0, tsn = Tsn1, cumtsn = 0, assoc_id = SId}] = Anc1,
    {?L, _, Anc2, Second} = next_data(S, Next),
    Tsn2 = Tsn1 + 1,
    [#sctp_rcvinfo{sid = 2, ssn = 0, flags = [unordered], ppid = 9, tsn = Tsn2,
                   cumtsn = Tsn2, context = 0, assoc_id = SId},
     #sctp_sndrcvinfo{stream = 2, ssn = 0, flags = [unordered], ppid = 9, context = 0,
                      timetolive = 0, tsn = Tsn2, cumtsn = Tsn2, assoc_id = SId}] = Anc2,
    close_all([C, S]).

%% With stream reconfiguration on (net.sctp.reconf_enable and
%% sctp_enable_stream_reset), reset_streams/4 and add_streams/4 give each end
%% its stream_reset and stream_change events.
stream_reset_passive(_Config) ->
    stream_reset(fun sctp_test:next/1, fun(_) -> ok end).

stream_reset_active(_Config) ->
    stream_reset(fun sctp_test:next_active/1, fun(S) -> ok = inet:setopts(S, [{active, true}]) end).

stream_reset(Next, Start) ->
    Opts = [{sctp_enable_stream_reset, ?RESET_AND_ADD},
            subscribe(stream_reset), subscribe(stream_change)],
    #{s := S, c := C, cid := CId} = associated(Opts),
    {ok, [{sctp_enable_stream_reset, #sctp_assoc_value{assoc_id = CId,
                                                       assoc_value = ?RESET_AND_ADD}}]} =
        inet:getopts(C, [{sctp_enable_stream_reset, #sctp_assoc_value{assoc_id = CId}}]),
    ok = Start(S),
    ok = Start(C),
    SId = server_comm_up(S, Next),
    ok = gen_sctp:reset_streams(C, CId, [outgoing], [1, 3]),
    {?L, _, [], ClientReset} = Next(C),
    {?L, _, [], ServerReset} = Next(S),
    #sctp_stream_reset_event{assoc_id = CId, flags = [outgoing_ssn], streams = [1, 3]} =
        ClientReset,
    #sctp_stream_reset_event{assoc_id = SId, flags = [incoming_ssn], streams = [1, 3]} =
        ServerReset,
    ok = gen_sctp:add_streams(C, CId, 0, 2),
    {?L, _, [], ClientChange} = Next(C),
    {?L, _, [], ServerChange} = Next(S),
    %% Linux gives the streams added, where RFC 6458 has the new totals.
    #sctp_stream_change_event{assoc_id = CId, flags = [], instrms = 0, outstrms = 2} =
        ClientChange,
    #sctp_stream_change_event{assoc_id = SId, flags = [], instrms = 2, outstrms = 0} =
        ServerChange,
    %% The new stream carries data.
    ok = gen_sctp:send(C, CId, ?STREAMS + 1, <<"on a new stream">>),
    {?L, _, [#sctp_sndrcvinfo{stream = ?STREAMS + 1}], <<"on a new stream">>} =
        next_data(S, Next),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:add_streams(C, CId, 0, 70000) end),
    {error, badarg} =
        sctp_test:raised(fun() -> gen_sctp:reset_streams(C, CId, [sideways], []) end),
    close_all([C, S]).

%% A plain OTP gen_sctp peer with RECONF (net.sctp.reconf_enable) but without stream
%% resets enabled, which OTP cannot ask for: our socket, with stream resets enabled, asks
%% it to reset a stream; the peer's kernel denies it, our end gets the event saying so,
%% and the association carries data both ways before and after.
otp_peer_denies_stream_reset(_Config) ->
    {Peer, PeerPort} = sctp_test:otp_echo_server(),
    try
        {ok, C} = gen_sctp:open([{ip, ?L}, {active, false},
                                 {sctp_enable_stream_reset, ?RESET_AND_ADD},
                                 subscribe(stream_reset)]),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, PeerPort, [], ?T),
        ok = sctp_test:echoed(Peer, C, Id, PeerPort, <<"before the reset">>),
        ok = gen_sctp:reset_streams(C, Id, [outgoing], [0]),
        %% Linux reports a denied outgoing reset with both flags.
        {?L, PeerPort, [], #sctp_stream_reset_event{assoc_id = Id, flags = [outgoing_ssn, denied],
                                                    streams = [0]}} = next(C),
        ok = sctp_test:echoed(Peer, C, Id, PeerPort, <<"after the reset">>),
        ok = gen_sctp:close(C)
    after
        peer:stop(Peer)
    end.

%% An association reset (RFC 6525 SSN/TSN reset) asked for by the client: both ends
%% report the same new pair of TSNs, each from its own side, data flows both ways
%% after it, and stream sequence numbers start again at 0.
assoc_reset_passive(_Config) ->
    assoc_reset(fun sctp_test:next/1, fun(_) -> ok end).

assoc_reset_active(_Config) ->
    assoc_reset(fun sctp_test:next_active/1, fun(S) -> ok = inet:setopts(S, [{active, true}]) end).

assoc_reset(Next, Start) ->
    Opts = [{sctp_enable_stream_reset, [reset_assoc]}, subscribe(assoc_reset)],
    #{s := S, c := C, cid := CId} = associated(Opts),
    ok = Start(S),
    ok = Start(C),
    SId = server_comm_up(S, Next),
    [ok = gen_sctp:send(C, CId, 1, <<"before">>) || _ <- [1, 2]],
    [{?L, _, [#sctp_sndrcvinfo{stream = 1, ssn = N}], <<"before">>} = next_data(S, Next)
     || N <- [0, 1]],
    %% The kernel refuses while data sent is unacknowledged.
    ok = sctp_test:poll_until(reset_assoc, fun() -> gen_sctp:reset_assoc(C, CId) end,
                              fun(R) -> R =/= {error, eagain} end),
    {?L, _, [], #sctp_assoc_reset_event{assoc_id = CId, flags = [], local_tsn = CLocal,
                                        remote_tsn = CRemote}} = Next(C),
    {?L, _, [], #sctp_assoc_reset_event{assoc_id = SId, flags = [], local_tsn = SLocal,
                                        remote_tsn = SRemote}} = Next(S),
    ct:pal("client: local_tsn ~p, remote_tsn ~p; server: local_tsn ~p, remote_tsn ~p",
           [CLocal, CRemote, SLocal, SRemote]),
    {CLocal, CRemote} = {SRemote, SLocal},
    ok = gen_sctp:send(C, CId, 1, <<"after">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1, ssn = 0}], <<"after">>} = next_data(S, Next),
    ok = gen_sctp:send(S, SId, 1, <<"back">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1, ssn = 0}], <<"back">>} = next_data(C, Next),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:reset_assoc(C, -1) end),
    close_all([C, S]).

%% With authentication subscribed and SCTP-AUTH off (net.sctp.auth_enable = 0),
%% each end learns right after comm_up that the peer does not authenticate.
authkey_no_auth_passive(_Config) ->
    authkey_no_auth(fun sctp_test:next/1, fun(_) -> ok end).

authkey_no_auth_active(_Config) ->
    authkey_no_auth(fun sctp_test:next_active/1,
                    fun(S) -> ok = inet:setopts(S, [{active, true}]) end).

authkey_no_auth(Next, Start) ->
    #{s := S, c := C, cid := CId, sport := SPort} = associated([subscribe(authentication)]),
    ok = Start(S),
    ok = Start(C),
    SId = server_comm_up(S, Next),
    {?L, _, [], #sctp_authkey_event{assoc_id = SId, keynumber = 0, indication = no_auth}} =
        Next(S),
    {?L, SPort, [], #sctp_authkey_event{assoc_id = CId, keynumber = 0,
                                        indication = no_auth}} = Next(C),
    close_all([C, S]).

%% An association aborted with data queued, send_failed_event subscribed:
%% each unsent message comes back as #sctp_send_failed_event{}, an ordinary
%% event. OTP's #sctp_send_failed{} error event stays subscribed as it was,
%% and the kernel sends both for each message; a passive socket.
send_failed_event_passive(_Config) ->
    #{s := S, c := C, ca := CA, sport := SPort, last := Last} = full_pair(300),
    CId = CA#sctp_assoc_change.assoc_id,
    ok = inet:setopts(C, [subscribe(CId, send_failed_event)]),
    ok = gen_sctp:abort(C, CA),
    Events = collect(fun() -> gen_sctp:recv(C, 1000) end, SPort, []),
    Old = [{I, Sent} || #sctp_send_failed{flags = Sent, data = <<I:32, _/binary>>} <- Events],
    New = check_send_failed_events(Events, CId, Last),
    Old = [{I, Sent =:= data_sent} || {I, Sent} <- New],
    close_all([C, S]).

%% The same on an active socket with OTP's send_failed turned off: only the
%% new events come.
send_failed_event_active(_Config) ->
    #{s := S, c := C, ca := CA, sport := SPort, last := Last} = full_pair(300),
    CId = CA#sctp_assoc_change.assoc_id,
    ok = inet:setopts(C, [{active, true}, subscribe(CId, send_failed_event),
                          {sctp_event, #sctp_event{assoc_id = CId, type = send_failed,
                                                   on = false}}]),
    ok = gen_sctp:abort(C, CA),
    Receive = fun() ->
                      receive
                          {sctp, C, IP, Port, {Anc, Ev}} -> {ok, {IP, Port, Anc, Ev}};
                          {sctp_error, C, _, _, _} = Error -> Error
                      after 1000 -> {error, timeout}
                      end
              end,
    Events = collect(Receive, SPort, []),
    [] = [E || #sctp_send_failed{} = E <- Events],
    _ = check_send_failed_events(Events, CId, Last),
    close_all([C, S]).

collect(Receive, SPort, Acc) ->
    case Receive() of
        {ok, {?L, SPort, [], #sctp_send_failed_event{} = Ev}} -> collect(Receive, SPort, [Ev | Acc]);
        {ok, {?L, SPort, [], #sctp_assoc_change{} = Ev}} -> collect(Receive, SPort, [Ev | Acc]);
        {ok, {?L, _, [], #sctp_paddr_change{}}} -> collect(Receive, SPort, Acc);
        {error, {[1, _, _, 127, 0, 0, 1], [], #sctp_send_failed{} = Ev}} ->
            collect(Receive, SPort, [Ev | Acc]);
        {error, timeout} -> lists:reverse(Acc);
        Other -> ct:fail({unexpected, Other})
    end.

%% The numbers of the messages the send_failed_events carry, each once, with
%% whether it was sent.
check_send_failed_events(Events, CId, Last) ->
    [comm_lost] = [St || #sctp_assoc_change{state = St} <- Events],
    Failed = [E || #sctp_send_failed_event{} = E <- Events],
    true = Failed =/= [],
    Numbered = [begin
                    #sctp_send_failed_event{assoc_id = CId, flags = Sent, error = Error,
                                            info = #sctp_sndinfo{sid = 0, ppid = 0,
                                                                 context = 0,
                                                                 assoc_id = CId},
                                            data = Data} = Ev,
                    true = Sent =:= data_sent orelse Sent =:= data_unsent,
                    true = is_integer(Error),
                    <<I:32, _/binary>> = Data,
                    Data = numbered(I),
                    true = I >= 1 andalso I =< Last,
                    {I, Sent}
                end || Ev <- Failed],
    Numbered = lists:ukeysort(1, Numbered),
    Numbered.

%% A multi-homed server's second path, its heartbeats dropped, goes potentially
%% failed at the first miss (net.sctp.pf_expose = 2), then unreachable, and
%% comes back available.
paddr_potentially_failed(_Config) ->
    {S, C, CId, Second} = sctp_test:second_path(3, 3 * ?T),
    "" = os:cmd(?BLACKHOLE_L2),
    #sctp_paddr_change{assoc_id = CId, error = 0} =
        await_paddr(C, Second, addr_potentially_failed),
    #sctp_paddr_change{assoc_id = CId} = await_paddr(C, Second, addr_unreachable),
    "" = os:cmd(?UNBLACKHOLE_L2),
    #sctp_paddr_change{assoc_id = CId} = await_paddr(C, Second, addr_available),
    close_all([C, S]).

await_paddr(S, Addr, State) ->
    sctp_test:await_paddr(S, Addr, State, 3 * ?T).
