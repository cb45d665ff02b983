%% The gen_sctp API (OTP 25 behaviour) on a real SCTP kernel over 127.0.0.1:
%% opening, closing, listening, connecting, sending and receiving, shutting
%% down, options and addresses through inet, peeloff and ownership.
%%
%% Every test case checks that no stray message is left in its mailbox
%% (sctp_test's hook fails the case otherwise).
-module(api_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([open_variants/1, open_inet6/1, open_badarg/1, close_twice/1,
         closed_socket_ops/1, listen_variants/1,
         connect_passive/1, connect_no_listener/1, connect_init_event/1,
         connectx_init_event/1, send_and_recv/1, send_bad_stream/1,
         recv_shapes/1, recv_timeout_no_stray/1, recv_timeout_races/1,
         recv_other_process/1, recv_ealready/1, recv_active_einval/1,
         close_while_recv/1, eof_shutdown/1, abort_comm_lost/1,
         mode_list_binary/1, error_string/1, inet_functions/1,
         socknames_peernames/1, peeloff/1, controlling_process_not_owner/1,
         controlling_process_moves_messages/1, controlling_process_owner_death/1,
         owner_death_closes/1, large_message/1, kernel_einval_returned/1]).

-import(sctp_test, [server/1, pair/1, initmsg/0, recv_event/1, peer_sees_end/2, assert_empty_mailbox/0,
                    free_port/0, async/1, await/1, await/2, wait_blocked/1, poll_until/3,
                    recv_data/2]).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {seconds, 60}}].

all() ->
    [open_variants, open_inet6, open_badarg, close_twice, closed_socket_ops,
     listen_variants, connect_passive, connect_no_listener, connect_init_event,
     connectx_init_event, send_and_recv, send_bad_stream, recv_shapes,
     recv_timeout_no_stray, recv_timeout_races, recv_other_process, recv_ealready,
     recv_active_einval, close_while_recv, eof_shutdown, abort_comm_lost,
     mode_list_binary, error_string, inet_functions, socknames_peernames, peeloff,
     controlling_process_not_owner, controlling_process_moves_messages,
     controlling_process_owner_death, owner_death_closes, large_message,
     kernel_einval_returned].

%%% Helpers

%% A passive one-to-many server listening on 127.0.0.1.
server() -> server([]).

%% A passive server and a passive client with one association of ?STREAMS
%% streams each way, both comm_up events consumed.
pair() -> pair([]).

%% Nothing more arrives on a passive socket for a while.
no_more(S) ->
    {error, timeout} = gen_sctp:recv(S, 200),
    ok.

is_socket({'$inet', gen_sctp, Ref}) -> is_reference(Ref);
is_socket(_) -> false.

%% Polls until the socket reports closed; anything but nothing to read first fails.
wait_closed(S) ->
    {error, closed} = poll_until({closed, S}, fun() -> gen_sctp:recv(S, 0) end,
                                 fun(Got) -> Got =/= {error, timeout} end),
    ok.

%%% Test cases

open_variants(_Config) ->
    {ok, S0} = gen_sctp:open(),
    true = is_socket(S0),
    {ok, P0} = inet:port(S0),
    true = P0 > 0,
    {ok, {{0, 0, 0, 0}, P0}} = inet:sockname(S0),
    ok = gen_sctp:close(S0),
    {ok, S1} = gen_sctp:open(0),
    true = is_socket(S1),
    {ok, P1} = inet:port(S1),
    true = P1 > 0,
    ok = gen_sctp:close(S1),
    %% A given port, and that port taken.
    Port = free_port(),
    {ok, S2} = gen_sctp:open(Port),
    {ok, Port} = inet:port(S2),
    {error, eaddrinuse} = gen_sctp:open(Port),
    {error, eaddrinuse} = gen_sctp:open(Port, [{ip, ?L}]),
    ok = gen_sctp:close(S2),
    {ok, S3} = gen_sctp:open(Port, [{ip, ?L}]),
    {ok, {?L, Port}} = inet:sockname(S3),
    ok = gen_sctp:close(S3),
    {ok, S4} = gen_sctp:open([{ip, ?L}, {port, Port}]),
    {ok, {?L, Port}} = inet:sockname(S4),
    ok = gen_sctp:close(S4),
    {ok, S5} = gen_sctp:open([{ip, loopback}]),
    {ok, {?L, _}} = inet:sockname(S5),
    ok = gen_sctp:close(S5),
    %% Both types, and the family.
    {ok, S6} = gen_sctp:open([{type, seqpacket}, {ip, ?L}]),
    {ok, S7} = gen_sctp:open([{type, stream}, {ip, ?L}]),
    {ok, S8} = gen_sctp:open([inet, {ip, ?L}]),
    [ok = gen_sctp:close(S) || S <- [S6, S7, S8]],
    %% Options given to open are in effect.
    {ok, S9} = gen_sctp:open([{ip, ?L}, {active, false}, list, {sndbuf, 65536}]),
    {ok, [{active, false}, {mode, list}, {sndbuf, Snd}]} =
        inet:getopts(S9, [active, mode, sndbuf]),
    true = Snd >= 65536,
    ok = gen_sctp:close(S9),
    {ok, S10} = gen_sctp:open([{ip, ?L}, {active, once}, binary]),
    {ok, [{active, once}, {mode, binary}]} = inet:getopts(S10, [active, mode]),
    ok = gen_sctp:close(S10).

%% An inet6 socket on ::1, and an association over it.
open_inet6(_Config) ->
    L6 = {0, 0, 0, 0, 0, 0, 0, 1},
    {ok, S} = gen_sctp:open([inet6, {ip, L6}, {active, false}]),
    {ok, {L6, SPort}} = inet:sockname(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open([inet6, {active, false}]),
    {ok, CA} = gen_sctp:connect(C, L6, SPort, [], ?T),
    #sctp_assoc_change{state = comm_up} = CA,
    {ok, CPort} = inet:port(C),
    {L6, CPort, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    ok = gen_sctp:send(C, CA, 0, <<"six">>),
    {L6, CPort, [#sctp_sndrcvinfo{stream = 0}], <<"six">>} = recv_data(S, none),
    %% An 8-tuple address alone selects inet6.
    {ok, S2} = gen_sctp:open([{ip, L6}]),
    {ok, {L6, _}} = inet:sockname(S2),
    [ok = gen_sctp:close(X) || X <- [S, C, S2]].

open_badarg(_Config) ->
    Bad = [fun() -> gen_sctp:open(foo) end,
           fun() -> gen_sctp:open([{type, foo}]) end,
           fun() -> gen_sctp:open([{active, 'maybe'}]) end,
           fun() -> gen_sctp:open([{active, 40000}]) end,
           fun() -> gen_sctp:open([nonsense]) end,
           fun() -> gen_sctp:open([{mode, bogus}]) end,
           fun() -> gen_sctp:open([{bogus_option, 1}]) end,
           fun() -> gen_sctp:open(0, foo) end,
           fun() -> gen_sctp:open(foo, []) end],
    [{error, badarg} = sctp_test:raised(F) || F <- Bad],
    ok.

close_twice(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    ok = gen_sctp:close(S),
    ok = gen_sctp:close(S),
    ok = inet:close(S),
    {ok, S2} = gen_sctp:open([{ip, ?L}]),
    ok = inet:close(S2),
    ok = gen_sctp:close(S2).

%% Operations on a closed socket give {error, closed}.
closed_socket_ops(_Config) ->
    #{s := S, c := C, ca := CA, sa := SA, sport := SPort} = pair(),
    ok = gen_sctp:close(C),
    {error, closed} = gen_sctp:recv(C, 100),
    {error, closed} = gen_sctp:recv(C),
    {error, closed} = gen_sctp:listen(C, true),
    {error, closed} = gen_sctp:send(C, CA, 0, <<"x">>),
    {error, closed} = gen_sctp:connect_init(C, ?L, SPort, []),
    {error, closed} = gen_sctp:connectx_init(C, [?L], SPort, []),
    {error, _} = inet:sockname(C),
    {error, _} = inet:setopts(C, [{active, true}]),
    {error, _} = inet:getopts(C, [active]),
    %% The server sees the association end.
    _ = peer_sees_end(S, SA#sctp_assoc_change.assoc_id),
    ok = gen_sctp:close(S).

listen_variants(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, SPort} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C, ?L, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    %% Not listening: a new association is refused.
    ok = gen_sctp:listen(S, false),
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {error, #sctp_assoc_change{state = cant_assoc}} =
        gen_sctp:connect(C2, ?L, SPort, [], ?T),
    no_more(S),
    %% Listening again, with a backlog.
    ok = gen_sctp:listen(S, 10),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C2, ?L, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    %% A one-to-one socket listens too.
    {ok, St} = gen_sctp:open([{type, stream}, {ip, ?L}, {active, false}]),
    ok = gen_sctp:listen(St, true),
    ok = gen_sctp:listen(St, 3),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:listen(S, 'maybe') end),
    [ok = gen_sctp:close(X) || X <- [S, C, C2, St]].

connect_passive(_Config) ->
    {S, SPort} = server(),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, CPort} = inet:port(C),
    %% connect/4 (no timeout).
    {ok, #sctp_assoc_change{state = comm_up, error = 0, outbound_streams = ?STREAMS,
                            inbound_streams = ?STREAMS, assoc_id = Id1}} =
        gen_sctp:connect(C, ?L, SPort, [initmsg()]),
    true = is_integer(Id1),
    {?L, CPort, _, #sctp_assoc_change{state = comm_up, outbound_streams = ?STREAMS,
                                      inbound_streams = ?STREAMS}} = recv_event(S),
    %% connect/5 with a host name and a timeout, from a second socket.
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, C2Port} = inet:port(C2),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id2}} =
        gen_sctp:connect(C2, localhost, SPort, [], ?T),
    true = is_integer(Id2),
    {?L, C2Port, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    %% connect/4 with a sockaddr map and a timeout.
    {ok, C3} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, #sctp_assoc_change{state = comm_up}} =
        gen_sctp:connect(C3, #{family => inet, addr => ?L, port => SPort}, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    no_more(C),
    no_more(C2),
    no_more(C3),
    [ok = gen_sctp:close(X) || X <- [S, C, C2, C3]].

%% No one listens: the kernel answers the INIT with an ABORT, so the
%% association cannot start.
connect_no_listener(_Config) ->
    Port = free_port(),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {error, #sctp_assoc_change{state = cant_assoc}} = gen_sctp:connect(C, ?L, Port, [], ?T),
    no_more(C),
    %% connect_init returns at once; the event follows.
    ok = gen_sctp:connect_init(C, ?L, Port, []),
    {?L, Port, _, #sctp_assoc_change{state = cant_assoc}} = recv_event(C),
    no_more(C),
    ok = gen_sctp:close(C).

connect_init_event(_Config) ->
    {S, SPort} = server(),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, CPort} = inet:port(C),
    ok = gen_sctp:connect_init(C, ?L, SPort, [initmsg()]),
    {?L, SPort, _, #sctp_assoc_change{state = comm_up, outbound_streams = ?STREAMS,
                                      assoc_id = Id}} = recv_event(C),
    {?L, CPort, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = recv_event(S),
    %% The association works both ways.
    ok = gen_sctp:send(C, Id, 1, <<"ping">>),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 1, assoc_id = SId}], <<"ping">>} = recv_data(S, none),
    ok = gen_sctp:send(S, SId, 0, <<"pong">>),
    {?L, SPort, [#sctp_sndrcvinfo{stream = 0, assoc_id = Id}], <<"pong">>} = recv_data(C, none),
    %% connect_init/5 with a timeout, from another socket.
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    ok = gen_sctp:connect_init(C2, ?L, SPort, [], ?T),
    {?L, SPort, _, #sctp_assoc_change{state = comm_up}} = recv_event(C2),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    no_more(C),
    no_more(C2),
    no_more(S),
    [ok = gen_sctp:close(X) || X <- [S, C, C2]].

connectx_init_event(_Config) ->
    {S, SPort} = server(),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, CPort} = inet:port(C),
    {ok, Id} = gen_sctp:connectx_init(C, [?L], SPort, []),
    true = is_integer(Id),
    {?L, SPort, _, #sctp_assoc_change{state = comm_up, assoc_id = Id}} = recv_event(C),
    {?L, CPort, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = recv_event(S),
    ok = gen_sctp:send(C, Id, 0, <<"x">>),
    {?L, CPort, [#sctp_sndrcvinfo{assoc_id = SId}], <<"x">>} = recv_data(S, none),
    %% connectx_init/3 with socket addresses.
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, Id2} = gen_sctp:connectx_init(C2, [{?L, SPort}], []),
    {?L, SPort, _, #sctp_assoc_change{state = comm_up, assoc_id = Id2}} = recv_event(C2),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    %% connectx_init to nobody: the id, then cant_assoc with that id (or 0,
    %% as Linux reports a failed start without an association).
    Free = free_port(),
    {ok, C3} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, Id3} = gen_sctp:connectx_init(C3, [?L], Free, []),
    true = is_integer(Id3),
    {?L, Free, _, #sctp_assoc_change{state = cant_assoc}} = recv_event(C3),
    no_more(C),
    no_more(C2),
    no_more(C3),
    no_more(S),
    [ok = gen_sctp:close(X) || X <- [S, C, C2, C3]].

send_and_recv(_Config) ->
    #{s := S, c := C, sa := SA, ca := CA, sport := SPort, cport := CPort} = pair(),
    CId = CA#sctp_assoc_change.assoc_id,
    SId = SA#sctp_assoc_change.assoc_id,
    %% send/4 with the event and with the id; iodata.
    ok = gen_sctp:send(C, CA, 0, <<"zero">>),
    ok = gen_sctp:send(C, CId, 4, [<<"fo">>, "u", [$r]]),
    %% send/3 with stream, ppid and context.
    ok = gen_sctp:send(C, #sctp_sndrcvinfo{stream = 2, ppid = 42, context = 7,
                                           assoc_id = CId}, <<"two">>),
    ok = gen_sctp:send(C, #sctp_sndrcvinfo{stream = 3, ppid = 16#FFFFFFFF,
                                           assoc_id = CId}, <<"max">>),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 0, ppid = 0, assoc_id = SId, flags = []}],
     <<"zero">>} = recv_data(S, none),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 4, ppid = 0, assoc_id = SId}], <<"four">>} =
        recv_data(S, none),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 2, ppid = 42, assoc_id = SId}], <<"two">>} =
        recv_data(S, none),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 3, ppid = 16#FFFFFFFF, assoc_id = SId}], <<"max">>} =
        recv_data(S, none),
    ok = gen_sctp:send(S, SA, 1, <<"back">>),
    ok = gen_sctp:send(S, #sctp_sndrcvinfo{stream = 3, ppid = 99, assoc_id = SId,
                                           flags = [unordered]}, <<"un">>),
    {?L, SPort, [#sctp_sndrcvinfo{stream = 1, assoc_id = CId}], <<"back">>} = recv_data(C, none),
    {?L, SPort, [#sctp_sndrcvinfo{stream = 3, ppid = 99, assoc_id = CId,
                                  flags = [unordered]}], <<"un">>} = recv_data(C, none),
    no_more(C),
    no_more(S),
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% Streams are 0..OutboundStreams-1.
send_bad_stream(_Config) ->
    #{s := S, c := C, ca := CA} = pair(),
    {error, einval} = gen_sctp:send(C, CA, ?STREAMS, <<"x">>),
    {error, einval} = gen_sctp:send(C, CA, 1000, <<"x">>),
    {error, einval} = gen_sctp:send(C, #sctp_sndrcvinfo{stream = ?STREAMS,
                                                        assoc_id = CA#sctp_assoc_change.assoc_id},
                                    <<"x">>),
    ok = gen_sctp:send(C, CA, ?STREAMS - 1, <<"last">>),
    {_, _, [#sctp_sndrcvinfo{stream = 4}], <<"last">>} = recv_data(S, none),
    no_more(S),
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% recv/1 and recv/2 give {ok, {IP, Port, AncData, Data}}.
recv_shapes(_Config) ->
    #{s := S, c := C, ca := CA, cport := CPort} = pair(),
    ok = gen_sctp:send(C, CA, 1, <<"a">>),
    ok = gen_sctp:send(C, CA, 2, <<"b">>),
    {ok, {?L, CPort, [#sctp_sndrcvinfo{stream = 1, ssn = 0, flags = [], ppid = 0,
                                       context = 0, assoc_id = Id}], <<"a">>}} =
        gen_sctp:recv(S),
    true = is_integer(Id) andalso Id > 0,
    {ok, {?L, CPort, [#sctp_sndrcvinfo{stream = 2, assoc_id = Id}], <<"b">>}} =
        gen_sctp:recv(S, ?T),
    %% Two messages on one stream: SSN increments.
    ok = gen_sctp:send(C, CA, 1, <<"c">>),
    {ok, {?L, CPort, [#sctp_sndrcvinfo{stream = 1, ssn = 1}], <<"c">>}} =
        gen_sctp:recv(S, infinity),
    {error, timeout} = gen_sctp:recv(S, 0),
    {error, einval} = gen_sctp:recv(S, -1),
    {error, einval} = gen_sctp:recv(S, foo),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:recv(not_a_socket, 100) end),
    [ok = gen_sctp:close(X) || X <- [S, C]].

recv_timeout_no_stray(_Config) ->
    #{s := S, c := C, ca := CA} = pair(),
    T0 = erlang:monotonic_time(millisecond),
    {error, timeout} = gen_sctp:recv(S, 300),
    Took = erlang:monotonic_time(millisecond) - T0,
    true = Took >= 300,
    true = Took < 3000,
    {error, timeout} = gen_sctp:recv(S, 0),
    {error, timeout} = gen_sctp:recv(S, 1),
    assert_empty_mailbox(),
    %% After timeouts the socket still receives normally.
    ok = gen_sctp:send(C, CA, 0, <<"after">>),
    {_, _, [#sctp_sndrcvinfo{}], <<"after">>} = recv_data(S, none),
    assert_empty_mailbox(),
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% Short receive timeouts racing with arriving data: every message arrives
%% exactly once, in order, and no internal message is left behind.
recv_timeout_races(_Config) ->
    #{s := S, c := C, ca := CA} = pair(),
    N = 100,
    Sender = async(fun() ->
                           [begin
                                ok = gen_sctp:send(C, CA, 0, integer_to_binary(I)),
                                timer:sleep(I rem 3)
                            end || I <- lists:seq(1, N)],
                           ok
                   end),
    Got = collect_with_timeouts(S, N, []),
    ok = await(Sender),
    Expected = [integer_to_binary(I) || I <- lists:seq(1, N)],
    Expected = Got,
    assert_empty_mailbox(),
    [ok = gen_sctp:close(X) || X <- [S, C]].

collect_with_timeouts(_S, 0, Acc) ->
    lists:reverse(Acc);
collect_with_timeouts(S, N, Acc) ->
    case gen_sctp:recv(S, N rem 3) of
        {error, timeout} -> collect_with_timeouts(S, N, Acc);
        {ok, {_, _, [#sctp_sndrcvinfo{}], Data}} -> collect_with_timeouts(S, N - 1, [Data | Acc])
    end.

recv_other_process(_Config) ->
    #{s := S, c := C, ca := CA, cport := CPort} = pair(),
    R = async(fun() -> gen_sctp:recv(S, ?T) end),
    ok = gen_sctp:send(C, CA, 3, <<"to other">>),
    {ok, {?L, CPort, [#sctp_sndrcvinfo{stream = 3}], <<"to other">>}} = await(R),
    %% And a timeout in another process.
    {error, timeout} = await(async(fun() -> gen_sctp:recv(S, 100) end)),
    %% send from another process.
    ok = await(async(fun() -> gen_sctp:send(C, CA, 1, <<"from other">>) end)),
    {_, _, [#sctp_sndrcvinfo{stream = 1}], <<"from other">>} = recv_data(S, none),
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% Only one recv at a time, whichever process calls.
recv_ealready(_Config) ->
    #{s := S, c := C, ca := CA} = pair(),
    {Pid, _} = R = async(fun() -> gen_sctp:recv(S, ?T) end),
    wait_blocked(Pid),
    {error, ealready} = gen_sctp:recv(S, 100),
    {error, ealready} = gen_sctp:recv(S, 0),
    {error, ealready} = await(async(fun() -> gen_sctp:recv(S, 100) end)),
    ok = gen_sctp:send(C, CA, 0, <<"one">>),
    {ok, {_, _, _, <<"one">>}} = await(R),
    %% The pending recv is done: recv works again.
    ok = gen_sctp:send(C, CA, 0, <<"two">>),
    {_, _, [#sctp_sndrcvinfo{}], <<"two">>} = recv_data(S, none),
    [ok = gen_sctp:close(X) || X <- [S, C]].

recv_active_einval(_Config) ->
    [begin
         {ok, S} = gen_sctp:open([{ip, ?L}, {active, A}]),
         {error, einval} = gen_sctp:recv(S, 100),
         {error, einval} = gen_sctp:recv(S, 0),
         ok = gen_sctp:close(S)
     end || A <- [true, once, 5]],
    %% ... but {active, 0} sends sctp_passive and makes it passive.
    {ok, S0} = gen_sctp:open([{ip, ?L}, {active, 0}]),
    receive {sctp_passive, S0} -> ok after ?T -> ct:fail(no_sctp_passive) end,
    {error, timeout} = gen_sctp:recv(S0, 10),
    ok = gen_sctp:close(S0).

close_while_recv(_Config) ->
    #{s := S, c := C} = pair(),
    {Pid, _} = R = async(fun() ->
                                 T0 = erlang:monotonic_time(millisecond),
                                 Res = gen_sctp:recv(S),
                                 {Res, erlang:monotonic_time(millisecond) - T0}
                         end),
    wait_blocked(Pid),
    T1 = erlang:monotonic_time(millisecond),
    ok = gen_sctp:close(S),
    {{error, closed}, _} = await(R),
    true = erlang:monotonic_time(millisecond) - T1 < 2000,
    %% The same with a timeout.
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {Pid2, _} = R2 = async(fun() -> gen_sctp:recv(C2, 30000) end),
    wait_blocked(Pid2),
    ok = gen_sctp:close(C2),
    {error, closed} = await(R2),
    ok = gen_sctp:close(C).

eof_shutdown(_Config) ->
    #{s := S, c := C, sa := SA, ca := CA, sport := SPort, cport := CPort} = pair(),
    SId = SA#sctp_assoc_change.assoc_id,
    CId = CA#sctp_assoc_change.assoc_id,
    ok = gen_sctp:send(C, CA, 0, <<"last words">>),
    ok = gen_sctp:eof(C, CA),
    {?L, CPort, [#sctp_sndrcvinfo{}], <<"last words">>} = recv_data(S, none),
    {?L, CPort, _, #sctp_shutdown_event{assoc_id = SId}} = recv_event(S),
    {?L, CPort, _, #sctp_assoc_change{state = shutdown_comp, assoc_id = SId}} =
        recv_event(S),
    {?L, SPort, _, #sctp_assoc_change{state = shutdown_comp, assoc_id = CId}} =
        recv_event(C),
    no_more(S),
    no_more(C),
    %% The association is gone.
    {error, _} = gen_sctp:send(C, CA, 0, <<"too late">>),
    [ok = gen_sctp:close(X) || X <- [S, C]].

abort_comm_lost(_Config) ->
    #{s := S, c := C, sa := SA, ca := CA, sport := SPort, cport := CPort} = pair(),
    SId = SA#sctp_assoc_change.assoc_id,
    CId = CA#sctp_assoc_change.assoc_id,
    ok = gen_sctp:abort(C, CA),
    {?L, CPort, _, #sctp_assoc_change{state = comm_lost, assoc_id = SId}} = recv_event(S),
    {?L, SPort, _, #sctp_assoc_change{state = comm_lost, assoc_id = CId}} = recv_event(C),
    no_more(S),
    no_more(C),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:abort(C, CId) end),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:eof(C, CId) end),
    [ok = gen_sctp:close(X) || X <- [S, C]].

mode_list_binary(_Config) ->
    #{s := S, c := C, ca := CA, sa := SA} = pair([list]),
    {ok, [{mode, list}]} = inet:getopts(S, [mode]),
    ok = gen_sctp:send(C, CA, 0, <<"bin in">>),
    {_, _, [#sctp_sndrcvinfo{}], "bin in"} = recv_data(S, none),
    ok = gen_sctp:send(C, CA, 0, "list in"),
    {_, _, [#sctp_sndrcvinfo{}], "list in"} = recv_data(S, none),
    ok = inet:setopts(S, [binary]),
    {ok, [{mode, binary}]} = inet:getopts(S, [mode]),
    ok = gen_sctp:send(C, CA, 0, "now binary"),
    {_, _, [#sctp_sndrcvinfo{}], <<"now binary">>} = recv_data(S, none),
    ok = inet:setopts(S, [{mode, list}]),
    ok = gen_sctp:send(C, CA, 0, <<1, 2, 3>>),
    {_, _, [#sctp_sndrcvinfo{}], [1, 2, 3]} = recv_data(S, none),
    %% Notifications are records in list mode.
    ok = gen_sctp:abort(S, SA),
    {_, _, _, #sctp_assoc_change{state = comm_lost}} = recv_event(S),
    {_, _, _, #sctp_assoc_change{state = comm_lost}} = recv_event(C),
    [ok = gen_sctp:close(X) || X <- [S, C]].

error_string(_Config) ->
    ok = gen_sctp:error_string(0),
    Causes = ["Invalid Stream Identifier",
              "Missing Mandatory Parameter",
              "Stale Cookie Error",
              "Out of Resource",
              "Unresolvable Address",
              "Unrecognized Chunk Type",
              "Invalid Mandatory Parameter",
              "Unrecognized Parameters",
              "No User Data",
              "Cookie Received While Shutting Down",
              "Restart of an Association with New Addresses",
              "User Initiated Abort",
              "Protocol Violation"],
    [Cause = gen_sctp:error_string(N) || {N, Cause} <- lists:enumerate(Causes)],
    unknown_error = gen_sctp:error_string(14),
    unknown_error = gen_sctp:error_string(-1),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:error_string(foo) end),
    ok.

inet_functions(_Config) ->
    #{s := S, c := C, sport := SPort, cport := CPort, sa := SA} = pair(),
    {ok, {?L, SPort}} = inet:sockname(S),
    {ok, {?L, CPort}} = inet:sockname(C),
    {ok, SPort} = inet:port(S),
    %% A one-to-many socket has no single peer.
    {error, enotconn} = inet:peername(S),
    {ok, P} = gen_sctp:peeloff(S, SA),
    {ok, {?L, CPort}} = inet:peername(P),
    {ok, {?L, SPort}} = inet:sockname(P),
    %% setopts/getopts.
    ok = inet:setopts(C, [{sndbuf, 100000}, {recbuf, 100000}]),
    {ok, [{sndbuf, Snd}, {recbuf, Rec}]} = inet:getopts(C, [sndbuf, recbuf]),
    true = Snd >= 100000 andalso Rec >= 100000,
    ok = inet:setopts(C, [{sctp_nodelay, true}]),
    {ok, [{sctp_nodelay, true}]} = inet:getopts(C, [sctp_nodelay]),
    ok = inet:setopts(C, [{sctp_nodelay, false}]),
    {ok, [{sctp_nodelay, false}]} = inet:getopts(C, [sctp_nodelay]),
    ok = inet:setopts(C, [{active, once}]),
    {ok, [{active, once}]} = inet:getopts(C, [active]),
    ok = inet:setopts(C, [{active, false}]),
    {ok, [{active, false}]} = inet:getopts(C, [active]),
    {error, einval} = inet:setopts(C, [{bogus_option, 1}]),
    {error, einval} = inet:setopts(C, [{active, 'maybe'}]),
    {error, einval} = inet:setopts(C, [{deliver, term}]),
    %% inet:close.
    ok = inet:close(P),
    ok = inet:close(C),
    ok = inet:close(S),
    {error, closed} = gen_sctp:recv(S, 0).

socknames_peernames(_Config) ->
    #{s := S, c := C, sa := SA, ca := CA, sport := SPort, cport := CPort} = pair(),
    {ok, [{?L, SPort}]} = gen_sctp:socknames(S),
    {ok, [{?L, CPort}]} = gen_sctp:socknames(C),
    {ok, [{?L, SPort}]} = inet:socknames(S),
    {ok, [{?L, SPort}]} = gen_sctp:socknames(S, SA),
    {ok, [{?L, CPort}]} = gen_sctp:socknames(C, CA#sctp_assoc_change.assoc_id),
    {ok, [{?L, CPort}]} = gen_sctp:peernames(S, SA),
    {ok, [{?L, SPort}]} = gen_sctp:peernames(C, CA),
    {ok, [{?L, SPort}]} = gen_sctp:peernames(C, CA#sctp_assoc_change.assoc_id),
    {error, _} = gen_sctp:peernames(C, 4711),
    [ok = gen_sctp:close(X) || X <- [S, C]].

peeloff(_Config) ->
    #{s := S, c := C, sa := SA, ca := CA, sport := SPort, cport := CPort} = pair(),
    {ok, P} = gen_sctp:peeloff(S, SA),
    true = is_socket(P),
    true = P =/= S,
    {ok, [{active, false}]} = inet:getopts(P, [active]),
    ok = gen_sctp:send(C, CA, 2, <<"to peeled">>),
    {?L, CPort, [#sctp_sndrcvinfo{stream = 2}], <<"to peeled">>} = recv_data(P, none),
    no_more(S),
    %% The peeled-off socket talks to the peer.
    {ok, [PA]} = gen_sctp:peernames(P, 0),
    {?L, CPort} = PA,
    ok = gen_sctp:send(P, SA, 1, <<"from peeled">>),
    {?L, SPort, [#sctp_sndrcvinfo{stream = 1}], <<"from peeled">>} = recv_data(C, none),
    %% The original socket still accepts new associations.
    {ok, C2} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C2, ?L, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up, assoc_id = S2Id}} = recv_event(S),
    %% peeloff by id; an unknown id fails.
    {ok, P2} = gen_sctp:peeloff(S, S2Id),
    {error, _} = gen_sctp:peeloff(S, 4711),
    %% Closing the peeled-off socket ends its association only.
    ok = gen_sctp:close(P),
    _ = peer_sees_end(C, CA#sctp_assoc_change.assoc_id),
    no_more(P2),
    [ok = gen_sctp:close(X) || X <- [S, C, C2, P2]].

controlling_process_not_owner(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, true}]),
    Self = self(),
    {error, not_owner} = await(async(fun() -> gen_sctp:controlling_process(S, self()) end)),
    {error, not_owner} = await(async(fun() -> gen_sctp:controlling_process(S, Self) end)),
    ok = gen_sctp:controlling_process(S, self()),
    {ok, [{active, true}]} = inet:getopts(S, [active]),
    ok = gen_sctp:close(S).

%% Messages already delivered to the old owner move to the new one, in
%% order, including the sctp_passive message; the active mode is kept.
controlling_process_moves_messages(_Config) ->
    #{s := S, c := C, ca := CA, cport := CPort} = pair(),
    ok = inet:setopts(S, [{active, 3}]),
    [ok = gen_sctp:send(C, CA, 0, <<I>>) || I <- [1, 2, 3]],
    wait_queue_len(4),
    Self = self(),
    New = spawn_link(fun() ->
                             receive go -> ok end,
                             Got = receive_all(),
                             Self ! {got, Got},
                             receive stop -> ok end
                     end),
    ok = gen_sctp:controlling_process(S, New),
    assert_empty_mailbox(),
    New ! go,
    Got = receive {got, G} -> G after ?T -> ct:fail(no_report) end,
    [{sctp, S, ?L, CPort, {[#sctp_sndrcvinfo{}], <<1>>}},
     {sctp, S, ?L, CPort, {[#sctp_sndrcvinfo{}], <<2>>}},
     {sctp, S, ?L, CPort, {[#sctp_sndrcvinfo{}], <<3>>}},
     {sctp_passive, S}] = Got,
    {ok, [{active, false}]} = inet:getopts(S, [active]),
    %% Only the owner may give the socket away now.
    {error, not_owner} = gen_sctp:controlling_process(S, self()),
    unlink(New),
    New ! stop,
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% Waits until N messages (or more) are in the mailbox.
wait_queue_len(N) ->
    _ = poll_until({message_queue_len, N},
                   fun() -> erlang:process_info(self(), message_queue_len) end,
                   fun({message_queue_len, Len}) -> Len >= N end),
    ok.

receive_all() ->
    receive M -> [M | receive_all()] after 500 -> [] end.

%% New messages go to the new owner; its death closes the socket.
controlling_process_owner_death(_Config) ->
    #{s := S, c := C, ca := CA, sa := SA, cport := CPort} = pair(),
    Self = self(),
    New = spawn(fun() ->
                        receive go -> ok end,
                        ok = inet:setopts(S, [{active, once}]),
                        R = receive {sctp, S, _, _, _} = M -> M after ?T -> timeout end,
                        Self ! {got, R},
                        receive die -> exit(die) end
                end),
    ok = gen_sctp:controlling_process(S, New),
    New ! go,
    ok = gen_sctp:send(C, CA, 1, <<"new owner">>),
    {got, {sctp, S, ?L, CPort, {[#sctp_sndrcvinfo{stream = 1}], <<"new owner">>}}} =
        receive {got, _} = G -> G after ?T -> ct:fail(no_report) end,
    MRef = monitor(process, New),
    New ! die,
    receive {'DOWN', MRef, process, New, die} -> ok after ?T -> ct:fail(not_dead) end,
    wait_closed(S),
    _ = peer_sees_end(C, CA#sctp_assoc_change.assoc_id),
    _ = SA,
    ok = gen_sctp:close(C).

owner_death_closes(_Config) ->
    {S, SPort} = server(),
    Self = self(),
    {Owner, ORef} = spawn_monitor(
                      fun() ->
                              {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
                              {ok, CA} = gen_sctp:connect(C, ?L, SPort, [], ?T),
                              Self ! {socket, C, CA},
                              receive exit -> ok end
                      end),
    {C, _CA} = receive {socket, S1, A1} -> {S1, A1} after ?T -> ct:fail(no_socket) end,
    {_, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = recv_event(S),
    Owner ! exit,
    receive {'DOWN', ORef, process, Owner, normal} -> ok after ?T -> ct:fail(no_down) end,
    wait_closed(C),
    _ = peer_sees_end(S, SId),
    no_more(S),
    ok = gen_sctp:close(C),
    ok = gen_sctp:close(S).

%% Messages bigger than the receive buffer arrive whole, in one piece (the
%% kernel hands them over in parts: partial delivery).
large_message(_Config) ->
    {S, SPort} = server([{recbuf, 16384}]),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sndbuf, 1000000}]),
    %% Linux refuses (emsgsize) a message bigger than the send buffer.
    {ok, [{sndbuf, SndBuf}]} = inet:getopts(C, [sndbuf]),
    true = SndBuf >= 300 * 1024,
    {ok, CA} = gen_sctp:connect(C, ?L, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    Big = rand:bytes(200 * 1024),
    Huge = rand:bytes(300 * 1024),
    Receiver = async(fun() ->
                             R1 = gen_sctp:recv(S, 30000),
                             R2 = gen_sctp:recv(S, 30000),
                             R3 = gen_sctp:recv(S, 30000),
                             [R1, R2, R3]
                     end),
    ok = gen_sctp:send(C, CA, 0, Big),
    ok = gen_sctp:send(C, CA, 1, Huge),
    ok = gen_sctp:send(C, CA, 0, <<"small">>),
    [{ok, {_, _, [#sctp_sndrcvinfo{stream = 0}], Got1}},
     {ok, {_, _, [#sctp_sndrcvinfo{stream = 1}], Got2}},
     {ok, {_, _, [#sctp_sndrcvinfo{stream = 0}], Got3}}] = await(Receiver, 40000),
    true = byte_size(Got1) =:= byte_size(Big),
    true = Got1 =:= Big,
    true = byte_size(Got2) =:= byte_size(Huge),
    true = Got2 =:= Huge,
    <<"small">> = Got3,
    [ok = gen_sctp:close(X) || X <- [S, C]].

%% A well-formed request that the kernel refuses with EINVAL gives {error, einval}, at open
%% as elsewhere: one address bound twice, or a second address with a port other than the
%% socket's. A malformed argument, and at open an option that cannot be set, still raise
%% badarg, as in OTP.
kernel_einval_returned(_Config) ->
    {error, einval} = gen_sctp:open([{ip, ?L}, {ip, ?L}]),
    Port = free_port(),
    {error, einval} =
        gen_sctp:open([{ifaddr, #{family => inet, addr => ?L, port => Port}},
                       {ifaddr, #{family => inet, addr => {127, 0, 0, 2}, port => Port + 1}}]),
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    {ok, SPort} = inet:port(S),
    {error, einval} = gen_sctp:bindx(S, add, [?L]),
    {error, einval} = gen_sctp:bindx(S, add, [{{127, 0, 0, 2}, SPort + 1}]),
    ok = gen_sctp:bindx(S, add, [{127, 0, 0, 2}]),
    {ok, Names} = gen_sctp:socknames(S),
    [?L, {127, 0, 0, 2}] = lists:sort([IP || {IP, _} <- Names]),
    %% min above max: the kernel refuses the value.
    Refused = {sctp_rtoinfo, #sctp_rtoinfo{initial = 100, max = 50, min = 200}},
    {error, einval} = inet:setopts(S, [Refused]),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:open([{ip, ?L}, Refused]) end),
    %% An IPv6 address for an IPv4 socket is a bad argument.
    {error, badarg} =
        sctp_test:raised(fun() -> gen_sctp:open([{ip, {0, 0, 0, 0, 0, 0, 0, 1}}, inet]) end),
    {error, badarg} = sctp_test:raised(fun() -> gen_sctp:open([{ip, ?L}, {ip, "nope"}]) end),
    ok = gen_sctp:close(S).
