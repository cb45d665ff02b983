%% Faults inside the library stay with the socket they concern: a panic in a
%% NIF call becomes an Erlang exception, a panic in the poller thread or a
%% socket error it meets ends that socket's work only, and every other socket
%% goes on delivering. The panics are injected on purpose through
%% gen_sctp_nif:inject_panic/2; the socket error is a real one (an aborted
%% one-to-one association). Everything runs over 127.0.0.1 on a real SCTP kernel.
-module(faults_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([nif_panic_becomes_exception/1, poller_survives_panic/1,
         poller_survives_socket_error/1]).

-import(sctp_test, [server/1, pair/1, recv_event/1, recv_data/2, nif_handle/1]).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 3}}].

all() ->
    [nif_panic_becomes_exception, poller_survives_panic, poller_survives_socket_error].

%%% Helpers

%% The next data message an active socket delivers; address confirmations that
%% Linux may send around comm_up are skipped.
active_data(S) ->
    receive
        {sctp, S, _, _, {_, #sctp_paddr_change{}}} ->
            active_data(S);
        {sctp, S, _, _, {[#sctp_sndrcvinfo{}], Data}} when is_binary(Data) ->
            Data
    after ?T ->
            ct:fail({no_data_from, S})
    end.

%% One message each way over a passive pair: the sockets still work.
assert_pair_works(#{s := S, c := C, ca := CA}) ->
    ok = gen_sctp:send(C, CA, 0, <<"ping">>),
    {_, _, [#sctp_sndrcvinfo{assoc_id = SAssoc}], <<"ping">>} = recv_data(S, paddr),
    ok = gen_sctp:send(S, SAssoc, 0, <<"pong">>),
    {_, _, _, <<"pong">>} = recv_data(C, paddr).

close_pair(#{s := S, c := C}) ->
    ok = gen_sctp:close(C),
    ok = gen_sctp:close(S).

%%% Test cases

%% A panic inside a NIF call, with the socket's lock held, raises an Erlang
%% error in the caller; the node, the socket and its lock stay usable.
nif_panic_becomes_exception(_Config) ->
    #{s := S} = Pair = pair([]),
    {error, nif_panicked} =
        sctp_test:raised(fun() -> gen_sctp_nif:inject_panic(nif_handle(S), nif) end),
    {error, badarg} =
        sctp_test:raised(fun() -> gen_sctp_nif:inject_panic(nif_handle(S), elsewhere) end),
    {ok, [{active, false}]} = inet:getopts(S, [active]),
    assert_pair_works(Pair),
    close_pair(Pair).

%% The poller panics while handling one socket's event. It catches the panic,
%% counts it and goes on: the other socket's message arrives, and so does the
%% panicking socket's own message (epoll reports it again), once each.
poller_survives_panic(_Config) ->
    #{s := SA, c := CA, ca := AssocA} = PairA = pair([]),
    #{s := SB, c := CB, ca := AssocB} = PairB = pair([]),
    ok = inet:setopts(SA, [{active, true}]),
    ok = inet:setopts(SB, [{active, true}]),
    Before = gen_sctp_nif:poller_panics(),
    ok = gen_sctp_nif:inject_panic(nif_handle(SA), poller),
    ok = gen_sctp:send(CA, AssocA, 0, <<"a1">>),
    ok = gen_sctp:send(CB, AssocB, 0, <<"b1">>),
    <<"b1">> = active_data(SB),
    <<"a1">> = active_data(SA),
    Panics = Before + 1,
    Panics = gen_sctp_nif:poller_panics(),
    ok = gen_sctp:send(CA, AssocA, 0, <<"a2">>),
    ok = gen_sctp:send(CB, AssocB, 0, <<"b2">>),
    <<"a2">> = active_data(SA),
    <<"b2">> = active_data(SB),
    ok = inet:setopts(SA, [{active, false}]),
    ok = inet:setopts(SB, [{active, false}]),
    sctp_test:assert_empty_mailbox(),
    assert_pair_works(PairA),
    close_pair(PairA),
    close_pair(PairB),
    Panics = gen_sctp_nif:poller_panics().

%% A real socket error: the server aborts one of two one-to-one clients'
%% associations. That client gets comm_lost and then {sctp_error, S,
%% econnreset}, as with OTP; the other client, watched by the same poller, goes
%% on receiving, and a socket opened afterwards works.
poller_survives_socket_error(_Config) ->
    {L, LPort} = server([]),
    Before = gen_sctp_nif:poller_panics(),
    {ok, C1} = gen_sctp:open([{type, stream}, {active, true}]),
    {ok, C2} = gen_sctp:open([{type, stream}, {active, true}]),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C1, ?L, LPort, [], ?T),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C2, ?L, LPort, [], ?T),
    Assocs = maps:from_list([begin
                                 {_, Port, _, #sctp_assoc_change{state = comm_up,
                                                                 assoc_id = Id}} =
                                     recv_event(L),
                                 {Port, Id}
                             end || _ <- [1, 2]]),
    {ok, C1Port} = inet:port(C1),
    {ok, C2Port} = inet:port(C2),
    ok = gen_sctp:abort(L, #sctp_assoc_change{assoc_id = maps:get(C1Port, Assocs)}),
    receive
        {sctp, C1, _, _, {[], #sctp_assoc_change{state = comm_lost}}} -> ok
    after ?T -> ct:fail(no_comm_lost)
    end,
    receive
        {sctp_error, C1, econnreset} -> ok
    after ?T -> ct:fail(no_sctp_error)
    end,
    ok = gen_sctp:send(L, maps:get(C2Port, Assocs), 0, <<"still here">>),
    <<"still here">> = active_data(C2),
    Fresh = pair([]),
    assert_pair_works(Fresh),
    close_pair(Fresh),
    [ok = gen_sctp:close(S) || S <- [C1, C2, L]],
    Before = gen_sctp_nif:poller_panics().
