%% Lifecycle and resource use on a real SCTP kernel over 127.0.0.1: a socket's
%% fd goes back to the system when its owner dies or when nothing references it
%% any more; long runs of open/close and of association set-up/teardown leave
%% fd count and memory where they started; a slow receiver in {active, once}
%% or {active, N} holds back the sender instead of growing its mailbox; the
%% `pollers' application variable starts that many poller threads, which share the
%% sockets.
%%
%% Every test case checks that no stray message is left in its mailbox.
-module(lifecycle_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([owner_killed_releases_fd/1, peer_node_killed/1, dropped_socket_releases_fd/1,
         open_close_cycles/1, association_cycles/1, slow_receiver_active_once/1,
         slow_receiver_active_n/1, default_pollers/1, several_pollers/0,
         several_pollers/1]).
%% For the peer node of several_pollers.
-export([poller_threads/0]).

-import(sctp_test, [server/1, pair/1, recv_event/1, peer_sees_end/2, async/1, await/2,
                    poll_until/3, fd_count/0, status/2, peer_eval/3]).

%% Cycle counts; GEN_SCTP_OPEN_CYCLES and GEN_SCTP_ASSOC_CYCLES override them.
-define(OPEN_CYCLES, 100000).
-define(ASSOC_CYCLES, 10000).
%% What a long run may leave behind in erlang:memory(total): allocator
%% caches, not per-socket state.
-define(MEMORY_SLACK, 2 * 1024 * 1024).
%% The same for the OS process's resident memory, which also holds the NIF's own
%% allocations. Allocators keep and fragment freed memory, so RSS grows for a
%% while whatever happens; it is judged over the second half of a run only,
%% where a leak keeps growing and allocator warm-up does not.
-define(RSS_SLACK, 32 * 1024 * 1024).
%% The library's own heap holds no per-socket state after close: over the second
%% half of a run (thousands of cycles) it may only change by what reused buffers
%% and tables happen to hold, a few bytes per cycle at most.
-define(HEAP_SLACK, 16 * 1024).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 10}}].

all() ->
    [owner_killed_releases_fd, peer_node_killed, dropped_socket_releases_fd, open_close_cycles,
     association_cycles, slow_receiver_active_once, slow_receiver_active_n,
     default_pollers, several_pollers].

%%% Helpers

%% Waits until the node has Expected open fds.
await_fd_count(Expected) ->
    Expected = poll_until({fd_count, Expected}, fun sctp_test:fd_count/0,
                          fun(N) -> N =:= Expected end),
    ok.

%% Resident set size of this OS process, in bytes.
rss() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [_, Rest] = binary:split(Status, <<"VmRSS:">>),
    [Kb | _] = string:lexemes(binary_to_list(Rest), " \t\n"),
    list_to_integer(Kb) * 1024.

%% Runs Cycle N times in two halves; then fds and erlang:memory(total) must be
%% back where they were before, the library's own heap must not have grown over
%% the second half, and RSS must not have grown much over the second half.
check_run(What, N, Cycle) ->
    Fds = fd_count(),
    Mem = memory_after_gc(),
    repeat(What, N div 2, Cycle),
    Rss = rss(),
    Heap = heap_after_gc(),
    repeat(What, N - N div 2, Cycle),
    ok = await_fd_count(Fds),
    Grown = memory_after_gc() - Mem,
    HeapGrown = heap_after_gc() - Heap,
    RssGrown = rss() - Rss,
    ct:pal("~s: erlang:memory(total) grew by ~p bytes over ~p cycles; over the last ~p, the "
           "library's heap by ~p bytes and RSS by ~p bytes",
           [What, Grown, N, N - N div 2, HeapGrown, RssGrown]),
    true = Grown < ?MEMORY_SLACK,
    true = HeapGrown < ?HEAP_SLACK,
    true = RssGrown < ?RSS_SLACK,
    ok.

%% The bytes the NIF library has allocated and not freed, once every process's
%% garbage (and so every unreferenced socket) is collected.
heap_after_gc() ->
    _ = memory_after_gc(),
    gen_sctp_nif:heap_in_use().

memory_after_gc() ->
    [erlang:garbage_collect(P) || P <- processes()],
    erlang:memory(total).

cycles(Var, Default) ->
    case os:getenv(Var) of
        false -> Default;
        Value -> list_to_integer(Value)
    end.

%% Runs F N times; logs the rate.
repeat(Name, N, F) ->
    T0 = erlang:monotonic_time(millisecond),
    repeat(N, F),
    Ms = max(1, erlang:monotonic_time(millisecond) - T0),
    ct:pal("~s: ~p cycles in ~p ms (~p per second)", [Name, N, Ms, N * 1000 div Ms]).

repeat(0, _F) -> ok;
repeat(N, F) -> F(), repeat(N - 1, F).

%%% Test cases

%% The owner is killed: its socket closes, the fd is released, and the peer
%% sees the association end.
owner_killed_releases_fd(_Config) ->
    {S, SPort} = server([]),
    Before = fd_count(),
    Self = self(),
    Owner = spawn(fun() ->
                          {ok, C} = gen_sctp:open([{ip, ?L}]),
                          {ok, _} = gen_sctp:connect(C, ?L, SPort, [], ?T),
                          Self ! {connected, self()},
                          receive never -> ok end
                  end),
    receive {connected, Owner} -> ok after ?T -> ct:fail(no_connect) end,
    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
    Before = fd_count() - 1,
    exit(Owner, kill),
    _ = peer_sees_end(S, any),
    ok = await_fd_count(Before),
    ok = gen_sctp:close(S).

%% The peer is another Erlang node, killed with SIGKILL while a message it
%% never read waits in its socket: its kernel aborts the association and our
%% side gets comm_lost. The peer runs OTP's own gen_sctp. The case ends once
%% the node's fds are back to those before the peer started, less the closed
%% socket: the peer's port closes its pipes a moment after the node is gone,
%% and the next case counts fds.
peer_node_killed(_Config) ->
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, true}]),
    Fds = fd_count(),
    {ok, Peer, _} = peer:start(#{connection => standard_io, env => [{"ERL_LIBS", false}],
                                 wait_boot => ?LONG}),
    {PeerPort, OsPid} = peer_eval(Peer,
                                  "Parent = self(),"
                                  "spawn(fun() ->"
                                  "    {ok, S} = gen_sctp:open([{ip, {127, 0, 0, 1}}]),"
                                  "    ok = gen_sctp:listen(S, true),"
                                  "    {ok, P} = inet:port(S), Parent ! {port, P},"
                                  "    receive stop -> ok end end),"
                                  "receive {port, P} -> {P, os:getpid()} end.", []),
    {ok, #sctp_assoc_change{state = comm_up} = CA} =
        gen_sctp:connect(C, ?L, PeerPort, [], ?T),
    ok = gen_sctp:send(C, CA, 0, <<"never read">>),
    %% Acknowledged, the message is in the peer's socket.
    _ = poll_until({acknowledged, <<"never read">>}, fun() -> status(C, CA) end,
                   fun(#sctp_status{unackdata = Unacked, penddata = Pending}) ->
                           Unacked =:= 0 andalso Pending =:= 0
                   end),
    _ = os:cmd("kill -9 " ++ OsPid),
    receive
        {sctp, C, ?L, PeerPort, {[], #sctp_assoc_change{state = comm_lost}}} -> ok
    after 3 * ?T ->
            ct:fail({no_comm_lost, process_info(self(), messages)})
    end,
    try peer:stop(Peer) catch exit:_ -> ok end,
    ok = gen_sctp:close(C),
    ok = await_fd_count(Fds - 1).

%% A passive socket whose last reference is gone (owner alive) is closed when
%% garbage-collected. Not at once: the reference `open' hands the poller goes
%% when the poller has taken it in, so the case waits for the count.
dropped_socket_releases_fd(_Config) ->
    %% The first socket also starts the poller, with fds of its own.
    {ok, First} = gen_sctp:open(),
    ok = gen_sctp:close(First),
    Before = fd_count(),
    Parent = self(),
    Holder = spawn_link(fun() ->
                                {ok, _Dropped} = gen_sctp:open([{ip, ?L}]),
                                Parent ! {opened, self(), fd_count()},
                                erlang:garbage_collect(),
                                Parent ! {collected, self()},
                                receive stop -> ok end
                        end),
    Opened = receive {opened, Holder, N} -> N after ?T -> ct:fail(no_open) end,
    Opened = Before + 1,
    receive {collected, Holder} -> ok after ?T -> ct:fail(no_collection) end,
    ok = await_fd_count(Before),
    true = is_process_alive(Holder),
    unlink(Holder),
    Holder ! stop.

%% Many open/close cycles: fds and memory return to where they were.
open_close_cycles(_Config) ->
    N = cycles("GEN_SCTP_OPEN_CYCLES", ?OPEN_CYCLES),
    Open = fun() -> {ok, S} = gen_sctp:open(), ok = gen_sctp:close(S) end,
    repeat("warm-up", 1000, Open),
    ok = check_run("open/close", N, Open).

%% Many associations set up and torn down against one server: fds and memory
%% return to where they were, and the server saw each one come and go.
association_cycles(_Config) ->
    N = cycles("GEN_SCTP_ASSOC_CYCLES", ?ASSOC_CYCLES),
    {S, SPort} = server([]),
    Cycle = fun() ->
                    {ok, C} = gen_sctp:open([{ip, ?L}]),
                    {ok, #sctp_assoc_change{state = comm_up}} =
                        gen_sctp:connect(C, ?L, SPort, [], ?T),
                    {_, _, _, #sctp_assoc_change{state = comm_up}} = recv_event(S),
                    ok = gen_sctp:close(C),
                    _ = peer_sees_end(S, any)
            end,
    repeat("warm-up", 100, Cycle),
    ok = check_run("association set-up/teardown", N, Cycle),
    ok = gen_sctp:close(S).

%% A sender much faster than its {active, once} receiver: the receiver's
%% mailbox never holds more than the one message it asked for; the kernel
%% holds back the rest, and every message arrives in order.
slow_receiver_active_once(_Config) ->
    slow_receiver(once, 1).

%% The same with {active, N}: at most N data messages and the sctp_passive.
slow_receiver_active_n(_Config) ->
    slow_receiver(10, 11).

slow_receiver(Active, MaxQueue) ->
    %% Small buffers: the kernel and the read-ahead hold far fewer than N.
    %% ?FAST_RTO: each time the receiver has read, the window reopens soon.
    #{s := S, c := C, ca := CA} = pair([{recbuf, 32768}, {sndbuf, 32768} | ?FAST_RTO]),
    N = 500,
    Payload = binary:copy(<<"x">>, 1000),
    {SenderPid, _} = Sender =
        async(fun() ->
                      [ok = gen_sctp:send(C, CA, 0, <<I:32, Payload/binary>>)
                       || I <- lists:seq(1, N)],
                      done
              end),
    %% The kernel holds back what the receiver has not taken before it takes any.
    ok = sctp_test:wait_blocked(SenderPid),
    ok = inet:setopts(S, [{active, Active}]),
    Peak = slow_take(S, Active, 1, N, 0),
    ct:pal("largest mailbox seen: ~p (limit ~p)", [Peak, MaxQueue]),
    true = Peak =< MaxQueue,
    done = await(Sender, ?LONG),
    %% {active, N} runs out with the last message when N divides their number, which
    %% leaves one sctp_passive; {active, once} leaves none.
    case Active of
        once -> ok;
        _ when N rem Active =:= 0 ->
            receive {sctp_passive, S} -> ok after ?T -> ct:fail(no_last_sctp_passive) end
    end,
    %% Passive first: the end of the association must not reach the mailbox.
    ok = inet:setopts(S, [{active, false}]),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% How many messages from S wait in the mailbox (the sender's result may too).
socket_messages(S) ->
    {messages, Messages} = process_info(self(), messages),
    length([M || M <- Messages, is_tuple(M), tuple_size(M) >= 2, element(2, M) =:= S]).

%% Takes messages First..Last one by one, sleeping a little before every
%% fourth, and returns the largest mailbox it saw. The sender still outruns it.
slow_take(_S, _Active, I, Last, Peak) when I > Last ->
    Peak;
slow_take(S, Active, I, Last, Peak) ->
    I rem 4 =:= 0 andalso timer:sleep(1),
    Len = socket_messages(S),
    receive
        {sctp, S, _, _, {[#sctp_sndrcvinfo{}], <<I:32, _/binary>>}} ->
            case Active of
                once -> ok = inet:setopts(S, [{active, once}]);
                _ -> ok
            end,
            slow_take(S, Active, I + 1, Last, max(Peak, Len));
        {sctp_passive, S} ->
            ok = inet:setopts(S, [{active, Active}]),
            slow_take(S, Active, I, Last, max(Peak, Len))
    after ?T ->
            ct:fail({missing, I, process_info(self(), messages)})
    end.

%% With `pollers' unset there is one poller thread per scheduler, up to 4.
default_pollers(_Config) ->
    undefined = application:get_env(gen_sctp_nif, pollers),
    Expected = min(erlang:system_info(schedulers), 4),
    %% An active socket is the pollers' to watch; each thread names itself once started.
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, true}]),
    Expected = poll_until(poller_threads, fun poller_threads/0, fun(N) -> N >= Expected end),
    ok = gen_sctp:close(S).

%% Booting the peer node may take up to ?LONG on a loaded machine.
several_pollers() ->
    [{timetrap, {minutes, 5}}].

%% A node with one scheduler and `-gen_sctp_nif pollers 3' runs three poller threads (the
%% setting, not the default of one per scheduler), and messages on six busy associations,
%% each socket on one of them, all arrive, in order.
several_pollers(_Config) ->
    Ebin = filename:dirname(code:which(gen_sctp)),
    Suite = filename:dirname(code:which(?MODULE)),
    {ok, Peer, _} = peer:start(#{connection => standard_io,
                                 args => ["-pa", Ebin, "-pa", Suite, "+S", "1",
                                          "-gen_sctp_nif", "pollers", "3"],
                                 wait_boot => ?LONG}),
    try
        Source =
            "ok = application:load(gen_sctp_nif),"
            "L = {127, 0, 0, 1},"
            "Pair = fun() ->"
            "    {ok, S} = gen_sctp:open([{ip, L}, binary, {active, true}]),"
            "    ok = gen_sctp:listen(S, true),"
            "    {ok, Port} = inet:port(S),"
            "    {ok, C} = gen_sctp:open([{ip, L}, {active, false}]),"
            "    {ok, A} = gen_sctp:connect(C, L, Port, []),"
            "    {S, C, A}"
            "end,"
            "Pairs = [Pair() || _ <- lists:seq(1, 6)],"
            "Ns = lists:seq(1, 50),"
            "[ok = gen_sctp:send(C, A, 0, <<N:32>>) || {_, C, A} <- Pairs, N <- Ns],"
            "Got = [[receive {sctp, S, _, _, {_, <<N:32>>}} -> N after T -> {missing, N} end"
            "        || N <- Ns] || {S, _, _} <- Pairs],"
            "Pollers = lifecycle_SUITE:poller_threads(),"
            "[ok = gen_sctp:close(X) || {S, C, _} <- Pairs, X <- [S, C]],"
            "{Pollers, Got}.",
        Ns = lists:seq(1, 50),
        {3, Got} = peer_eval(Peer, Source, [{'T', ?T}]),
        Got = lists:duplicate(6, Ns)
    after
        peer:stop(Peer)
    end.

%% The poller threads of this OS process.
poller_threads() ->
    {ok, Tids} = file:list_dir("/proc/self/task"),
    length([Tid || Tid <- Tids,
                   file:read_file("/proc/self/task/" ++ Tid ++ "/comm") =:= {ok, <<"gen_sctp_poller\n">>}]).
