%% Flow control and concurrency on a real SCTP kernel over 127.0.0.1: a full
%% send buffer makes `send' wait (never `{error, eagain}'), bounded by
%% `send_timeout'; a caller waiting on a full association blocks neither other
%% callers nor other associations; many processes send on one socket at once;
%% the owner changes while messages stream in; messages read ahead while a
%% socket is passive keep their order and follow their association on peeloff.
%%
%% Every test case checks that no stray message is left in its mailbox.
-module(flow_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_testcase/2, end_per_testcase/2]).
-export([full_buffer_times_out/1, blocked_send_resumes/1, woken_sender_that_exits/1,
         full_association_blocks_nothing_else/1, close_wakes_blocked_sender/1,
         concurrent_senders/1, handover_under_load_active_true/1,
         handover_under_load_active_n/1, read_ahead_delivered_when_active/1,
         read_ahead_follows_peeloff/1, read_ahead_goes_on_past_the_budget/1,
         end_of_input_stops_watching/1, non_block_send_eagain/1, close_before_retry/1]).

-import(sctp_test, [server/1, pair/1, recv_event/1, full_pair/1, numbered/1, async/1,
                    await/1, await/2, wait_blocked/1, poll_until/3, nif_handle/1]).

-define(SNDBUF_POLICY, "/proc/sys/net/sctp/sndbuf_policy").

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 3}}].

all() ->
    [full_buffer_times_out, blocked_send_resumes, woken_sender_that_exits,
     full_association_blocks_nothing_else, close_wakes_blocked_sender, concurrent_senders,
     handover_under_load_active_true, handover_under_load_active_n,
     read_ahead_delivered_when_active,
     read_ahead_follows_peeloff, read_ahead_goes_on_past_the_budget,
     end_of_input_stops_watching, non_block_send_eagain, close_before_retry].

%% Linux shares one send buffer among a socket's associations unless
%% sndbuf_policy is 1; that case needs one buffer per association.
init_per_testcase(full_association_blocks_nothing_else, Config) ->
    {ok, Old} = file:read_file(?SNDBUF_POLICY),
    ok = file:write_file(?SNDBUF_POLICY, <<"1">>),
    [{sndbuf_policy, Old} | Config];
init_per_testcase(_Case, Config) ->
    Config.

end_per_testcase(_Case, Config) ->
    case proplists:get_value(sndbuf_policy, Config) of
        undefined -> ok;
        Old -> ok = file:write_file(?SNDBUF_POLICY, Old)
    end.

%%% Helpers

%% Receives numbered messages First..Last in order on passive socket S.
drain(S, First, Last) ->
    [begin
         {ok, {_, _, [#sctp_sndrcvinfo{}], <<I:32, _/binary>>}} = gen_sctp:recv(S, ?T)
     end || I <- lists:seq(First, Last)],
    ok.

%% Waits until the poller has read N messages (or more) ahead on passive socket S.
await_read_ahead(S, N) ->
    _ = poll_until({read_ahead, N}, fun() -> gen_sctp_nif:read_ahead_len(nif_handle(S)) end,
                   fun(Len) -> Len >= N end),
    ok.

%% The numbers of the next N data messages the owner of S gets in active mode;
%% address events of the association are skipped.
active_numbers(S, N) ->
    [receive
         {sctp, S, _, _, {[#sctp_sndrcvinfo{}], <<I:32, _/binary>>}} -> I
     after ?T -> ct:fail({no_message, S})
     end || _ <- lists:seq(1, N)].

%%% Test cases

%% send waits on a full buffer and gives {error, timeout} after send_timeout;
%% nothing is lost or duplicated, and sending works again once there is room.
full_buffer_times_out(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    T0 = erlang:monotonic_time(millisecond),
    {error, timeout} = gen_sctp:send(C, CA, 0, numbered(Last + 1)),
    Waited = erlang:monotonic_time(millisecond) - T0,
    true = Waited >= 300,
    {ok, [{send_timeout, 300}]} = inet:getopts(C, [send_timeout]),
    ok = drain(S, 1, Last),
    ok = gen_sctp:send(C, CA, 0, numbered(Last + 1)),
    ok = drain(S, Last + 1, Last + 1),
    {error, timeout} = gen_sctp:recv(S, 200),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% With send_timeout infinity a sender waits until the peer reads, then its
%% message goes out after all earlier ones.
blocked_send_resumes(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    ok = inet:setopts(C, [{send_timeout, infinity}]),
    {Pid, _} = Sender = async(fun() -> gen_sctp:send(C, CA, 0, numbered(Last + 1)) end),
    wait_blocked(Pid),
    ok = drain(S, 1, Last + 1),
    ok = await(Sender, ?LONG),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% Senders waiting for room are woken one at a time, and each whose send goes out
%% wakes the next. One that exits before it sends, woken or about to be, holds
%% the others up only until the poller's periodic retry.
woken_sender_that_exits(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    ok = inet:setopts(C, [{send_timeout, infinity}]),
    First = spawn(fun() -> gen_sctp:send(C, CA, 0, numbered(Last + 1)) end),
    wait_blocked(First),
    {Pid, _} = Second = async(fun() -> gen_sctp:send(C, CA, 0, numbered(Last + 2)) end),
    wait_blocked(Pid),
    true = erlang:suspend_process(First),
    ok = drain(S, 1, Last),
    exit(First, kill),
    ok = await(Second, ?LONG),
    ok = drain(S, Last + 2, Last + 2),
    {error, timeout} = gen_sctp:recv(S, 200),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% While one process waits on a full association, the same socket's other
%% association sends and other processes use the socket.
full_association_blocks_nothing_else(_Config) ->
    #{s := S1, c := C, ca := CA1, last := Last} = full_pair(300),
    {S2, SPort2} = server([]),
    {ok, #sctp_assoc_change{state = comm_up} = CA2} =
        gen_sctp:connect(C, ?L, SPort2, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S2),
    ok = inet:setopts(C, [{send_timeout, infinity}]),
    {Pid, _} = Blocked = async(fun() -> gen_sctp:send(C, CA1, 0, numbered(Last + 1)) end),
    wait_blocked(Pid),
    N = 200,
    Reader = async(fun() -> drain(S2, 1, N) end),
    [ok = gen_sctp:send(C, CA2, 0, numbered(I)) || I <- lists:seq(1, N)],
    ok = await(Reader),
    {ok, [{active, false}]} = inet:getopts(C, [active]),
    {ok, _} = inet:getstat(C),
    %% The blocked sender is still waiting, and finishes once S1 reads.
    ok = sctp_test:not_returned(Blocked),
    ok = drain(S1, 1, Last + 1),
    ok = await(Blocked),
    [ok = gen_sctp:close(X) || X <- [C, S1, S2]].

%% Closing the socket wakes a sender waiting for room with {error, closed}.
close_wakes_blocked_sender(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    ok = inet:setopts(C, [{send_timeout, infinity}]),
    {Pid, _} = Sender = async(fun() -> gen_sctp:send(C, CA, 0, numbered(Last + 1)) end),
    wait_blocked(Pid),
    ok = gen_sctp:close(C),
    {error, closed} = await(Sender, ?LONG),
    ok = gen_sctp:close(S).

%% 100 processes send on one socket over four associations and all streams:
%% every message arrives exactly once, in order per sender (each sender keeps
%% to one stream).
concurrent_senders(_Config) ->
    Servers = [server([]) || _ <- lists:seq(1, 4)],
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    Assocs = list_to_tuple(
               [begin
                    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
                        gen_sctp:connect(C, ?L, Port, [sctp_test:initmsg()], ?T),
                    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
                    Id
                end || {S, Port} <- Servers]),
    Senders = 100,
    PerSender = 30,
    Readers = [async(fun() -> read_numbered(S, #{}, Senders * PerSender div 4) end)
               || {S, _} <- Servers],
    Sending = [async(fun() ->
                             Assoc = element(P rem 4 + 1, Assocs),
                             [ok = gen_sctp:send(C, Assoc, P rem ?STREAMS, <<P:16, I:16>>)
                              || I <- lists:seq(1, PerSender)],
                             done
                     end) || P <- lists:seq(0, Senders - 1)],
    [done = await(X, ?LONG) || X <- Sending],
    Got = lists:foldl(fun(R, Acc) -> maps:merge(Acc, await(R, ?LONG)) end, #{}, Readers),
    Expected = lists:seq(1, PerSender),
    Senders = map_size(Got),
    [Expected = lists:reverse(Seq) || Seq <- maps:values(Got)],
    ok = gen_sctp:close(C),
    [ok = gen_sctp:close(S) || {S, _} <- Servers].

%% Receives N messages <<Sender:16, Seq:16>>; returns each sender's sequence
%% numbers, newest first.
read_numbered(_S, Acc, 0) ->
    Acc;
read_numbered(S, Acc, N) ->
    {ok, {_, _, [#sctp_sndrcvinfo{stream = Stream}], <<P:16, I:16>>}} = gen_sctp:recv(S, ?T),
    Stream = P rem ?STREAMS,
    read_numbered(S, maps:update_with(P, fun(L) -> [I | L] end, [I], Acc), N - 1).


%% The owner of an {active, true} socket changes ten times while the peer
%% streams numbered messages: each message reaches exactly one owner, and the
%% owners' shares, in handover order, are the whole sequence in order.
handover_under_load_active_true(_Config) ->
    handover_under_load(true).

%% The same with {active, N}: each owner re-arms after {sctp_passive, S}, and
%% the mode moves to the next owner with the socket.
handover_under_load_active_n(_Config) ->
    handover_under_load(7).

handover_under_load(Active) ->
    #{s := S, c := C, ca := CA} = pair([]),
    N = 1000,
    Owners = 10,
    Sender = async(fun() ->
                           [ok = gen_sctp:send(C, CA, 0, <<I:32>>) || I <- lists:seq(1, N)],
                           done
                   end),
    Self = self(),
    Final = spawn_link(fun() -> own(S, Active, {N, N}, Self) end),
    First = lists:foldl(fun(_, Next) ->
                                spawn_link(fun() -> own(S, Active, {N div Owners, N}, Next) end)
                        end, Final, lists:seq(1, Owners - 1)),
    ok = inet:setopts(S, [{active, Active}]),
    ok = gen_sctp:controlling_process(S, First),
    First ! {go, self()},
    done = await(Sender, ?LONG),
    Shares = collect_shares(Owners, []),
    Got = lists:append(Shares),
    ct:pal("shares: ~p", [[length(Sh) || Sh <- Shares]]),
    Expected = lists:seq(1, N),
    Expected = Got,
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% One owner: waits for its turn, takes Count data messages or fewer if message
%% Last comes first, reports them and hands the socket on to Next.
own(S, Active, {Count, Last}, Next) ->
    receive {go, Test} -> ok end,
    Share = take(S, Active, Count, Last, []),
    Test ! {share, self(), Share},
    case Next =:= Test of
        true ->
            ok;
        false ->
            ok = gen_sctp:controlling_process(S, Next),
            Next ! {go, Test}
    end,
    %% Stay alive: the owner's death would close the socket.
    receive stop -> ok end.

take(_S, _Active, 0, _Last, Acc) ->
    lists:reverse(Acc);
take(S, Active, Count, Last, Acc) ->
    receive
        {sctp, S, _, _, {[#sctp_sndrcvinfo{}], <<I:32>>}} ->
            Left = case I of
                       Last -> 0;
                       _ -> Count - 1
                   end,
            take(S, Active, Left, Last, [I | Acc]);
        {sctp_passive, S} ->
            ok = inet:setopts(S, [{active, Active}]),
            take(S, Active, Count, Last, Acc)
    after ?T ->
            ct:fail({owner_starved, self(), lists:reverse(Acc)})
    end.

collect_shares(0, Acc) ->
    [Share || {_, Share} <- lists:reverse(Acc)];
collect_shares(K, Acc) ->
    receive
        {share, Pid, Share} ->
            Pid ! stop,
            collect_shares(K - 1, [{Pid, Share} | Acc])
    after 60000 ->
            ct:fail({missing_shares, K})
    end.

%% Once a passive socket has been read from, the poller takes what arrives next
%% out of the kernel ahead of the owner. Turning the socket active delivers
%% those messages first, in order, under the {active, N} count.
read_ahead_delivered_when_active(_Config) ->
    #{s := S, c := C, ca := CA} = pair([]),
    [ok = gen_sctp:send(C, CA, 0, numbered(I)) || I <- lists:seq(1, 10)],
    ok = await_read_ahead(S, 10),
    ok = inet:setopts(S, [{active, 3}]),
    [1, 2, 3] = active_numbers(S, 3),
    receive {sctp_passive, S} -> ok after ?T -> ct:fail(no_sctp_passive) end,
    ok = inet:setopts(S, [{active, true}]),
    [ok = gen_sctp:send(C, CA, 0, numbered(I)) || I <- lists:seq(11, 12)],
    Rest = lists:seq(4, 12),
    Rest = active_numbers(S, length(Rest)),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% peeloff hands the new socket the messages of its association that were
%% read ahead on the old one, before those still in the kernel, as the kernel
%% moves its own queue; other associations' messages stay.
read_ahead_follows_peeloff(_Config) ->
    #{s := S, c := C, ca := CA, sa := SA} = pair([]),
    #{c := C2, ca := CA2} = Other = connect_more(S),
    [ok = gen_sctp:send(C, CA, 0, numbered(I)) || I <- lists:seq(1, 5)],
    ok = gen_sctp:send(C2, CA2, 0, numbered(100)),
    ok = await_read_ahead(S, 6),
    {ok, P} = gen_sctp:peeloff(S, SA#sctp_assoc_change.assoc_id),
    ok = gen_sctp:send(C, CA, 0, numbered(6)),
    ok = drain(P, 1, 6),
    {ok, {_, _, [#sctp_sndrcvinfo{assoc_id = OtherId}], <<100:32, _/binary>>}} =
        gen_sctp:recv(S, ?T),
    OtherId = maps:get(sa_id, Other),
    {error, timeout} = gen_sctp:recv(P, 200),
    [ok = gen_sctp:close(X) || X <- [C, C2, P, S]].

%% The poller reads ahead at most a budget of messages (64) per wake-up, so that
%% one busy socket cannot hold the others or its owner up; epoll, level-triggered,
%% reports the socket again, and the read-ahead goes on to take all that came.
read_ahead_goes_on_past_the_budget(_Config) ->
    #{s := S, c := C, ca := CA} = pair([{recbuf, 262144}]),
    N = 150,
    [ok = gen_sctp:send(C, CA, 0, numbered(I)) || I <- lists:seq(1, N)],
    ok = await_read_ahead(S, N),
    ok = drain(S, 1, N),
    {error, timeout} = gen_sctp:recv(S, 200),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% A second client associated with server S; its comm_up is read on S.
connect_more(S) ->
    {ok, SPort} = inet:port(S),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, #sctp_assoc_change{state = comm_up} = CA} = gen_sctp:connect(C, ?L, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up, assoc_id = Id}} = recv_event(S),
    #{c => C, ca => CA, sa_id => Id}.

%% A one-to-one socket whose peer shut down stays readable, and every read gives
%% 0 bytes. The poller stops watching it, passive (reading ahead) or active,
%% instead of handling its event over and over.
end_of_input_stops_watching(_Config) ->
    {ok, L} = gen_sctp:open([{type, stream}, {ip, ?L}, {active, false}]),
    {ok, Port} = inet:port(L),
    ok = gen_sctp:listen(L, true),
    {ok, C} = gen_sctp:open([{type, stream}, {ip, ?L}, {active, false}]),
    {ok, _} = gen_sctp:connect(C, ?L, Port, [], ?T),
    {ok, A} = gen_sctp:accept(L, ?T),
    ok = gen_sctp:send(A, 0, 0, <<"hello">>),
    ok = recv_until(C, fun(Data) -> Data =:= <<"hello">> end),
    ok = gen_sctp:close(A),
    ok = recv_until(C, fun(Data) -> Data =:= <<>> end),
    true = quiet_poller(),
    ok = inet:setopts(C, [{active, true}]),
    true = quiet_poller(),
    %% The passive read took the end of input: turned active, C has nothing to deliver.
    ok = sctp_test:assert_empty_mailbox(),
    [ok = gen_sctp:close(X) || X <- [C, L]].

%% Reads passive socket S, skipping events, until a data message passes Test.
recv_until(S, Test) ->
    {_, _, _, Data} = sctp_test:recv_data(S, events),
    case Test(Data) of
        true -> ok;
        false -> recv_until(S, Test)
    end.

%% The poller handled almost no socket event over a second: a socket it kept
%% handling would count thousands.
quiet_poller() ->
    ct:sleep(200),
    E0 = gen_sctp_nif:poller_events(),
    ct:sleep(1000),
    Events = gen_sctp_nif:poller_events() - E0,
    ct:pal("poller events over 1 s: ~p", [Events]),
    Events < 20.

%% {non_block_send, true}: a send on a full buffer returns {error, eagain} at once
%% (send_timeout is infinity, so a wait would never end), with send/4 and send/3, and
%% sends nothing. Back to false, send waits again and completes once the peer reads.
non_block_send_eagain(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    #sctp_assoc_change{assoc_id = Id} = CA,
    {ok, [{non_block_send, false}]} = inet:getopts(C, [non_block_send]),
    ok = inet:setopts(C, [{send_timeout, infinity}, {non_block_send, true}]),
    {ok, [{non_block_send, true}]} = inet:getopts(C, [non_block_send]),
    %% Acknowledgements may free some room meanwhile: each form sends until refused.
    N1 = until_eagain(fun(D) -> gen_sctp:send(C, CA, 0, D) end, Last + 1),
    N2 = until_eagain(fun(D) -> gen_sctp:send(C, Id, 0, D) end, N1),
    N3 = until_eagain(fun(D) -> gen_sctp:send(C, #sctp_sndrcvinfo{assoc_id = Id}, D) end, N2),
    ok = inet:setopts(C, [{non_block_send, false}]),
    {Pid, _} = Sender = async(fun() -> gen_sctp:send(C, CA, 0, numbered(N3)) end),
    wait_blocked(Pid),
    %% Every number once, in order: the refused sends left nothing behind.
    ok = drain(S, 1, N3),
    ok = await(Sender, ?LONG),
    {error, timeout} = gen_sctp:recv(S, 200),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% Sends numbered messages from I on with Send until one is refused with
%% {error, eagain}; returns that message's number (it was not sent).
until_eagain(Send, I) ->
    until_eagain(Send, I, 1000).

until_eagain(_Send, I, 0) ->
    ct:fail({never_eagain, I});
until_eagain(Send, I, Budget) ->
    case Send(numbered(I)) of
        ok -> until_eagain(Send, I + 1, Budget - 1);
        {error, eagain} -> I;
        Other -> ct:fail({send, I, Other})
    end.

%% A sender woken for room that finds the socket closed when it retries gets
%% {error, closed}: it is kept from running while the peer makes room and its wake-up
%% arrives, and the socket is closed before it runs again.
close_before_retry(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    ok = inet:setopts(C, [{send_timeout, infinity}]),
    {Pid, _} = Sender = async(fun() -> gen_sctp:send(C, CA, 0, numbered(Last + 1)) end),
    wait_blocked(Pid),
    true = erlang:suspend_process(Pid),
    ok = drain(S, 1, Last),
    ok = await_messages(Pid, 200),
    ok = gen_sctp:close(C),
    true = erlang:resume_process(Pid),
    {error, closed} = await(Sender, ?LONG),
    %% The message never went out: the peer's next message is the end of the association.
    {ok, {_, _, _, #sctp_shutdown_event{}}} = gen_sctp:recv(S, ?T),
    ok = gen_sctp:close(S).

%% Waits until Pid has a message in its mailbox.
await_messages(Pid, 0) ->
    ct:fail({no_message, Pid});
await_messages(Pid, Tries) ->
    case erlang:process_info(Pid, message_queue_len) of
        {message_queue_len, 0} -> ct:sleep(50), await_messages(Pid, Tries - 1);
        {message_queue_len, _} -> ok
    end.
