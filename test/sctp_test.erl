%% Helpers shared by the Common Test suites, and their Common Test hook: a
%% suite that lists `{ct_hooks, [sctp_test]}' in suite/0 runs only with this
%% application's gen_sctp, and each of its test cases fails if it leaves a
%% message in its mailbox (`{sctp_test, [any_mailbox]}' skips that check). The
%% helpers set up the loopback servers and associations most cases start from.
%% Everything runs over 127.0.0.1 on a real SCTP kernel.
-module(sctp_test).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([init/2, pre_init_per_suite/3, post_end_per_testcase/5]).
-export([assert_gen_sctp_is_ours/0,
         server/1, server/2, pair/1, initmsg/0, recv_event/1, peer_sees_end/2, assert_empty_mailbox/0,
         full_pair/1, numbered/1, free_port/0, async/1, await/1, await/2, wait_blocked/1,
         not_returned/1, raised/1, poll_until/3, poll_until/4, recv_data/2, recv_data/3,
         nif_handle/1, fd_count/0, status/2, await_paddr/4, second_path/2, next/1,
         next_active/1]).
-export([set_sysctl/2, otp_echo_server/0, otp_echo_server/1, echoed/5, peer_eval/3]).

%% A receiver that never reads, with the smallest buffers the kernel allows,
%% fills its peer's send buffer after a few messages.
-define(SMALL_BUF, [{recbuf, 4096}, {sndbuf, 4096}]).
-define(NUMBERED_SIZE, 1000).
%% How long a mailbox must stay empty to count as empty.
-define(QUIET_MS, 200).
%% The pause between two tries of poll_until/3,4.
-define(POLL_MS, 20).

%%% The Common Test hook

init(_Id, Opts) ->
    {ok, #{check_mailbox => not lists:member(any_mailbox, Opts)}}.

%% Fails the suite unless gen_sctp is this application's.
pre_init_per_suite(_Suite, Config, State) ->
    case gen_sctp_source() of
        {ours, Which} ->
            ct:pal("gen_sctp: ~s", [Which]),
            {Config, State};
        NotOurs ->
            {{fail, NotOurs}, State}
    end.

%% Runs in the test case's process: nothing may be left in its mailbox. A case that
%% failed already keeps its own reason, and what it left is logged.
post_end_per_testcase(_Suite, _Case, _Config, Return, #{check_mailbox := false} = State) ->
    {Return, State};
post_end_per_testcase(_Suite, _Case, Config, Return, State) ->
    case proplists:get_value(tc_status, Config) of
        {failed, _} ->
            {messages, Left} = erlang:process_info(self(), messages),
            ct:pal("left in the mailbox of the failed case: ~p", [Left]),
            {Return, State};
        _ ->
            receive
                Msg -> {{fail, {stray_message, Msg}}, State}
            after ?QUIET_MS ->
                    {Return, State}
            end
    end.

%%% Helpers

%% kernel has a gen_sctp too, and a stale copy elsewhere on the code path
%% would shadow the one built from erl_src: the module must come from this
%% application's ebin, or the suite would test something else.
gen_sctp_source() ->
    Which = code:which(gen_sctp),
    Ours = filename:join([code:lib_dir(gen_sctp_nif), "ebin", "gen_sctp.beam"]),
    case Which =:= Ours of
        true -> {ours, Which};
        false -> {not_our_gen_sctp, Which, expected, Ours}
    end.

%% Returns the path of gen_sctp's beam, or fails the test case if it is not
%% this application's.
assert_gen_sctp_is_ours() ->
    case gen_sctp_source() of
        {ours, Which} -> Which;
        NotOurs -> ct:fail(NotOurs)
    end.

%% A one-to-many server listening on 127.0.0.1 (or IP), passive unless Opts say
%% otherwise.
server(Opts) ->
    server(?L, Opts).

server(IP, Opts) ->
    {ok, S} = gen_sctp:open([{ip, IP}, {active, false} | Opts]),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {S, Port}.

%% A passive server and a passive client with one association of ?STREAMS
%% streams each way, both comm_up events consumed.
pair(Opts) ->
    {S, SPort} = server(Opts),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false} | Opts]),
    {ok, CPort} = inet:port(C),
    {ok, #sctp_assoc_change{state = comm_up, error = 0, outbound_streams = ?STREAMS,
                            inbound_streams = ?STREAMS} = CA} =
        gen_sctp:connect(C, ?L, SPort, [initmsg()], ?T),
    {?L, CPort, _, #sctp_assoc_change{state = comm_up, outbound_streams = ?STREAMS,
                                      inbound_streams = ?STREAMS} = SA} = recv_event(S),
    #{s => S, c => C, sport => SPort, cport => CPort, sa => SA, ca => CA}.

initmsg() ->
    {sctp_initmsg, #sctp_initmsg{num_ostreams = ?STREAMS, max_instreams = ?STREAMS}}.

%% The next notification on a passive socket; address confirmations are
%% skipped (Linux may send them around comm_up).
recv_event(S) ->
    case gen_sctp:recv(S, ?T) of
        {ok, {_, _, _, #sctp_paddr_change{}}} ->
            recv_event(S);
        {ok, {IP, Port, Anc, Ev}} when is_tuple(Ev) ->
            case Anc of
                [] -> ok;
                [#sctp_sndrcvinfo{}] -> ok
            end,
            {IP, Port, Anc, Ev};
        Other ->
            ct:fail({expected_event, Other})
    end.

%% The next message on passive socket S, as {IP, Port, Anc, Payload}, address
%% confirmations skipped.
next(S) ->
    case gen_sctp:recv(S, ?T) of
        {ok, {_, _, _, #sctp_paddr_change{state = addr_confirmed}}} -> next(S);
        {ok, Msg} -> Msg;
        Other -> ct:fail({expected_message, Other})
    end.

%% The same for active socket S, from the mailbox.
next_active(S) ->
    receive
        {sctp, S, _, _, {_, #sctp_paddr_change{state = addr_confirmed}}} -> next_active(S);
        {sctp, S, IP, Port, {Anc, Payload}} -> {IP, Port, Anc, Payload}
    after ?T ->
            ct:fail({no_message, process_info(self(), messages)})
    end.

%% The next data message on passive socket S, as {IP, Port, Anc, Data}, within
%% Timeout ms (?T for recv_data/2). Skip names the notifications that may come
%% first and are dropped: `none' (the next message must be data), `paddr' (address
%% events, which Linux may send at any time) or `events' (every notification).
%% Anything else fails the test case.
recv_data(S, Skip) ->
    recv_data(S, Skip, ?T).

recv_data(S, Skip, Timeout) ->
    case gen_sctp:recv(S, Timeout) of
        {ok, {IP, Port, Anc, Data}} when is_binary(Data); is_list(Data) ->
            {IP, Port, Anc, Data};
        {ok, {_, _, _, #sctp_paddr_change{}}} when Skip =:= paddr; Skip =:= events ->
            recv_data(S, Skip, Timeout);
        {ok, {_, _, _, Event}} when Skip =:= events, is_tuple(Event) ->
            recv_data(S, Skip, Timeout);
        Other ->
            ct:fail({expected_data, {skipping, Skip}, Other})
    end.

%% The end of an association (AssocId, or any) as its peer S sees it: a
%% graceful shutdown or an abort.
peer_sees_end(S, AssocId) ->
    case recv_event(S) of
        {_, _, _, #sctp_shutdown_event{assoc_id = Id}} when AssocId =:= any; Id =:= AssocId ->
            {_, _, _, #sctp_assoc_change{state = shutdown_comp, assoc_id = Id}} = recv_event(S),
            shutdown;
        {_, _, _, #sctp_assoc_change{state = comm_lost, assoc_id = Id}}
          when AssocId =:= any; Id =:= AssocId ->
            comm_lost;
        Other ->
            ct:fail({expected_end_of_association, Other})
    end.

%% A server that never reads and a client with one association to it whose send
%% buffer is full and stays so: messages 1..Last went out on stream 0, the last ones
%% sit unacknowledged in the client's queue. send_timeout is left at SendTimeout.
full_pair(SendTimeout) ->
    %% ?FAST_RTO: once the receiver reads, the window reopens within 600 ms.
    #{c := C, ca := CA} = Pair = pair(?SMALL_BUF ++ ?FAST_RTO),
    ok = inet:setopts(C, [{send_timeout, SendTimeout}]),
    Last = fill(C, CA, 0, 0, 100),
    ct:pal("send buffer full after ~p messages", [Last]),
    true = Last > 0,
    Pair#{last => Last}.

%% Sends numbered messages after Sent, in rounds that end with a send timing out, until
%% no room can come: a timed-out send shows only that none came for send_timeout, and an
%% acknowledgement on its way frees some. None can come once the peer's window is
%% closed with at most one chunk in flight, a window probe the peer drops; that chunk
%% could also be data about to be acknowledged, so the window must be found closed after
%% two rounds in a row that sent nothing (Closed counts them).
fill(C, CA, Sent, Closed, Rounds) ->
    Last = send_until_timeout(C, CA, Sent + 1, 5000),
    Nothing = Last =:= Sent andalso window_closed(status(C, CA)),
    if
        Nothing, Closed >= 1 -> Last;
        Rounds =< 1 -> ct:fail({send_buffer_never_settled, Last, status(C, CA)});
        Nothing -> fill(C, CA, Last, Closed + 1, Rounds - 1);
        true -> fill(C, CA, Last, 0, Rounds - 1)
    end.

window_closed(#sctp_status{rwnd = Rwnd, unackdata = Unacked}) ->
    Rwnd =:= 0 andalso Unacked =< 1.

%% The next #sctp_paddr_change{} of passive socket S for peer address Addr in
%% state State, within Timeout for each event; those for other addresses or
%% states are logged and skipped.
await_paddr(S, Addr, State, Timeout) ->
    case gen_sctp:recv(S, Timeout) of
        {ok, {_, _, [], #sctp_paddr_change{addr = Addr, state = State} = Ev}} -> Ev;
        {ok, {_, _, [], #sctp_paddr_change{} = Ev}} ->
            ct:pal("skipped ~p", [Ev]),
            await_paddr(S, Addr, State, Timeout);
        Other -> ct:fail({expected_paddr_change, Addr, State, Other})
    end.

%% A server on 127.0.0.1 and ?L2 and a passive client (fast retransmissions) with
%% an association whose second path, to ?L2, is confirmed (within Timeout) and then
%% heartbeated every 100 ms and given up after PathMaxRxt retransmissions:
%% {S, C, CId, Second}.
second_path(PathMaxRxt, Timeout) ->
    {S, SPort} = server([{ip, ?L2}]),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false} | ?FAST_RTO]),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = CId}} =
        gen_sctp:connect(C, ?L, SPort, [], ?T),
    Second = {?L2, SPort},
    #sctp_paddr_change{assoc_id = CId} = await_paddr(C, Second, addr_confirmed, Timeout),
    ok = inet:setopts(C, [{sctp_peer_addr_params,
                           #sctp_paddrparams{assoc_id = CId, address = Second,
                                             hbinterval = 100, pathmaxrxt = PathMaxRxt,
                                             flags = [hb_enable]}}]),
    {S, C, CId, Second}.

%% The status of association Assoc of socket S.
status(S, #sctp_assoc_change{assoc_id = Id}) ->
    {ok, [{sctp_status, Status}]} = inet:getopts(S, [{sctp_status, #sctp_status{assoc_id = Id}}]),
    Status.

%% Sends numbered messages from I on until one times out; returns the last one sent.
send_until_timeout(_C, _CA, I, 0) ->
    ct:fail({send_buffer_never_full, I});
send_until_timeout(C, CA, I, Budget) ->
    case gen_sctp:send(C, CA, 0, numbered(I)) of
        ok -> send_until_timeout(C, CA, I + 1, Budget - 1);
        {error, timeout} -> I - 1;
        Other -> ct:fail({send, I, Other})
    end.

%% Message number I: its number, then padding.
numbered(I) ->
    <<I:32, 0:((?NUMBERED_SIZE - 4) * 8)>>.

assert_empty_mailbox() ->
    receive
        Msg -> ct:fail({stray_message, Msg})
    after ?QUIET_MS ->
            ok
    end.

%% How many files this node has open.
fd_count() ->
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    length(Fds).

%% A port that is free now: bind port 0, read the port the kernel chose, close.
free_port() ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:close(S),
    Port.

%% Runs F in a new linked process; await/1 gives its result.
async(F) ->
    Parent = self(),
    Ref = make_ref(),
    Pid = spawn_link(fun() -> Parent ! {Ref, F()} end),
    {Pid, Ref}.

await(Async) ->
    await(Async, ?T).

await({_Pid, Ref}, Timeout) ->
    receive
        {Ref, Result} -> Result
    after Timeout ->
            ct:fail(await_timeout)
    end.

%% Evaluates Source in the peer node, with Bindings.
peer_eval(Peer, Source, Bindings) ->
    {ok, Tokens, _} = erl_scan:string(Source),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, Value, _} = peer:call(Peer, erl_eval, exprs, [Exprs, Bindings], ?T),
    Value.

%% A node without this library whose OTP gen_sctp socket listens on 127.0.0.1
%% and sends back each message on the stream it came on: {Node, its port}.
%% The caller stops the node (peer:stop/1).
otp_echo_server() ->
    otp_echo_server([{ip, ?L}]).

%% The same with OpenOpts (where it listens) for the OTP socket's gen_sctp:open/1.
otp_echo_server(OpenOpts) ->
    {ok, Peer, _} = peer:start(#{connection => standard_io,
                                 env => [{"ERL_LIBS", false}], wait_boot => ?LONG}),
    Which = peer:call(Peer, code, which, [gen_sctp], ?T),
    true = lists:prefix(peer:call(Peer, code, lib_dir, [kernel], ?T), Which),
    Port = peer_eval(Peer,
                     "Parent = self(),"
                     "spawn(fun() ->"
                     "    {ok, S} = gen_sctp:open(OpenOpts ++ [binary, {active, false}]),"
                     "    ok = gen_sctp:listen(S, true),"
                     "    {ok, P} = inet:port(S), Parent ! {port, P},"
                     "    register(otp_echo, self()),"
                     "    Echo = fun Echo() ->"
                     "        Got = gen_sctp:recv(S),"
                     "        put(last, Got),"
                     "        case Got of"
                     "            {ok, {_, _, [{sctp_sndrcvinfo, Stream, _, _, _, _, _, _, _, A}],"
                     "                  Data}} when is_binary(Data) ->"
                     "                put(sent, gen_sctp:send(S, A, Stream, Data));"
                     "            _ -> ok"
                     "        end,"
                     "        Echo()"
                     "    end,"
                     "    Echo() end),"
                     "receive {port, P} -> P end.", [{'OpenOpts', OpenOpts}]),
    {Peer, Port}.

%% Msg sent on stream 0 of passive C's association Id to otp_echo_server/0's node
%% Peer and back, events skipped; if it does not come back, what the server took and
%% did last.
echoed(Peer, C, Id, PeerPort, Msg) ->
    ok = gen_sctp:send(C, Id, 0, Msg),
    try recv_data(C, events) of
        {_, PeerPort, [#sctp_sndrcvinfo{assoc_id = Id}], Msg} -> ok
    catch
        exit:{test_case_failed, Why} ->
            Echo = peer:call(Peer, erlang, whereis, [otp_echo], ?T),
            Info = Echo =/= undefined andalso
                peer:call(Peer, erlang, process_info, [Echo, dictionary], ?T),
            ct:fail({no_echo, Msg, Why, Info})
    end.

%% How calling F ends: `{Class, Reason}' for an exception, `{returned, Value}'
%% otherwise; `{error, badarg} = raised(F)' asserts that F raises error:badarg.
raised(F) ->
    try F() of
        Value -> {returned, Value}
    catch
        Class:Reason -> {Class, Reason}
    end.

%% Calls Probe until Done holds for the value it gives, and returns that value: a
%% try every ?POLL_MS ms, for Timeout ms (?T for poll_until/3) and at least once.
%% Then it fails the test case with What and Probe's last value.
poll_until(What, Probe, Done) ->
    poll_until(What, Probe, Done, ?T).

poll_until(What, Probe, Done, Timeout) ->
    poll(What, Probe, Done, max(1, Timeout div ?POLL_MS)).

poll(What, Probe, Done, Tries) ->
    Value = Probe(),
    case Done(Value) of
        true ->
            Value;
        false when Tries > 1 ->
            timer:sleep(?POLL_MS),
            poll(What, Probe, Done, Tries - 1);
        false ->
            ct:fail({never, What, {last, Value}})
    end.

%% Waits until Pid waits in gen_sctp for the poller (a send that met a full buffer,
%% a recv or accept with nothing to take). A wake-up that finds no room yet puts it
%% back there, so only reaching the wait is asserted, not staying in it.
wait_blocked(Pid) ->
    Waiting = [{status, waiting}, {current_function, {gen_sctp, wait_ready, 4}}],
    _ = poll_until({blocked_in_gen_sctp, Pid},
                   fun() -> erlang:process_info(Pid, [status, current_function]) end,
                   fun(Info) -> Info =:= Waiting end),
    ok.

%% Asserts that the call run by async/1 has not returned yet.
not_returned({Pid, Ref}) ->
    receive
        {Ref, Result} -> ct:fail({returned, Pid, Result})
    after 0 ->
            true = erlang:is_process_alive(Pid),
            ok
    end.

%% Sets /proc/sys/net/sctp/Name to Value and gives the value it had.
set_sysctl(Name, Value) ->
    File = "/proc/sys/net/sctp/" ++ Name,
    {ok, Old} = file:read_file(File),
    ok = file:write_file(File, Value),
    string:trim(binary_to_list(Old)).

%% The NIF's resource inside a socket, for gen_sctp_nif's test functions.
nif_handle({'$inet', gen_sctp, Handle}) -> Handle.
