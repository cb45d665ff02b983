%% @private
%% The relay: one process per node that sends on, from a scheduler and back to back, the
%% messages a socket's owner must find together in its mailbox: the message that ended an
%% `{active, N}' count and the `{sctp_passive, S}' after it (native/src/delivery.rs says
%% when the native side hands messages to it). The first `gen_sctp:open/1,2' starts it.
-module(gen_sctp_nif_relay).

-export([ensure/0, flush/0]).
%% Internal: the process itself, exported to be spawned and to take new code.
-export([init/1, loop/0]).

-define(NAME, ?MODULE).
-define(RELAY(Handle, Owner, Messages), {'$gen_sctp_relay', Handle, Owner, Messages}).

%% Starts the relay unless it runs. Two callers may race: one relay registers, and both
%% return once it runs.
-spec ensure() -> ok.
ensure() ->
    case whereis(?NAME) of
        undefined -> start();
        _ -> ok
    end.

start() ->
    {Pid, MRef} = spawn_monitor(?MODULE, init, [self()]),
    receive
        {?NAME, Pid, started} -> erlang:demonitor(MRef, [flush]), ok;
        %% Another caller's relay registered first.
        {'DOWN', MRef, process, Pid, _} -> ok
    end.

%% Returns once the relay has sent on everything handed to it before this call; what it
%% sent to the caller is then in the caller's mailbox.
-spec flush() -> ok.
flush() ->
    case whereis(?NAME) of
        undefined ->
            ok;
        Pid ->
            MRef = erlang:monitor(process, Pid),
            Pid ! {flush, self(), MRef},
            receive
                {MRef, flushed} -> erlang:demonitor(MRef, [flush]), ok;
                {'DOWN', MRef, process, Pid, _} -> ok
            end
    end.

-spec init(pid()) -> ok.
init(Starter) ->
    %% Out of the starter's application: an application that stops kills the processes
    %% whose group leader it is.
    {group_leader, Leader} = erlang:process_info(whereis(init), group_leader),
    group_leader(Leader, self()),
    try register(?NAME, self()) of
        true ->
            ok = gen_sctp_nif:set_relay(self()),
            Starter ! {?NAME, self(), started},
            loop()
    catch
        error:badarg -> ok
    end.

-spec loop() -> ok.
loop() ->
    receive
        ?RELAY(Handle, Owner, Messages) ->
            lists:foreach(fun(Message) -> Owner ! Message end, Messages),
            gen_sctp_nif:relayed(Handle),
            ?MODULE:loop();
        {flush, From, Ref} ->
            From ! {Ref, flushed},
            ?MODULE:loop();
        _ ->
            ?MODULE:loop()
    end.
