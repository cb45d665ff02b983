%% inet:monitor/1 and inet:cancel_monitor/1 on gen_sctp sockets, on a real SCTP kernel
%% over 127.0.0.1. inet hands both to the socket's module, as for OTP's module-based
%% sockets, and the 'DOWN' has their shape: {'DOWN', MRef, socket, S, closed} when the
%% socket closes in any way, {'DOWN', MRef, socket, S, nosock} at once for a socket that
%% is closed already.
%%
%% Every test case checks that no stray message is left in its mailbox.
-module(monitor_SUITE).

-include_lib("common_test/include/ct.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([close_fires_once/1, cancel_then_close/1, owner_exit_fires/1,
         monitor_from_other_process/1, already_closed/1, several_monitors/1,
         watcher_exit_releases_socket/1]).

-import(sctp_test, [async/1, await/2, assert_empty_mailbox/0, poll_until/3,
                    fd_count/0]).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {seconds, 60}}].

all() ->
    [close_fires_once, cancel_then_close, owner_exit_fires, monitor_from_other_process,
     already_closed, several_monitors, watcher_exit_releases_socket].

%%% Helpers

open() ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    S.

down(MRef) ->
    receive
        {'DOWN', MRef, _, _, _} = Down -> Down
    after ?T ->
            ct:fail({no_down, MRef, erlang:process_info(self(), messages)})
    end.

%% No 'DOWN' of MRef is in the mailbox now.
no_down(MRef) ->
    receive
        {'DOWN', MRef, _, _, _} = Down -> ct:fail({unexpected, Down})
    after 0 ->
            ok
    end.

%%% Test cases

%% close/1 fires the monitor once; afterwards the monitor is gone.
close_fires_once(_Config) ->
    S = open(),
    MRef = inet:monitor(S),
    true = is_reference(MRef),
    ok = gen_sctp:close(S),
    {'DOWN', MRef, socket, S, closed} = down(MRef),
    false = inet:cancel_monitor(MRef),
    ok = gen_sctp:close(S),
    assert_empty_mailbox().

%% A cancelled monitor does not fire. Both 'DOWN's of one close are sent together and in
%% the order of the monitors, so once the later monitor's has come, the cancelled one's
%% would be there too.
cancel_then_close(_Config) ->
    S = open(),
    Cancelled = inet:monitor(S),
    Kept = inet:monitor(S),
    true = inet:cancel_monitor(Cancelled),
    false = inet:cancel_monitor(Cancelled),
    ok = gen_sctp:close(S),
    {'DOWN', Kept, socket, S, closed} = down(Kept),
    no_down(Cancelled),
    assert_empty_mailbox().

%% The owner's exit closes the socket, which fires the monitor.
owner_exit_fires(_Config) ->
    Parent = self(),
    {Owner, OwnerRef} =
        spawn_monitor(fun() ->
                              S = open(),
                              Parent ! {socket, S},
                              receive stop -> ok end
                      end),
    S = receive {socket, Sock} -> Sock after ?T -> ct:fail(no_socket) end,
    MRef = inet:monitor(S),
    Owner ! stop,
    {'DOWN', OwnerRef, process, Owner, normal} = down(OwnerRef),
    {'DOWN', MRef, socket, S, closed} = down(MRef),
    {error, closed} = gen_sctp:recv(S, 0),
    assert_empty_mailbox().

%% A process other than the owner monitors; only it gets the 'DOWN', and another process
%% cannot cancel its monitor.
monitor_from_other_process(_Config) ->
    S = open(),
    Parent = self(),
    Watcher = spawn_link(fun() ->
                                 MRef = inet:monitor(S),
                                 Parent ! {monitoring, MRef},
                                 Parent ! {watcher_got, down(MRef)}
                         end),
    MRef = receive {monitoring, M} -> M after ?T -> ct:fail(no_monitor) end,
    false = gen_sctp:cancel_monitor(MRef),
    ok = gen_sctp:close(S),
    receive
        {watcher_got, Down} -> {'DOWN', MRef, socket, S, closed} = Down
    after ?T ->
            ct:fail({watcher_got_nothing, Watcher})
    end,
    no_down(MRef),
    assert_empty_mailbox().

%% A socket closed already: the 'DOWN' comes at once, with nosock, as gen_tcp_socket's.
already_closed(_Config) ->
    S = open(),
    ok = gen_sctp:close(S),
    MRef = inet:monitor(S),
    {'DOWN', MRef, socket, S, nosock} = down(MRef),
    false = inet:cancel_monitor(MRef),
    assert_empty_mailbox().

%% Each call is its own monitor, also from one process; each fires once.
several_monitors(_Config) ->
    S = open(),
    Refs = [inet:monitor(S) || _ <- lists:seq(1, 5)],
    5 = length(lists:usort(Refs)),
    ok = gen_sctp:close(S),
    [{'DOWN', R, socket, S, closed} = down(R) || R <- Refs],
    assert_empty_mailbox().

%% A monitored socket stays open while a process monitors it, even when nothing else
%% references it; when the monitoring process exits, its monitor goes and the socket is
%% released by garbage collection as any other.
watcher_exit_releases_socket(_Config) ->
    Before = fd_count(),
    Holder = async(fun() ->
                           Parent = self(),
                           {Watcher, WatcherRef} =
                               spawn_monitor(fun() ->
                                                     _ = inet:monitor(open_for(Parent)),
                                                     erlang:garbage_collect(),
                                                     Parent ! monitoring,
                                                     receive stop -> ok end
                                             end),
                           receive monitoring -> ok end,
                           erlang:garbage_collect(),
                           Monitored = fd_count(),
                           Watcher ! stop,
                           receive {'DOWN', WatcherRef, process, _, _} -> ok end,
                           {Monitored, released(Before)}
                   end),
    %% Longer than released/1 polls, so that its failure is the one reported.
    {Monitored, Released} = await(Holder, 2 * ?T),
    ct:pal("fds: ~p before, ~p while monitored, ~p at the end", [Before, Monitored, Released]),
    Monitored = Before + 1,
    Before = Released.

%% Opens a socket owned by Owner and hands it over; the caller keeps it.
open_for(Owner) ->
    S = open(),
    ok = gen_sctp:controlling_process(S, Owner),
    S.

%% Collects garbage until the fd count is back at Before (the exited watcher's monitor
%% is removed asynchronously); returns it.
released(Before) ->
    poll_until({fd_count, Before}, fun() -> erlang:garbage_collect(), fd_count() end,
               fun(N) -> N =:= Before end).
