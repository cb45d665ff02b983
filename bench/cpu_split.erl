%% Where a message's CPU time goes: one association on 127.0.0.1 (the plain loopback), or
%% several on sockets of their own (busy pairs), each with a process sending as fast as the
%% socket takes it and one receiving in the given mode, as in bench/gen_sctp_bench.erl.
%% Over the window it reads each thread's user and system time from /proc and prints them
%% per message, summed by the thread's kind (schedulers,
%% this library's poller, OTP's poll thread, the rest), with how many CPUs
%% the whole process kept busy. The gen_sctp on the code path is measured. Run by
%% bench/cpu-split.
-module(cpu_split).

-export([run/1]).

-include_lib("kernel/include/inet_sctp.hrl").

-define(L, {127, 0, 0, 1}).
-define(BUFFER, 212992).
-define(WARM_UP_MS, 500).

%% run([Label, Size, Mode, Seconds | Pairs]), Mode one of passive, once, true or a count,
%% Pairs the number of busy socket pairs (1 unless given).
-spec run([string()]) -> no_return().
run([Label, Size0, Mode0, Seconds0 | Pairs0]) ->
    [Size, Seconds, Pairs | _] =
        [list_to_integer(A) || A <- [Size0, Seconds0 | Pairs0 ++ ["1"]]],
    Mode = mode(Mode0),
    %% 1: messages received, 2: sends refused with eagain (OTP 25 only; retried at once).
    Counts = counters:new(2, []),
    [busy_pair(Size, Mode, Counts) || _ <- lists:seq(1, Pairs)],
    timer:sleep(?WARM_UP_MS),
    Before = {threads(), counters:get(Counts, 1), counters:get(Counts, 2), now_us()},
    timer:sleep(Seconds * 1000),
    After = {threads(), counters:get(Counts, 1), counters:get(Counts, 2), now_us()},
    report(Label, Size, Mode0, Before, After),
    halt().

%% One association, its sender and its receiver, all counting into `Counts'.
busy_pair(Size, Mode, Counts) ->
    Opts = [binary, {active, false}, {ip, ?L}, {sctp_nodelay, true},
            {recbuf, ?BUFFER}, {sndbuf, ?BUFFER}],
    {ok, S} = gen_sctp:open(0, Opts),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open(0, Opts),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Assoc}} =
        gen_sctp:connect(C, ?L, Port, [], 10000),
    Receiver = spawn_link(fun() -> receiver(S, Mode, Counts) end),
    ok = gen_sctp:controlling_process(S, Receiver),
    Receiver ! go,
    Data = binary:copy(<<"x">>, Size),
    spawn_link(fun() -> sender(C, Assoc, Data, Counts) end).

mode("passive") -> false;
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

sender(C, Assoc, Data, Counts) ->
    case gen_sctp:send(C, Assoc, 0, Data) of
        ok -> ok;
        {error, eagain} -> counters:add(Counts, 2, 1)
    end,
    sender(C, Assoc, Data, Counts).

now_us() ->
    erlang:monotonic_time(microsecond).

report(Label, Size, Mode, {T0, N0, E0, W0}, {T1, N1, E1, W1}) ->
    Msgs = max(1, N1 - N0),
    Kinds = by_kind(T0, T1),
    Total = lists:sum([U + Sy || {_, U, Sy} <- Kinds]),
    UsPerTick = 1.0e6 / gen_sctp_bench:clock_ticks(),
    PerMsg = fun(Ticks) -> round(Ticks * UsPerTick / Msgs) end,
    io:format("~s size=~p mode=~s msgs_per_s=~.1f eagain=~p cpus_busy=~.2f cpu_us_per_msg=~p~n",
              [Label, Size, Mode, Msgs * 1.0e6 / (W1 - W0), E1 - E0,
               Total * UsPerTick / (W1 - W0), PerMsg(Total)]),
    [io:format("~s   ~-10s user ~7w sys ~7w us/msg~n", [Label, Kind, PerMsg(U), PerMsg(Sy)])
     || {Kind, U, Sy} <- Kinds].

%% Per thread of this OS process: {Tid, Name, UserTicks, SystemTicks}.
threads() ->
    Dir = "/proc/" ++ os:getpid() ++ "/task/",
    {ok, Tids} = file:list_dir(Dir),
    lists:filtermap(fun(Tid) -> thread(Dir ++ Tid, Tid) end, Tids).

thread(Dir, Tid) ->
    case {file:read_file(Dir ++ "/comm"), gen_sctp_bench:stat_times(Dir ++ "/stat")} of
        {{ok, Name}, {ok, {U, S}}} -> {true, {Tid, string:trim(Name), U, S}};
        _ -> false      % the thread ended meanwhile
    end.

by_kind(T0, T1) ->
    Before = maps:from_list([{Tid, {U, S}} || {Tid, _, U, S} <- T0]),
    Sums = lists:foldl(
             fun({Tid, Name, U, S}, Acc) ->
                     {U0, S0} = maps:get(Tid, Before, {0, 0}),
                     {AU, AS} = maps:get(kind(Name), Acc, {0, 0}),
                     Acc#{kind(Name) => {AU + U - U0, AS + S - S0}}
             end, #{}, T1),
    [{Kind, U, S} || {Kind, {U, S}} <- lists:sort(maps:to_list(Sums)), U + S > 0].

kind(<<"gen_sctp_poller">>) -> "poller";      % this library's
kind(Name) ->
    case re:run(Name, "^[0-9]+_(scheduler|poller)$", [{capture, all_but_first, list}]) of
        {match, ["scheduler"]} -> "scheduler";
        {match, ["poller"]} -> "erts poll";     % OTP's poll thread, "0_poller"
        nomatch -> "other"
    end.
