%% User message interleaving (RFC 8260, I-DATA) and fragment interleave (RFC 6458
%% 8.1.20) on a kernel SCTP stack over loopback: the options and their preconditions,
%% a large message that does not hold back small ones on another stream, pieces of
%% messages of two streams handed over interleaved and put back together (passive and
%% active), and a plain OTP gen_sctp peer, which offers no I-DATA, still talking to a
%% socket that offers it.
%%
%% The kernel settings a case needs (net.sctp.intl_enable, and net.core.wmem_max for a
%% send buffer that takes a large message at once) are set in init_per_testcase and
%% restored in end_per_testcase.
-module(interleaving_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_testcase/2, end_per_testcase/2]).
-export([options/1, large_does_not_hold_back_small/1, interleaved_pieces_passive/1,
         interleaved_pieces_active/1, plain_otp_peer/1]).

-import(sctp_test, [peer_eval/3]).

-define(MB, (1024 * 1024)).
%% What a socket needs to offer I-DATA, in this order.
-define(INTL, [{sctp_fragment_interleave, 2}, {sctp_interleaving_supported, true}]).
%% The sender's send buffer: the kernel doubles it, so everything a case sends is queued
%% at once (Linux takes a message while the buffer has any room).
-define(SNDBUF, 32 * ?MB).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 5}}].

all() ->
    [options, large_does_not_hold_back_small, interleaved_pieces_passive,
     interleaved_pieces_active, plain_otp_peer].

%% {File under /proc/sys, Value} each case needs. The plain OTP peer's socket is opened
%% while intl_enable is 0, so that it offers no I-DATA; the case turns it on afterwards.
sysctls(plain_otp_peer) ->
    [{"net/sctp/intl_enable", "0"}];
sysctls(_) ->
    [{"net/sctp/intl_enable", "1"}, {"net/core/wmem_max", integer_to_list(2 * ?SNDBUF)}].

init_per_testcase(Case, Config) ->
    Names = ["net/sctp/intl_enable", "net/core/wmem_max"],
    Saved = [{Name, read_sysctl(Name)} || Name <- Names],
    _ = [set_sysctl(Name, Value) || {Name, Value} <- sysctls(Case)],
    [{saved_sysctls, Saved} | Config].

end_per_testcase(_Case, Config) ->
    _ = [set_sysctl(Name, Value) || {Name, Value} <- ?config(saved_sysctls, Config)],
    ok.

read_sysctl(Name) ->
    {ok, Value} = file:read_file("/proc/sys/" ++ Name),
    string:trim(binary_to_list(Value)).

set_sysctl(Name, Value) ->
    ok = file:write_file("/proc/sys/" ++ Name, Value).

%%% Helpers

%% A passive receiver that has read nothing yet, so that it does not read ahead either,
%% and a sender connected to it whose sends of this suite never wait. The receiver hands
%% on the part of a message it holds from 64 KiB on (partial delivery), so a large message
%% reaches it in pieces.
pair(ServerOpts, ClientOpts) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, false}, {recbuf, 212992},
                             {sctp_partial_delivery_point, 65536} | ServerOpts]),
    {ok, SPort} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sndbuf, ?SNDBUF},
                             {send_timeout, ?T} | ClientOpts]),
    {ok, #sctp_assoc_change{state = comm_up} = CA} =
        gen_sctp:connect(C, ?L, SPort, [sctp_test:initmsg()], ?T),
    {S, C, CA}.

%% Whether association CA of C uses I-DATA: what the peers agreed to.
interleaving(C, #sctp_assoc_change{assoc_id = Id}) ->
    {ok, [{sctp_interleaving_supported, #sctp_assoc_value{assoc_id = Id, assoc_value = On}}]} =
        inet:getopts(C, [{sctp_interleaving_supported, #sctp_assoc_value{assoc_id = Id}}]),
    On.

%% Size bytes that differ from those of another Seed and at every offset: a piece put in
%% the wrong message or place shows.
pattern(Seed, Size) ->
    Records = << <<Seed:8, I:32>> || I <- lists:seq(1, Size div 5 + 1) >>,
    binary:part(Records, 0, Size).

%% The next data message on passive S, as {Stream, Data}; events are skipped.
recv_message(S) ->
    {_, _, [#sctp_sndrcvinfo{stream = Stream}], Data} = sctp_test:recv_data(S, events, ?LONG),
    {Stream, Data}.

%% The next data message for active S, as {Stream, Data}; events are skipped.
receive_message(S) ->
    receive
        {sctp, S, _, _, {[#sctp_sndrcvinfo{stream = Stream}], Data}} when is_binary(Data) ->
            {Stream, Data};
        {sctp, S, _, _, {_, Event}} when is_tuple(Event) ->
            receive_message(S)
    after ?LONG ->
            ct:fail({no_message, process_info(self(), messages)})
    end.

%% The messages of Stream in Received, in order.
of_stream(Stream, Received) ->
    [Data || {St, Data} <- Received, St =:= Stream].

%% Size and a short prefix of each message, for a failure report.
summary(Messages) ->
    [{Stream, byte_size(Data), binary:part(Data, 0, min(5, byte_size(Data)))}
     || {Stream, Data} <- Messages].

%%% Test cases

%% Linux takes SCTP_INTERLEAVING_SUPPORTED only with net.sctp.intl_enable = 1 and
%% fragment interleaving on, and answers EPERM otherwise (einval here, as for every
%% refused option); turning fragment interleaving off turns interleaving off too.
%% Fragment interleave is on or off in Linux: 1 and 2 both read back as 1.
options(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    try
        {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, true}]),
        {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, false}]),
        ok = inet:setopts(S, [{sctp_fragment_interleave, 1}]),
        {ok, [{sctp_fragment_interleave, 1}]} = inet:getopts(S, [sctp_fragment_interleave]),
        ok = inet:setopts(S, [{sctp_fragment_interleave, 2}]),
        {ok, [{sctp_fragment_interleave, 1}]} = inet:getopts(S, [sctp_fragment_interleave]),
        ok = inet:setopts(S, [{sctp_interleaving_supported, true}]),
        {ok, [{sctp_interleaving_supported, true}]} =
            inet:getopts(S, [sctp_interleaving_supported]),
        ok = inet:setopts(S, [{sctp_interleaving_supported, false}]),
        {ok, [{sctp_interleaving_supported, false}]} =
            inet:getopts(S, [sctp_interleaving_supported]),
        ok = inet:setopts(S, [{sctp_interleaving_supported,
                               #sctp_assoc_value{assoc_id = 0, assoc_value = true}}]),
        {ok, [{sctp_interleaving_supported, true}]} =
            inet:getopts(S, [sctp_interleaving_supported]),
        ok = inet:setopts(S, [{sctp_fragment_interleave, 0}]),
        {ok, [{sctp_fragment_interleave, 0}, {sctp_interleaving_supported, false}]} =
            inet:getopts(S, [sctp_fragment_interleave, sctp_interleaving_supported]),
        {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, true}]),
        %% Levels beyond RFC 6458's three.
        [{error, einval} = inet:setopts(S, [{sctp_fragment_interleave, Bad}])
         || Bad <- [3, -1, true]],
        {ok, [{sctp_fragment_interleave, 0}]} = inet:getopts(S, [sctp_fragment_interleave]),
        %% Without the sysctl, fragment interleaving is not enough.
        ok = inet:setopts(S, [{sctp_fragment_interleave, 2}]),
        set_sysctl("net/sctp/intl_enable", "0"),
        {error, einval} = inet:setopts(S, [{sctp_interleaving_supported, true}]),
        set_sysctl("net/sctp/intl_enable", "1"),
        %% In open, in order.
        {ok, O} = gen_sctp:open([{ip, ?L} | ?INTL]),
        {ok, [{sctp_fragment_interleave, 1}, {sctp_interleaving_supported, true}]} =
            inet:getopts(O, [sctp_fragment_interleave, sctp_interleaving_supported]),
        ok = gen_sctp:close(O),
        try gen_sctp:open([{ip, ?L}, {sctp_interleaving_supported, true}]) of
            Opened -> ct:fail({opened_without_fragment_interleave, Opened})
        catch
            error:badarg -> ok
        end
    after
        gen_sctp:close(S)
    end.

%% With I-DATA and the round-robin scheduler, a large message on stream 1 does not hold
%% back small messages sent after it on stream 2. Every send is queued at the sender
%% before the receiver reads anything (the sends would time out otherwise), so what has
%% left by then is what the receiver's window took, about its 416 KiB receive buffer,
%% of the 8 MiB message. From then on the scheduler sends a chunk of stream 2 after each
%% chunk of stream 1 (I-DATA lets it break into a message), so the five small ones leave
%% within ten chunks of at most 64 KiB while more than 7 MiB of the large one is still
%% to go: the receiver completes them first. Without I-DATA the scheduler would send the
%% whole of the large message before the small ones; the receiver could still complete
%% a small one first when a large chunk is lost and resent, so that contrast is not
%% asserted.
large_does_not_hold_back_small(_Config) ->
    {S, C, CA} = pair(?INTL, ?INTL ++ [{sctp_stream_scheduler, rr}]),
    try
        true = interleaving(C, CA),
        Large = pattern(1, 8 * ?MB),
        Smalls = [<<"small ", (integer_to_binary(I))/binary>> || I <- lists:seq(1, 5)],
        ok = gen_sctp:send(C, CA, 1, Large),
        [ok = gen_sctp:send(C, CA, 2, M) || M <- Smalls],
        {_, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
        Expected = [{2, M} || M <- Smalls] ++ [{1, Large}],
        case [recv_message(S) || _ <- Expected] of
            Expected -> ok;
            Got -> ct:fail({order, summary(Got)})
        end
    after
        gen_sctp:close(C),
        gen_sctp:close(S)
    end.

%% Messages of 1 MiB and more on two streams, queued at once: the round-robin scheduler
%% alternates their chunks, and the receiver hands on what it holds of each from 64 KiB
%% on, so pieces of the two streams' messages reach the socket interleaved. Each
%% message is put back together whole, each stream's in order.
interleaved_pieces_passive(_Config) ->
    interleaved_pieces(fun(S, N) ->
                               {_, _, _, #sctp_assoc_change{state = comm_up}} =
                                   sctp_test:recv_event(S),
                               [recv_message(S) || _ <- lists:seq(1, N)]
                       end).

interleaved_pieces_active(_Config) ->
    interleaved_pieces(fun(S, N) ->
                               ok = inet:setopts(S, [{active, true}]),
                               [receive_message(S) || _ <- lists:seq(1, N)]
                       end).

interleaved_pieces(Receive) ->
    {S, C, CA} = pair(?INTL, ?INTL ++ [{sctp_stream_scheduler, rr}]),
    try
        true = interleaving(C, CA),
        Sent = [{Stream, pattern(Stream * 16 + I, ?MB + I * 4099)}
                || I <- [1, 2, 3], Stream <- [1, 2]],
        [ok = gen_sctp:send(C, CA, Stream, M) || {Stream, M} <- Sent],
        Received = Receive(S, length(Sent)),
        [case of_stream(Stream, Received) =:= of_stream(Stream, Sent) of
             true -> ok;
             false -> ct:fail({stream, Stream, summary(Received)})
         end || Stream <- [1, 2]]
    after
        %% The receiver first: active, it would deliver the end of the association.
        gen_sctp:close(S),
        gen_sctp:close(C)
    end.

%% OTP's own gen_sctp, in a node without this library, listens on a socket opened while
%% net.sctp.intl_enable was 0: it offers no I-DATA. It echoes each message on its stream
%% (`data_io_event' on, which element 2 of OTP's #sctp_event_subscribe{} is). This library's socket, which offers
%% it, still sets up an association with it, over plain DATA, and exchanges messages
%% both ways, one of them fragmented (loopback's MTU is 64 KiB; Linux refuses a message
%% larger than the send buffer with emsgsize, so both ends' send buffers are set to hold
%% it: the echo goes back from OTP's socket).
plain_otp_peer(_Config) ->
    {ok, Peer, _} = peer:start(#{connection => standard_io, env => [{"ERL_LIBS", false}],
                                 wait_boot => ?LONG}),
    try
        {Which, PeerPort} =
            peer_eval(Peer,
                      "Parent = self(),"
                      "spawn(fun() ->"
                      "    {ok, S} = gen_sctp:open([{ip, {127, 0, 0, 1}}, {active, false},"
                      "                             {sndbuf, 212992}]),"
                      "    {ok, [{sctp_events, E}]} = inet:getopts(S, [sctp_events]),"
                      "    ok = inet:setopts(S, [{sctp_events, setelement(2, E, true)}]),"
                      "    ok = gen_sctp:listen(S, true),"
                      "    {ok, P} = inet:port(S), Parent ! {port, P},"
                      "    Echo = fun Echo() ->"
                      "        case gen_sctp:recv(S, 60000) of"
                      "            {ok, {_, _, [I], D}} when is_binary(D) ->"
                      "                ok = gen_sctp:send(S, element(10, I), element(2, I), D),"
                      "                Echo();"
                      "            {ok, _} -> Echo();"
                      "            _ -> ok"
                      "        end end,"
                      "    Echo() end),"
                      "receive {port, P} -> {code:which(gen_sctp), P} end.", []),
        %% OTP's module, from kernel.
        {match, _} = re:run(Which, "/kernel-[0-9.]+/ebin/gen_sctp.beam$"),
        set_sysctl("net/sctp/intl_enable", "1"),
        {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sndbuf, 212992} | ?INTL]),
        try
            {ok, [{sctp_interleaving_supported, true}]} =
                inet:getopts(C, [sctp_interleaving_supported]),
            {ok, #sctp_assoc_change{state = comm_up} = CA} =
                gen_sctp:connect(C, ?L, PeerPort, [sctp_test:initmsg()], ?T),
            false = interleaving(C, CA),
            Sent = [{1, pattern(7, 150000)}, {2, <<"small">>}],
            [ok = gen_sctp:send(C, CA, Stream, M) || {Stream, M} <- Sent],
            Received = lists:sort([recv_message(C) || _ <- Sent]),
            case Received of
                Sent -> ok;
                _ -> ct:fail({echoed, summary(Received)})
            end
        after
            gen_sctp:close(C)
        end
    after
        try peer:stop(Peer) catch exit:_ -> ok end
    end.
