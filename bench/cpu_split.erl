%% Where a message's CPU time goes: one association on 127.0.0.1 (the plain loopback), or
%% several on sockets of their own (busy pairs), each with a process sending as fast as the
%% socket takes it and one receiving in the given mode, as in bench/gen_sctp_bench.erl.
%% Over the window it reads each thread's user and system time and its voluntary context
%% switches (each a sleep the thread was woken from) from /proc and prints them per
%% message, summed by the thread's kind (schedulers, this library's poller, OTP's poll
%% thread, the rest), with how many CPUs the whole process kept busy. Mode `rt' runs a
%% ping-pong of `Size'-byte messages instead, both ends passive, and counts round trips.
%% The gen_sctp on the code path is measured, or, with a label that starts with `socket',
%% OTP's `socket' module with SCTP (OTP 29 on) as bench/run's `socket' column uses it
%% (passive mode only). Run by bench/cpu-split.
-module(cpu_split).

-export([run/1]).

-include_lib("kernel/include/inet_sctp.hrl").

-define(L, {127, 0, 0, 1}).
-define(BUFFER, 212992).
-define(WARM_UP_MS, 500).

%% run([Label, Size, Mode, Seconds | Pairs]), Mode one of passive, once, true, a count or
%% rt, Pairs the number of busy socket pairs (1 unless given), each maybe followed by the
%% number of processes sending at once on its one association (1 unless given).
-spec run([string()]) -> no_return().
run([Label, Size0, Mode0, Seconds0 | More]) ->
    [Size, Seconds, Pairs, Senders | _] =
        [list_to_integer(A) || A <- [Size0, Seconds0 | More ++ ["1", "1"]]],
    Mode = mode(Mode0),
    %% 1: messages received, 2: sends refused with eagain (OTP 25 only; retried at once).
    Counts = counters:new(2, []),
    [busy_pair(api(Label), Size, Mode, Senders, Counts) || _ <- lists:seq(1, Pairs)],
    timer:sleep(?WARM_UP_MS),
    Before = {threads(), counters:get(Counts, 1), counters:get(Counts, 2), now_us()},
    timer:sleep(Seconds * 1000),
    After = {threads(), counters:get(Counts, 1), counters:get(Counts, 2), now_us()},
    report(Label, Size, Mode0, Before, After),
    halt().

api("socket" ++ _) -> socket;
api(_) -> gen_sctp.

%% One association, its senders and its receiver, all counting into `Counts'.
busy_pair(socket, Size, false, Senders, Counts) ->
    {{socket, S}, Port} = gen_sctp_bench:server(socket),
    {C, Assoc} = gen_sctp_bench:client(socket, self(), Port),
    Receiver = spawn_link(fun() -> receive go -> socket_passive(S, Counts) end end),
    ok = socket:setopt(S, {otp, controlling_process}, Receiver),
    Receiver ! go,
    senders(Senders, C, Assoc, Size, Counts);
busy_pair(gen_sctp, Size, rt, _Senders, Counts) ->
    {S, C, Assoc} = gen_sctp_pair(),
    Echo = spawn_link(fun() -> receive go -> echo(S) end end),
    ok = gen_sctp:controlling_process(S, Echo),
    Echo ! go,
    Data = binary:copy(<<"x">>, Size),
    Pinger = spawn_link(fun() -> receive go -> ping(C, Assoc, Data, Counts) end end),
    ok = gen_sctp:controlling_process(C, Pinger),
    Pinger ! go;
busy_pair(gen_sctp, Size, Mode, Senders, Counts) ->
    {S, C, Assoc} = gen_sctp_pair(),
    Receiver = spawn_link(fun() -> receiver(S, Mode, Counts) end),
    ok = gen_sctp:controlling_process(S, Receiver),
    Receiver ! go,
    senders(Senders, C, Assoc, Size, Counts).

senders(N, C, Assoc, Size, Counts) ->
    Data = binary:copy(<<"x">>, Size),
    [spawn_link(fun() -> sender(C, Assoc, Data, Counts) end) || _ <- lists:seq(1, N)].

%% A one-to-many server socket and a client with one association to it.
gen_sctp_pair() ->
    Opts = [binary, {active, false}, {ip, ?L}, {sctp_nodelay, true},
            {recbuf, ?BUFFER}, {sndbuf, ?BUFFER}],
    {ok, S} = gen_sctp:open(0, Opts),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open(0, Opts),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Assoc}} =
        gen_sctp:connect(C, ?L, Port, [], 10000),
    {S, C, Assoc}.

mode("passive") -> false;
mode("rt") -> rt;
mode("once") -> once;
mode("true") -> true;
mode(N) -> list_to_integer(N).

receiver(S, Mode, Counts) ->
    receive go -> ok end,
    case Mode of
        false ->
            passive(S, Counts);
        _ ->
            ok = inet:setopts(S, [{active, Mode}]),
            active(S, Mode, Counts)
    end.

passive(S, Counts) ->
    case gen_sctp:recv(S, infinity) of
        {ok, {_, _, _, Bin}} when is_binary(Bin) -> counters:add(Counts, 1, 1);
        {ok, _Event} -> ok
    end,
    passive(S, Counts).

%% bench/gen_sctp_bench.erl's `nowait' loop: its receive buffer holds a message whole.
socket_passive(S, Counts) ->
    case socket:recvmsg(S, nowait) of
        {ok, #{notification := _}} -> ok;
        {ok, #{flags := _}} -> counters:add(Counts, 1, 1);
        {select, {select_info, _, Ref}} -> receive {'$socket', S, select, Ref} -> ok end
    end,
    socket_passive(S, Counts).

active(S, Mode, Counts) ->
    receive
        {sctp, S, _, _, {_, Bin}} when is_binary(Bin) ->
            counters:add(Counts, 1, 1),
            Mode =:= once andalso inet:setopts(S, [{active, once}]);
        {sctp, S, _, _, _Event} ->
            Mode =:= once andalso inet:setopts(S, [{active, once}]);
        {sctp_passive, S} ->
            ok = inet:setopts(S, [{active, Mode}])
    end,
    active(S, Mode, Counts).

%% Sends each message back on the association it came on.
echo(S) ->
    case gen_sctp:recv(S, infinity) of
        {ok, {_, _, [#sctp_sndrcvinfo{assoc_id = Assoc}], Bin}} when is_binary(Bin) ->
            ok = gen_sctp:send(S, Assoc, 0, Bin);
        {ok, _Event} ->
            ok
    end,
    echo(S).

ping(C, Assoc, Data, Counts) ->
    ok = gen_sctp:send(C, Assoc, 0, Data),
    pong(C),
    counters:add(Counts, 1, 1),
    ping(C, Assoc, Data, Counts).

pong(C) ->
    case gen_sctp:recv(C, infinity) of
        {ok, {_, _, _, Bin}} when is_binary(Bin) -> ok;
        {ok, _Event} -> pong(C)
    end.

sender(C, Assoc, Data, Counts) ->
    case gen_sctp_bench:send_once(C, Assoc, 0, Data) of
        ok -> ok;
        {error, eagain} -> counters:add(Counts, 2, 1)
    end,
    sender(C, Assoc, Data, Counts).

now_us() ->
    erlang:monotonic_time(microsecond).

report(Label, Size, Mode, {T0, N0, E0, W0}, {T1, N1, E1, W1}) ->
    Msgs = max(1, N1 - N0),
    Kinds = by_kind(T0, T1),
    Total = lists:sum([U + Sy || {_, U, Sy, _} <- Kinds]),
    UsPerTick = 1.0e6 / gen_sctp_bench:clock_ticks(),
    PerMsg = fun(Ticks) -> round(Ticks * UsPerTick / Msgs) end,
    io:format("~s size=~p mode=~s msgs_per_s=~.1f eagain=~p cpus_busy=~.2f cpu_us_per_msg=~p~n",
              [Label, Size, Mode, Msgs * 1.0e6 / (W1 - W0), E1 - E0,
               Total * UsPerTick / (W1 - W0), PerMsg(Total)]),
    [io:format("~s   ~-10s user ~7w sys ~7w us/msg  wake-ups ~.2f/msg~n",
               [Label, Kind, PerMsg(U), PerMsg(Sy), W / Msgs])
     || {Kind, U, Sy, W} <- Kinds].

%% Per thread of this OS process: {Tid, Name, UserTicks, SystemTicks, WakeUps}.
threads() ->
    Dir = "/proc/" ++ os:getpid() ++ "/task/",
    {ok, Tids} = file:list_dir(Dir),
    lists:filtermap(fun(Tid) -> thread(Dir ++ Tid, Tid) end, Tids).

thread(Dir, Tid) ->
    case {file:read_file(Dir ++ "/comm"), gen_sctp_bench:stat_times(Dir ++ "/stat"),
          file:read_file(Dir ++ "/status")} of
        {{ok, Name}, {ok, {U, S}}, {ok, Status}} ->
            {true, {Tid, string:trim(Name), U, S, wake_ups(Status)}};
        _ ->
            false       % the thread ended meanwhile
    end.

wake_ups(Status) ->
    {match, [N]} = re:run(Status, "^voluntary_ctxt_switches:\\s*([0-9]+)",
                          [multiline, {capture, all_but_first, binary}]),
    binary_to_integer(N).

by_kind(T0, T1) ->
    Before = maps:from_list([{Tid, {U, S, W}} || {Tid, _, U, S, W} <- T0]),
    Sums = lists:foldl(
             fun({Tid, Name, U, S, W}, Acc) ->
                     {U0, S0, W0} = maps:get(Tid, Before, {0, 0, 0}),
                     {AU, AS, AW} = maps:get(kind(Name), Acc, {0, 0, 0}),
                     Acc#{kind(Name) => {AU + U - U0, AS + S - S0, AW + W - W0}}
             end, #{}, T1),
    [{Kind, U, S, W} || {Kind, {U, S, W}} <- lists:sort(maps:to_list(Sums)), U + S + W > 0].

kind(<<"gen_sctp_poller">>) -> "poller";      % this library's
%% OTP 25 names its threads "1_scheduler" and "0_poller", OTP 29 "erts_sched_1" and
%% "erts_poll_0".
kind(Name) ->
    Patterns = [{"scheduler", "^([0-9]+_scheduler|erts_sched_[0-9]+)$"},
                {"erts poll", "^([0-9]+_poller|erts_poll_[0-9]+)$"}],
    case [Kind || {Kind, P} <- Patterns, re:run(Name, P) =/= nomatch] of
        [Kind] -> Kind;
        [] -> "other"
    end.
