%% Throughput, latency, CPU and memory of whichever gen_sctp is on the code path, OTP's own
%% (kernel) or this library's, or of OTP's `socket' module with SCTP (OTP 29 on). bench/run
%% starts one `erl' per implementation and round; each runs every case over 127.0.0.1 and
%% appends tab-separated result lines (impl, round, case, metric, value) to a file for
%% bench/report.
%%
%% erl -noshell -pa _build/bench -run gen_sctp_bench main Impl Round OutFile
%% Impl is `otp', `nif' or `socket', optionally followed by the OTP release it must run on
%% (`otp29'); the run stops unless `code:which(gen_sctp)' and the release agree.
%% `socket' has no active modes: its one receive mode, `nowait', reads with
%% `socket:recvmsg(S, nowait)' and waits for the select message when nothing is queued.
%% Besides one sender per association, ?SENDERS processes send at once on one socket's one
%% association (`senders/...' cases), as the workers of a server share its socket.
%% BENCH_SECONDS (default 1.5) is each measurement window, BENCH_MAX_ASSOCS (10000) the
%% largest number of associations, BENCH_BUFFER (212992, the usual kernel default) the
%% `recbuf' and `sndbuf' of every socket (`default': each implementation's own; OTP 25's
%% are 1024 and 65536 bytes). BENCH_SIZES and BENCH_MODES (comma-separated) narrow a run.
-module(gen_sctp_bench).

-include_lib("kernel/include/inet_sctp.hrl").

-export([main/1]).
%% For bench/cpu_split.erl.
-export([stat_times/1, clock_ticks/0, server/1, client/3, send_once/4]).

-define(L, {127, 0, 0, 1}).
-define(SIZES, [64, 1024, 4096, 65536]).
-define(MODES, [passive, once, 100, true]).
%% Messages before the measurement window starts.
-define(WARMUP_MS, 300).
%% A receiving socket counts as drained after this long without a message.
-define(QUIET_MS, 200).
%% Processes setting up associations in parallel.
-define(CONNECTORS, 50).
%% Processes sending at once on one socket, and the sizes they send.
-define(SENDERS, 100).
-define(SENDERS_SIZES, [64, 4096]).

main([Impl, Round, Out]) ->
    Result = try
                 run(Impl, Round, Out),
                 0
             catch
                 C:E:St ->
                     io:format(standard_error, "gen_sctp_bench ~s: ~p:~p~n~p~n",
                               [Impl, C, E, St]),
                     1
             end,
    erlang:halt(Result).

run(Impl, Round, Out) ->
    Kind = check_impl(Impl),
    {ok, File} = file:open(Out, [append]),
    Emit = fun(Case, Metric, Value) ->
                   io:format(File, "~s\t~s\t~s\t~s\t~p~n", [Impl, Round, Case, Metric, Value]),
                   io:format("~s ~s ~s ~s ~p~n", [Impl, Round, Case, Metric, Value])
           end,
    Window = round(env_float("BENCH_SECONDS", 1.5) * 1000),
    MaxAssocs = env_int("BENCH_MAX_ASSOCS", 10000),
    {Server, Port} = server(Kind),
    Base = memory_sample(),
    [Client] = clients(Kind, Port, 1),
    [throughput(Emit, Server, [Client], Size, Mode, Window)
     || Size <- env_list("BENCH_SIZES", ?SIZES), Mode <- modes(Kind)],
    [concurrent_senders(Emit, Server, Client, ?SENDERS, Size, receive_mode(Kind), Window)
     || Size <- ?SENDERS_SIZES],
    latency(Emit, Server, Client, Window),
    Steps = [N || N <- [1000, 10000], N =< MaxAssocs],
    lists:foldl(fun(N, Have) ->
                        More = clients(Kind, Port, N - length(Have)),
                        All = Have ++ More,
                        memory(Emit, N, Base, length(All)),
                        [throughput(Emit, Server, All, 64, Mode, Window)
                         || Mode <- modes_at(Kind, N)],
                        All
                end, [Client], Steps),
    %% bench/report counts a round only once every run of it got here.
    Emit("done", "ok", 1),
    file:close(File).

modes(socket) -> [nowait];
modes(_) -> env_list("BENCH_MODES", ?MODES).

%% How the concurrent senders' messages are received: as a passive `recv' would.
receive_mode(socket) -> nowait;
receive_mode(gen_sctp) -> passive.

%% With 1 000 associations every receive mode; with 10 000 the per-message cost only.
modes_at(socket, _) -> [nowait];
modes_at(_, 1000) -> modes(gen_sctp);
modes_at(_, _) -> [passive, true].

%% What the run measures: `gen_sctp' (whichever is on the code path) or `socket'.
check_impl(Impl) ->
    {Name, Release} = lists:splitwith(fun(C) -> C < $0 orelse C > $9 end, Impl),
    case Release =:= "" orelse Release =:= erlang:system_info(otp_release) of
        true -> ok;
        false -> erlang:error({wrong_release, Impl, erlang:system_info(otp_release)})
    end,
    Which = code:which(gen_sctp),
    Kernel = filename:join([code:lib_dir(kernel), "ebin", "gen_sctp.beam"]),
    case {Name, Which =:= Kernel} of
        {"otp", true} -> gen_sctp;
        {"nif", false} when is_list(Which) ->
            true = lists:suffix("gen_sctp_nif/ebin/gen_sctp.beam", Which),
            gen_sctp;
        {"socket", true} ->
            true = socket:is_supported(sctp),
            socket;
        _ -> erlang:error({wrong_gen_sctp, Impl, Which})
    end.

env_list(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        "" -> Default;
        V -> [case string:to_integer(X) of
                  {I, ""} -> I;
                  _ -> list_to_atom(X)
              end || X <- string:lexemes(V, ",")]
    end.

socket_opts() ->
    Buffers = case buffer() of
                  default -> [];
                  B -> [{recbuf, B}, {sndbuf, B}]
              end,
    [{ip, ?L}, {active, false}, {sctp_nodelay, true} | Buffers].

buffer() ->
    case os:getenv("BENCH_BUFFER") of
        "default" -> default;
        V when V =:= false; V =:= "" -> 212992;
        V -> list_to_integer(V)
    end.

env_float(Name, Default) ->
    case os:getenv(Name) of
        V when V =:= false; V =:= "" -> Default;
        V -> try list_to_float(V) catch error:badarg -> float(list_to_integer(V)) end
    end.

env_int(Name, Default) ->
    case os:getenv(Name) of
        false -> Default;
        "" -> Default;
        V -> list_to_integer(V)
    end.

%%% Sockets

%% The receiving one-to-many socket. Association events are off: with thousands of
%% associations they would be most of what it reads.
%% A `socket' socket is wrapped as {socket, S}: every function below that sends or
%% receives matches on that.
server(gen_sctp) ->
    Events = #sctp_event_subscribe{association_event = false},
    {ok, S} = gen_sctp:open([{sctp_events, Events} | socket_opts()]),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {S, Port};
server(socket) ->
    S = socket_open(false),
    {ok, #{port := Port}} = socket:sockname(S),
    ok = socket:listen(S),
    {{socket, S}, Port}.

%% A one-to-many `socket' socket on 127.0.0.1 set up as gen_sctp's are: the same buffers,
%% nodelay, and what gen_sctp subscribes to by default (the `#sctp_sndrcvinfo{}' of each
%% message, the events of the RFC 6458 structure's first seven fields), association events
%% only if asked. Its own receive buffer holds the largest message of the run whole.
socket_open(AssocEvents) ->
    {ok, S} = socket:open(inet, seqpacket, sctp),
    ok = socket:bind(S, #{family => inet, addr => ?L, port => 0}),
    Buffers = case buffer() of
                  default -> [];
                  B -> [{{socket, rcvbuf}, B}, {{socket, sndbuf}, B}]
              end,
    Events = #{data_io => true, association => AssocEvents, address => true,
               send_failure => true, peer_error => true, shutdown => true,
               partial_delivery => true, adaptation_layer => false, sender_dry => false,
               stream_reset => false, assoc_reset => false, stream_change => false},
    [ok = socket:setopt(S, Opt, Value)
     || {Opt, Value} <- [{{sctp, nodelay}, true}, {{sctp, events}, Events},
                         {{otp, rcvbuf}, lists:max(?SIZES)} | Buffers]],
    S.

%% N sending sockets, one association each, set up by up to ?CONNECTORS processes at a
%% time; each socket is handed back to the caller.
clients(Kind, Port, N) ->
    Parent = self(),
    Counts = [N div ?CONNECTORS + min(1, max(0, N rem ?CONNECTORS - I))
              || I <- lists:seq(0, ?CONNECTORS - 1)],
    Pids = [spawn_link(fun() ->
                               Parent ! {clients, self(), clients(Kind, Parent, Port, K, [])}
                       end)
            || K <- Counts, K > 0],
    lists:append([receive {clients, Pid, Cs} -> Cs end || Pid <- Pids]).

clients(_Kind, _Parent, _Port, 0, Acc) ->
    Acc;
clients(Kind, Parent, Port, K, Acc) ->
    clients(Kind, Parent, Port, K - 1, [client(Kind, Parent, Port) | Acc]).

client(gen_sctp, Parent, Port) ->
    {ok, C} = gen_sctp:open(socket_opts()),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
        gen_sctp:connect(C, ?L, Port, [], 60000),
    ok = gen_sctp:controlling_process(C, Parent),
    {C, Id};
client(socket, Parent, Port) ->
    %% connect/3 may return before the association is up: its COMM_UP says when it is.
    C = socket_open(true),
    ok = socket:connect(C, #{family => inet, addr => ?L, port => Port}, 60000),
    Id = await_comm_up(C),
    ok = socket:setopt(C, {otp, controlling_process}, Parent),
    {{socket, C}, Id}.

await_comm_up(C) ->
    case socket:recvmsg(C, 60000) of
        {ok, #{notification := #{type := assoc_change, state := comm_up, assoc_id := Id}}} ->
            Id;
        {ok, #{notification := _}} ->
            await_comm_up(C)
    end.

%%% Throughput

%% One sender process sends `Size'-byte messages round-robin over the clients' associations
%% as fast as the sockets take them; the calling process receives them in `Mode' and counts
%% what arrives within the window, and the CPU time the whole OS process used meanwhile.
throughput(Emit, Server, Clients, Size, Mode, Window) ->
    Case = io_lib:format("tput/~b/~b/~s", [length(Clients), Size, mode_name(Mode)]),
    measure(Emit, Case, Server, [Clients], Size, Mode, Window).

%% `N' sender processes at once, all on the one association of `Client'.
concurrent_senders(Emit, Server, Client, N, Size, Mode, Window) ->
    Case = io_lib:format("senders/~b/~b/~s", [N, Size, mode_name(Mode)]),
    measure(Emit, Case, Server, lists:duplicate(N, [Client]), Size, Mode, Window).

%% One sender process per list of clients, each as throughput/6's one.
measure(Emit, Case, Server, SenderClients, Size, Mode, Window) ->
    Parent = self(),
    Bin = binary:copy(<<$x>>, Size),
    Senders = [spawn_link(fun() -> sender(Parent, Clients, Bin) end)
               || Clients <- SenderClients],
    set_mode(Server, Mode),
    Deadline = now_ms() + ?WARMUP_MS,
    _ = receive_until(Server, Mode, Deadline, 0),
    Dropped0 = chunks_dropped(),
    Cpu0 = cpu_us(),
    T0 = now_ms(),
    N = receive_until(Server, Mode, T0 + Window, 0),
    T1 = now_ms(),
    Cpu1 = cpu_us(),
    Dropped1 = chunks_dropped(),
    set_mode(Server, passive),
    [begin unlink(Sender), Sender ! {stop, self()} end || Sender <- Senders],
    {Sent, Eagain} = lists:foldl(fun(Sender, {S0, E0}) ->
                                         {S1, E1} = stop_sender(Server, Sender),
                                         {S0 + S1, E0 + E1}
                                 end, {0, 0}, Senders),
    drain(Server),
    Emit(Case, "msgs_per_s", round(N * 1000 / (T1 - T0))),
    Emit(Case, "cpu_us_per_msg", round_to(Cpu1 - Cpu0, max(N, 1))),
    Emit(Case, "eagain", Eagain),
    Emit(Case, "chunks_dropped", Dropped1 - Dropped0),
    Emit(Case, "sent_total", Sent),
    Emit(Case, "socket_errors", errors()),
    erase(errors).

round_to(A, B) -> round(A * 100 / B) / 100.

mode_name(N) when is_integer(N) -> integer_to_list(N);
mode_name(Mode) -> atom_to_list(Mode).

set_mode({socket, _}, nowait) -> ok;
set_mode({socket, _}, passive) -> ok;
set_mode(S, passive) -> ok = inet:setopts(S, [{active, false}]);
set_mode(S, Mode) -> ok = inet:setopts(S, [{active, Mode}]).

%% OTP's gen_sctp before 26.2.5 answers `{error, eagain}' when the send buffer is full:
%% the sender retries and counts those. This library, later releases' gen_sctp and
%% `socket:sendmsg/2' wait for room instead, and the stop message waits with them.
sender(Parent, Clients, Bin) ->
    sender(Parent, Clients, [], Bin, 0, 0).

sender(Parent, [], Done, Bin, Sent, Eagain) ->
    sender(Parent, lists:reverse(Done), [], Bin, Sent, Eagain);
sender(Parent, [{C, Id} = Client | Rest], Done, Bin, Sent, Eagain) ->
    receive
        {stop, Parent} -> Parent ! {sent, self(), Sent, Eagain}
    after 0 ->
            case send_once(C, Id, 0, Bin) of
                ok ->
                    sender(Parent, Rest, [Client | Done], Bin, Sent + 1, Eagain);
                {error, eagain} ->
                    erlang:yield(),
                    sender(Parent, [Client | Rest], Done, Bin, Sent, Eagain + 1)
            end
    end.

%% A send that retries OTP's `{error, eagain}'.
send(S, Id, Stream, Bin) ->
    case send_once(S, Id, Stream, Bin) of
        {error, eagain} ->
            erlang:yield(),
            send(S, Id, Stream, Bin);
        Result ->
            Result
    end.

send_once({socket, S}, Id, Stream, Bin) ->
    socket:sendmsg(S, #{iov => [Bin],
                        ctrl => [#{level => sctp, type => sndrcv,
                                   value => #{assoc_id => Id, stream => Stream}}]});
send_once(S, Id, Stream, Bin) ->
    gen_sctp:send(S, Id, Stream, Bin).

receive_until(S, Mode, Deadline, N) ->
    case now_ms() >= Deadline of
        true -> N;
        false -> receive_until(S, Mode, Deadline, N + receive_one(S, Mode))
    end.

%% One `socket' read; when nothing is queued, the wait for the select message, which the
%% deadline check cuts short after 100 ms.
receive_one({socket, S}, nowait) ->
    case socket:recvmsg(S, nowait) of
        {ok, Msg} ->
            socket_data(Msg);
        {select, {select_info, _, Ref} = Info} ->
            receive
                {'$socket', S, select, Ref} -> 0
            after 100 ->
                    _ = socket:cancel(S, Info),
                    receive {'$socket', S, select, Ref} -> 0 after 0 -> 0 end
            end;
        {error, Reason} ->
            error_seen(Reason)
    end;
receive_one(S, passive) ->
    case gen_sctp:recv(S, 100) of
        {ok, {_, _, _, Data}} when is_binary(Data) -> 1;
        {ok, _Event} -> 0;
        {error, timeout} -> 0;
        {error, Reason} -> error_seen(Reason)
    end;
receive_one(S, Mode) ->
    receive
        {sctp, S, _, _, {_, Data}} when is_binary(Data) ->
            again(S, Mode),
            1;
        {sctp, S, _, _, _} ->
            again(S, Mode),
            0;
        {sctp_passive, S} ->
            ok = inet:setopts(S, [{active, Mode}]),
            0;
        {sctp_error, S, Reason} ->
            %% A socket error turns the socket passive: carry on as an application would.
            ok = inet:setopts(S, [{active, Mode}]),
            error_seen(Reason)
    after 100 ->
            0
    end.

%% Errors the receiving socket reported during a case, counted in the process dictionary.
error_seen(Reason) ->
    case get(errors) of
        undefined -> io:format(standard_error, "gen_sctp_bench: socket error ~p~n", [Reason]);
        _ -> ok
    end,
    put(errors, errors() + 1),
    0.

errors() ->
    case get(errors) of
        undefined -> 0;
        N -> N
    end.

%% 1 for the last piece of a data message (the whole of one, with the receive buffer as
%% large as the largest message), 0 for the rest and for events.
socket_data(#{notification := _}) -> 0;
socket_data(#{flags := Flags}) ->
    case lists:member(eor, Flags) of
        true -> 1;
        false -> 0
    end.

again(S, once) -> ok = inet:setopts(S, [{active, once}]);
again(_S, _) -> ok.

%% A passive read with a timeout: `{ok, _}' or `{error, _}'.
recv({socket, S}, Timeout) -> socket:recvmsg(S, Timeout);
recv(S, Timeout) -> gen_sctp:recv(S, Timeout).

%% Keeps reading while the sender stops: it may be waiting for room.
stop_sender(S, Sender) ->
    receive
        {sent, Sender, Sent, Eagain} -> {Sent, Eagain};
        {sctp, S, _, _, _} -> stop_sender(S, Sender);
        {sctp_passive, S} -> stop_sender(S, Sender)
    after 0 ->
            _ = recv(S, 10),
            stop_sender(S, Sender)
    end.

%% Reads and drops what is still queued or in flight, then waits for quiet.
drain(S) ->
    receive
        {sctp, S, _, _, _} -> drain(S);
        {sctp_passive, S} -> drain(S)
    after 0 ->
            case recv(S, ?QUIET_MS) of
                {ok, _} -> drain(S);
                {error, timeout} -> ok
            end
    end.

%%% Latency

%% Ping-pong of 64-byte messages on one association, both ends passive: the echo process
%% sends each message back on the association it came from.
latency(Emit, Server, {C, Id}, Window) ->
    Echo = spawn_link(fun() -> echo(Server) end),
    ok = controlling_process(Server, Echo),
    Bin = binary:copy(<<$x>>, 64),
    _ = ping(C, Id, Bin, now_ms() + ?WARMUP_MS, []),
    Samples = lists:sort(ping(C, Id, Bin, now_ms() + Window, [])),
    unlink(Echo),
    Echo ! {stop, self()},
    receive {stopped, Echo} -> ok end,
    Emit("latency/1/64", "p50_us", percentile(Samples, 50)),
    Emit("latency/1/64", "p99_us", percentile(Samples, 99)),
    Emit("latency/1/64", "round_trips", length(Samples)).

ping(C, Id, Bin, Deadline, Acc) ->
    T0 = erlang:monotonic_time(microsecond),
    case T0 >= Deadline * 1000 of
        true ->
            Acc;
        false ->
            ok = send(C, Id, 0, Bin),
            ok = await_echo(C, Bin),
            ping(C, Id, Bin, Deadline, [erlang:monotonic_time(microsecond) - T0 | Acc])
    end.

%% Messages of an earlier case that reached the echo process late come back first: skipped.
await_echo(C, Bin) ->
    case recv(C, 5000) of
        {ok, {_, _, _, Bin}} -> ok;
        {ok, #{iov := Iov}} when is_list(Iov) ->
            case iolist_to_binary(Iov) of
                Bin -> ok;
                _ -> await_echo(C, Bin)
            end;
        {ok, _} -> await_echo(C, Bin)
    end.

%% `socket' echoes to the address the message came from: the kernel finds the association.
echo(S) ->
    case recv(S, 50) of
        {ok, {_, _, [#sctp_sndrcvinfo{assoc_id = Id, stream = Stream}], Data}} ->
            ok = send(S, Id, Stream, Data),
            echo(S);
        {ok, #{addr := Addr, iov := Iov}} ->
            {socket, Sock} = S,
            ok = socket:sendmsg(Sock, #{addr => Addr, iov => Iov}),
            echo(S);
        {error, timeout} ->
            receive
                {stop, Parent} ->
                    ok = controlling_process(S, Parent),
                    Parent ! {stopped, self()}
            after 0 ->
                    echo(S)
            end
    end.

controlling_process({socket, S}, Pid) -> socket:setopt(S, {otp, controlling_process}, Pid);
controlling_process(S, Pid) -> gen_sctp:controlling_process(S, Pid).

percentile(Sorted, P) ->
    lists:nth(max(1, min(length(Sorted), round(length(Sorted) * P / 100))), Sorted).

%%% Memory

%% Memory per idle association: how much BEAM memory (`erlang:memory(total)') and the OS
%% process's RSS grew from before the first association, per association. Each association
%% has its own sending socket, so this counts a socket and an association.
memory(Emit, Case, {Beam0, Rss0}, N) ->
    garbage_collect(),
    timer:sleep(500),
    {Beam, Rss} = memory_sample(),
    Name = io_lib:format("memory/~b", [Case]),
    Emit(Name, "beam_bytes_per_assoc", round((Beam - Beam0) / N)),
    Emit(Name, "rss_bytes_per_assoc", round((Rss - Rss0) / N)).

memory_sample() ->
    [garbage_collect(P) || P <- processes()],
    {erlang:memory(total), rss_bytes()}.

rss_bytes() ->
    {ok, Status} = file:read_file("/proc/self/status"),
    [_, Rest] = binary:split(Status, <<"VmRSS:">>),
    [Kb | _] = string:lexemes(Rest, " \t\n"),
    binary_to_integer(Kb) * 1024.

%% DATA chunks the kernel dropped on arrival in this network namespace (the run has it
%% to itself): each costs the sender a retransmission, after a timeout of a second or more
%% unless fast retransmit catches it.
chunks_dropped() ->
    {ok, Snmp} = file:read_file("/proc/net/sctp/snmp"),
    [_, Rest] = binary:split(Snmp, <<"SctpInDataChunkDiscards">>),
    [N | _] = string:lexemes(Rest, " \t\n"),
    binary_to_integer(N).

%% User plus system CPU time of the whole OS process (every thread), in microseconds.
cpu_us() ->
    {ok, {Utime, Stime}} = stat_times("/proc/self/stat"),
    (Utime + Stime) * 1000000 div clock_ticks().

%% The user and system time, in clock ticks, of a process's or a thread's /proc stat file.
-spec stat_times(file:name()) -> {ok, {non_neg_integer(), non_neg_integer()}} | {error, term()}.
stat_times(Path) ->
    case file:read_file(Path) of
        {ok, Stat} ->
            %% The command name may hold spaces; the fields after it are plain.
            [_, Rest] = binary:split(Stat, <<") ">>),
            Fields = binary:split(Rest, <<" ">>, [global]),
            {ok, {binary_to_integer(lists:nth(12, Fields)),
                  binary_to_integer(lists:nth(13, Fields))}};
        {error, _} = Error ->
            Error
    end.

-spec clock_ticks() -> pos_integer().
clock_ticks() ->
    case persistent_term:get({?MODULE, ticks}, undefined) of
        undefined ->
            T = list_to_integer(string:trim(os:cmd("getconf CLK_TCK"))),
            persistent_term:put({?MODULE, ticks}, T),
            T;
        T ->
            T
    end.

now_ms() -> erlang:monotonic_time(millisecond).
