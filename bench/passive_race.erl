%% How often `{sctp_passive, S}' is not yet in the mailbox when the message that ended an
%% `{active, 1}' count is taken: each round re-arms `{active, 1}', has a peer send one
%% message, takes it, and looks for the passive message with `receive ... after 0'. The
%% gen_sctp on the code path is measured: OTP's own, or this library's with its ebin
%% first. Run by bench/passive-race.
-module(passive_race).

-export([run/1]).

-include_lib("kernel/include/inet_sctp.hrl").

-define(L, {127, 0, 0, 1}).
-define(T, 10000).

%% run([Rounds]): prints the gen_sctp used, the schedulers, the rounds and the misses.
-spec run([atom()]) -> no_return().
run([Rounds]) ->
    N = list_to_integer(atom_to_list(Rounds)),
    {ok, S} = gen_sctp:open([{ip, ?L}, binary, {active, false}]),
    ok = gen_sctp:listen(S, true),
    {ok, Port} = inet:port(S),
    %% No Nagle wait for the previous message's delayed SACK.
    {ok, C} = gen_sctp:open([{ip, ?L}, binary, {sctp_nodelay, true}]),
    {ok, Assoc} = gen_sctp:connect(C, ?L, Port, []),
    {ok, {_, _, _, #sctp_assoc_change{state = comm_up}}} = gen_sctp:recv(S, ?T),
    Sender = spawn_link(fun() -> sender(C, Assoc) end),
    Misses = rounds(S, Sender, N, 0),
    io:format("~s schedulers=~p rounds=~p misses=~p~n",
              [code:which(gen_sctp), erlang:system_info(schedulers), N, Misses]),
    halt().

sender(C, Assoc) ->
    receive
        next -> ok = gen_sctp:send(C, Assoc, 0, <<"x">>), sender(C, Assoc);
        stop -> ok
    end.

rounds(_S, Sender, 0, Misses) ->
    Sender ! stop,
    Misses;
rounds(S, Sender, N, Misses) ->
    ok = inet:setopts(S, [{active, 1}]),
    Sender ! next,
    receive {sctp, S, _, _, {_, <<"x">>}} -> ok after ?T -> exit(no_data) end,
    Miss = receive {sctp_passive, S} -> 0 after 0 -> 1 end,
    %% A miss still gets its passive message, later.
    Miss =:= 1 andalso receive {sctp_passive, S} -> true after ?T -> exit(no_passive) end,
    rounds(S, Sender, N - 1, Misses + Miss).
