%% RFC 6458's send infos on a kernel SCTP stack: gen_sctp:send/3 with a list of
%% #sctp_sndinfo{}, #sctp_prinfo{} and #sctp_authinfo{}, the sctp_default_sndinfo
%% option and how send/4 follows it, and PR-SCTP per message (RFC 3758).
%%
%% The PR-SCTP cases block the path for good while the messages are sent: every
%% packet to the server's address, 127.0.0.2, is dropped by a blackhole route, so
%% nothing sent can arrive until the case lifts it. The messages are abandoned by
%% their policy at a retransmission timeout; the case waits for the association's
%% counter of abandoned messages to say so, lifts the block, and a message sent then
%% with no policy must be the first data the receiver sees, and a second one the
%% next: the abandoned ones never arrive, before (the stream is ordered) or after
%% (the receiver's cumulative TSN is past them). One case has a receiver running
%% OTP's own gen_sctp, in a peer node. ttl_abandoned_netem makes the path lossy
%% instead: both ends in a network namespace whose loopback has a netem qdisc that
%% loses every packet until the case removes it. prio_abandoned needs no blocked
%% path: the peer's receive window is closed. They need root (the route, the
%% namespace, the sysctl), as in the test VM.
-module(send_info_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_testcase/2, end_per_testcase/2]).
-export([sndinfo_fields/1, authinfo_passes_through/1, full_buffer/1,
         default_sndinfo_option/1, ttl_abandoned/1, rtx_abandoned/1,
         ttl_abandoned_otp_receiver/1, default_prinfo_send4/1, ttl_abandoned_netem/1,
         prio_abandoned/1]).

-import(sctp_test, [pair/1, recv_data/2, poll_until/3, poll_until/4]).

%% Messages abandoned per PR-SCTP case.
-define(ABANDONED, 5).

%% The network namespace of ttl_abandoned_netem.
-define(NETEM_NS, "gs_lossy").
-define(IN_NETEM_NS(Cmd), "ip netns exec " ?NETEM_NS " " Cmd).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 3}}].

all() ->
    [sndinfo_fields, authinfo_passes_through, full_buffer, default_sndinfo_option,
     ttl_abandoned, rtx_abandoned, ttl_abandoned_otp_receiver, default_prinfo_send4,
     ttl_abandoned_netem, prio_abandoned].

pr_case(Case) ->
    lists:member(Case, [ttl_abandoned, rtx_abandoned, ttl_abandoned_otp_receiver,
                        default_prinfo_send4, ttl_abandoned_netem, prio_abandoned]).

init_per_testcase(Case, Config) ->
    case pr_case(Case) of
        true ->
            case os:cmd("id -u") of
                "0\n" ->
                    _ = os:cmd(?UNBLACKHOLE_L2),
                    ok = netem_ns(Case),
                    [{saved_prsctp, sctp_test:set_sysctl("prsctp_enable", "1")} | Config];
                _ ->
                    {skip, "needs root for a blackhole route or a namespace (runs in the "
                           "test VM)"}
            end;
        false ->
            Config
    end.

end_per_testcase(Case, Config) ->
    case pr_case(Case) of
        true ->
            _ = os:cmd(?UNBLACKHOLE_L2),
            _ = os:cmd("ip netns del " ?NETEM_NS),
            _ = sctp_test:set_sysctl("prsctp_enable", ?config(saved_prsctp, Config)),
            ok;
        false ->
            ok
    end.

%% ttl_abandoned_netem's namespace, with its loopback up; a failure fails the case. The
%% VM has loaded netem (tools/with-sctp-kernel); a root that another OTP release runs in
%% has no modules of its own to load.
netem_ns(ttl_abandoned_netem) ->
    _ = os:cmd("ip netns del " ?NETEM_NS),
    Cmds = ["ip netns add " ?NETEM_NS,
            ?IN_NETEM_NS("ip link set lo up")],
    _ = [{Cmd, ""} = {Cmd, os:cmd(Cmd ++ " 2>&1")} || Cmd <- Cmds],
    ok;
netem_ns(_Case) ->
    ok.

%%% Send infos

%% Each field of #sctp_sndinfo{} reaches the receiver; a #sctp_prinfo{} with policy
%% none beside it changes nothing.
sndinfo_fields(_Config) ->
    #{s := S, c := C, ca := #sctp_assoc_change{assoc_id = CId},
      sa := #sctp_assoc_change{assoc_id = SId}} = pair([]),
    ok = gen_sctp:send(C, [#sctp_sndinfo{sid = 3, ppid = 42, context = 7, assoc_id = CId}],
                       <<"one">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 3, ppid = 42, assoc_id = SId, flags = F1}], <<"one">>} =
        recv_data(S, paddr),
    false = lists:member(unordered, F1),
    ok = gen_sctp:send(C, [#sctp_prinfo{}, #sctp_sndinfo{sid = 1, flags = [unordered],
                                                         ppid = 16#ffffffff,
                                                         assoc_id = CId}],
                       [<<"tw">>, $o]),
    {?L, _, [#sctp_sndrcvinfo{stream = 1, ppid = 16#ffffffff, flags = F2}], <<"two">>} =
        recv_data(S, paddr),
    true = lists:member(unordered, F2),
    %% A stream the association does not have.
    {error, einval} = gen_sctp:send(C, [#sctp_sndinfo{sid = ?STREAMS, assoc_id = CId}], <<"x">>),
    close_all([C, S]).

%% #sctp_authinfo{} goes to the kernel as SCTP_AUTHINFO, which takes it (no key is
%% needed while the association authenticates no DATA).
authinfo_passes_through(_Config) ->
    #{s := S, c := C, ca := #sctp_assoc_change{assoc_id = CId}} = pair([]),
    ok = gen_sctp:send(C, [#sctp_sndinfo{sid = 2, assoc_id = CId}, #sctp_authinfo{keynumber = 0},
                           #sctp_prinfo{policy = ttl, value = 60000}],
                       <<"signed">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 2}], <<"signed">>} = recv_data(S, paddr),
    close_all([C, S]).

%% A full send buffer: the list form waits for send_timeout, and non_block_send gives
%% eagain, as send/3 with #sctp_sndrcvinfo{} does.
full_buffer(_Config) ->
    #{s := S, c := C, ca := #sctp_assoc_change{assoc_id = CId}, last := Last} =
        sctp_test:full_pair(200),
    %% As large as the message that found no room.
    Data = sctp_test:numbered(Last + 1),
    Info = [#sctp_sndinfo{assoc_id = CId}, #sctp_prinfo{policy = rtx, value = 3}],
    {error, timeout} = gen_sctp:send(C, Info, Data),
    ok = inet:setopts(C, [{non_block_send, true}]),
    {error, eagain} = gen_sctp:send(C, Info, Data),
    close_all([C, S]).

%% sctp_default_sndinfo sets and reads the kernel's defaults that sctp_default_send_param
%% sets too; send/4 sends with them as the last set of either left them.
default_sndinfo_option(_Config) ->
    #{s := S, c := C, ca := #sctp_assoc_change{assoc_id = CId} = CA} = pair([]),
    %% The endpoint's, with the bare name.
    ok = inet:setopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{ppid = 5, context = 6}}]),
    {ok, [{sctp_default_sndinfo, #sctp_sndinfo{sid = 0, ppid = 5, context = 6, flags = [],
                                               assoc_id = 0}}]} =
        inet:getopts(C, [sctp_default_sndinfo]),
    %% The association's.
    ok = inet:setopts(C, [{sctp_default_sndinfo,
                           #sctp_sndinfo{assoc_id = CId, sid = 2, ppid = 77, context = 9,
                                         flags = [unordered]}}]),
    {ok, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, sid = 2, ppid = 77,
                                               context = 9, flags = [unordered]}}]} =
        inet:getopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId}}]),
    {ok, [{sctp_default_send_param, #sctp_sndrcvinfo{assoc_id = CId, stream = 2, ppid = 77,
                                                     context = 9, flags = [unordered]}}]} =
        inet:getopts(C, [{sctp_default_send_param, #sctp_sndrcvinfo{assoc_id = CId}}]),
    ok = gen_sctp:send(C, CA, 1, <<"a">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1, ppid = 77, flags = Fa}], <<"a">>} =
        recv_data(S, paddr),
    true = lists:member(unordered, Fa),
    %% sctp_default_send_param over it; the fields left undefined keep their values.
    ok = inet:setopts(C, [{sctp_default_send_param,
                           #sctp_sndrcvinfo{assoc_id = CId, ppid = 88, flags = []}}]),
    {ok, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, sid = 2, ppid = 88,
                                               context = 9, flags = []}}]} =
        inet:getopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId}}]),
    ok = gen_sctp:send(C, CA, 1, <<"b">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 1, ppid = 88}], <<"b">>} = recv_data(S, paddr),
    %% And sctp_default_sndinfo over that: send/4 follows it.
    ok = inet:setopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, ppid = 99}}]),
    ok = gen_sctp:send(C, CA, 0, <<"c">>),
    {?L, _, [#sctp_sndrcvinfo{stream = 0, ppid = 99}], <<"c">>} = recv_data(S, paddr),
    %% A malformed record changes nothing.
    {error, einval} =
        inet:setopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, sid = -1}}]),
    {error, einval} =
        inet:setopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, flags = [x]}}]),
    {ok, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId, sid = 2, ppid = 99}}]} =
        inet:getopts(C, [{sctp_default_sndinfo, #sctp_sndinfo{assoc_id = CId}}]),
    close_all([C, S]).

%%% PR-SCTP

%% Messages with a 100 ms time to live, sent while the path is blocked, are
%% abandoned (sent or unsent) and never arrive.
ttl_abandoned(_Config) ->
    abandoned_on_blocked_path(#sctp_prinfo{policy = ttl, value = 100}).

%% Messages that may not be retransmitted are abandoned at their first
%% retransmission timeout.
rtx_abandoned(_Config) ->
    abandoned_on_blocked_path(#sctp_prinfo{policy = rtx, value = 0}).

abandoned_on_blocked_path(PrInfo) ->
    abandoned_on(blackhole, PrInfo).

%% The messages sent with PrInfo on a Path (blackhole or netem) are abandoned and
%% counted, and the two sent after it is clear arrive, in order.
abandoned_on(Path, #sctp_prinfo{policy = Policy} = PrInfo) ->
    {Opts, SAddr, _, _} = path(Path),
    {S, SPort} = sctp_test:server(SAddr, Opts),
    {C, #sctp_assoc_change{assoc_id = CId}} = client(Opts, SAddr, SPort),
    {?L, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    abandon(Path, C, CId, PrInfo),
    ok = gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}], <<"after">>),
    {?L, _, _, <<"after">>} = recv_data(S, paddr),
    ok = gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}], <<"last">>),
    {?L, _, _, <<"last">>} = recv_data(S, paddr),
    {?ABANDONED, ?ABANDONED} = {abandoned(C, CId, Policy), abandoned(C, CId, all)},
    close_all([C, S]).

%% As ttl_abandoned on a lossy path made by netem in a network namespace: loopback
%% loses every packet while the messages are sent.
ttl_abandoned_netem(_Config) ->
    abandoned_on(netem, #sctp_prinfo{policy = ttl, value = 100}).

%% As ttl_abandoned, with OTP's gen_sctp receiving.
ttl_abandoned_otp_receiver(_Config) ->
    {ok, Peer, _} = peer:start_link(#{connection => standard_io,
                                      env => [{"ERL_LIBS", false}], wait_boot => ?LONG}),
    try
        Kernel = peer:call(Peer, code, lib_dir, [kernel], ?T),
        true = lists:prefix(Kernel, peer:call(Peer, code, which, [gen_sctp], ?T)),
        SPort = peer_eval(Peer,
                          "Parent = self(),"
                          "Rx = spawn(fun() ->"
                          "    {ok, S} = gen_sctp:open([{ip, {127, 0, 0, 2}}, {active, false},"
                          "                             binary]),"
                          "    ok = gen_sctp:listen(S, true),"
                          "    {ok, P} = inet:port(S), Parent ! {port, P},"
                          "    Next = fun Next() ->"
                          "        case gen_sctp:recv(S, 30000) of"
                          "            {ok, {_, _, _, D}} when is_binary(D) -> D;"
                          "            {ok, _Event} -> Next();"
                          "            Other -> Other"
                          "        end end,"
                          "    Serve = fun Serve() ->"
                          "        receive {next, From} -> From ! {data, Next()}, Serve() end"
                          "        end,"
                          "    Serve() end),"
                          "register(prsctp_rx, Rx),"
                          "receive {port, P} -> P end."),
        {C, #sctp_assoc_change{assoc_id = CId}} = client([], ?L2, SPort),
        abandon(blackhole, C, CId, #sctp_prinfo{policy = ttl, value = 100}),
        Next = "prsctp_rx ! {next, self()}, receive {data, D} -> D end.",
        ok = gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}], <<"after">>),
        <<"after">> = peer_eval(Peer, Next),
        ok = gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}], <<"last">>),
        <<"last">> = peer_eval(Peer, Next),
        ?ABANDONED = abandoned(C, CId, ttl),
        ok = gen_sctp:close(C)
    after
        peer:stop(Peer)
    end.

%% sctp_default_prinfo gives send/4's messages their policy: send/4 sends with the
%% library's copy of the default send parameters, which setting the option refreshes.
default_prinfo_send4(_Config) ->
    {S, SPort} = sctp_test:server(?L2, []),
    {C, #sctp_assoc_change{assoc_id = CId} = CA} = client([], ?L2, SPort),
    {?L, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    Ttl = #sctp_default_prinfo{assoc_id = CId, policy = ttl, value = 100},
    ok = inet:setopts(C, [{sctp_default_prinfo, Ttl}]),
    abandon(blackhole, C, CId, ttl, fun(Data) -> gen_sctp:send(C, CA, 0, Data) end),
    NoPolicy = #sctp_default_prinfo{assoc_id = CId, policy = none, value = 0},
    ok = inet:setopts(C, [{sctp_default_prinfo, NoPolicy}]),
    ok = gen_sctp:send(C, CA, 0, <<"after">>),
    {?L, _, _, <<"after">>} = recv_data(S, paddr),
    ?ABANDONED = abandoned(C, CId, ttl),
    close_all([C, S]).

%% PR-SCTP's priority policy (RFC 7496 section 4): a message that finds the send
%% buffer full abandons queued messages of lower priority (a greater value) to make
%% room, as few as it needs. What Linux 6.1 does (net/sctp/socket.c,
%% sctp_sendmsg_to_asoc, and net/sctp/outqueue.c, sctp_prsctp_prune): a message of
%% msg_len bytes that finds less room than that prunes msg_len minus the room, first
%% sent messages (retransmit queue, then transmitted), then unsent ones, taking only
%% those whose policy is prio and whose value is greater than the new one's, and
%% counting each one's charge (its skb's truesize and a struct sctp_chunk) against the
%% need until it is met; it then sends if the room is above 0. A non-blocking send
%% fails with eagain when the room is 0 or less, so after one the room is above minus
%% one message's charge (it was above 0 before that message): a 1-byte message needs
%% exactly one message abandoned, the first queued one of lower priority, and finds
%% room then. Every sent message must be one that no priority can take, or the
%% kernel would take it first without freeing room (a sent one waits in the
%% abandoned queue): the peer's window is closed with messages of no policy first,
%% more than it takes, so the prio messages queued behind them are never sent while
%% the receiver reads nothing. The exact counts follow: 1 unsent, 0 sent.
%% The receiver offers the window of a small receive buffer (half of it) and gets a
%% large one once the association is up: it drops what finds no room in its buffer
%% (sctp_ulpevent_make_rcvmsg), and a chunk bundled with others is charged the whole
%% packet, so a small buffer fills before the window closes. It takes nothing, not even
%% its comm_up event, until the end: once its owner has taken a message, the library
%% reads ahead between calls (up to recbuf), which would open the window again.
prio_abandoned(_Config) ->
    {S, SPort} = sctp_test:server(?L, [{recbuf, 4096}]),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sndbuf, 65536}]),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = CId} = CA} =
        gen_sctp:connect(C, ?L, SPort, [], ?T),
    [SId] = poll_until(server_assoc, fun() -> getopt(S, sctp_get_assoc_id_list) end,
                       fun(Ids) -> Ids =/= [] end),
    ok = inet:setopts(S, [{recbuf, 200000}]),
    %% The receiver takes its window's worth and one message more: four more than that
    %% leave at least two (the one in flight, a window probe, and one behind it).
    #sctp_status{rwnd = Rwnd} = sctp_test:status(C, CA),
    Plain = Rwnd div byte_size(sctp_test:numbered(1)) + 4,
    _ = [ok = gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}], sctp_test:numbered(I))
         || I <- lists:seq(1, Plain)],
    window_closed(S, SId, C, CId),
    ok = inet:setopts(C, [{non_block_send, true}]),
    Prio = fun(Value, Data) ->
                   gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId},
                                     #sctp_prinfo{policy = prio, value = Value}], Data)
           end,
    Lows = send_until_eagain(fun(I) -> Prio(10, low(I)) end, 1),
    true = Lows >= 2,
    %% One of the same priority takes none.
    {error, eagain} = Prio(10, low(Lows + 1)),
    {0, 0} = prstatus(C, sctp_pr_assoc_status, #sctp_prstatus{assoc_id = CId, policy = all}),
    %% A higher one takes the first of them, and only that one.
    ok = Prio(1, <<"!">>),
    Counts = [{Option, prstatus(C, Option, Key#sctp_prstatus{assoc_id = CId})}
              || {Option, Key} <- [{sctp_pr_assoc_status, #sctp_prstatus{policy = prio}},
                                   {sctp_pr_assoc_status, #sctp_prstatus{policy = all}},
                                   {sctp_pr_stream_status,
                                    #sctp_prstatus{sid = 0, policy = prio}}]],
    [{_, {1, 0}}, {_, {1, 0}}, {_, {1, 0}}] = Counts,
    %% The receiver reads now: the messages of no policy, the low-priority ones but the
    %% first, then the one that took its place.
    {?L, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = sctp_test:recv_event(S),
    Expected = [{plain, I} || I <- lists:seq(1, Plain)]
        ++ [{low, I} || I <- lists:seq(2, Lows)] ++ [high],
    Expected = [message(element(4, recv_data(S, paddr))) || _ <- Expected],
    {1, 0} = prstatus(C, sctp_pr_assoc_status, #sctp_prstatus{assoc_id = CId, policy = prio}),
    close_all([C, S]).

%% Low-priority message I, as long as the numbered ones.
low(I) ->
    Numbered = sctp_test:numbered(I),
    <<"low", Numbered:(byte_size(Numbered) - 3)/binary>>.

%% What prio_abandoned's receiver got: which message, by its content.
message(<<"!">>) ->
    high;
message(<<"low", I:32, _/binary>> = Data) ->
    {{low, I}, Data} = {{low, I}, low(I)},
    {low, I};
message(<<I:32, _/binary>> = Data) ->
    {{plain, I}, Data} = {{plain, I}, sctp_test:numbered(I)},
    {plain, I}.

%% Sends Send(I) from I on until one gives eagain; returns the last one sent.
send_until_eagain(Send, I) when I =< 10000 ->
    case Send(I) of
        ok -> send_until_eagain(Send, I + 1);
        {error, eagain} -> I - 1
    end.

%% Waits until receiver S (association SId) has advertised a zero window and sender C
%% (CId) has had that SACK, the last one S sent by then: every message S took is
%% acknowledged, and while S reads nothing no acknowledgement frees room in C's send
%% buffer.
window_closed(S, SId, C, CId) ->
    _ = poll_until(zero_window_advertised,
                   fun() -> (getopt(S, sctp_associnfo, #sctp_assocparams{assoc_id = SId}))
                                #sctp_assocparams.local_rwnd end,
                   fun(Rwnd) -> Rwnd =:= 0 end),
    #sctp_assoc_stats{osacks = Sacks} =
        getopt(S, sctp_get_assoc_stats, #sctp_assoc_stats{assoc_id = SId}),
    _ = poll_until({sacks_received, Sacks},
                   fun() -> (getopt(C, sctp_get_assoc_stats,
                                    #sctp_assoc_stats{assoc_id = CId}))#sctp_assoc_stats.isacks
                   end,
                   fun(N) -> N >= Sacks end),
    ok.

getopt(S, Option) ->
    {ok, [{Option, Value}]} = inet:getopts(S, [Option]),
    Value.

getopt(S, Option, Key) ->
    {ok, [{Option, Value}]} = inet:getopts(S, [{Option, Key}]),
    Value.

%% A blocked path: the open options of both ends, the server's address, and the
%% commands that block and clear it. blackhole: a route in this namespace drops what
%% goes to 127.0.0.2; netem: in a namespace of their own, loopback loses every packet
%% (netem reports a loss to the sender as a packet sent).
path(blackhole) ->
    {[], ?L2, ?BLACKHOLE_L2, ?UNBLACKHOLE_L2};
path(netem) ->
    {[{netns, "/var/run/netns/" ?NETEM_NS}], ?L,
     ?IN_NETEM_NS("tc qdisc add dev lo root netem loss 100%"),
     ?IN_NETEM_NS("tc qdisc del dev lo root")}.

%% A client on 127.0.0.1 (with Opts) connected to the server on SAddr, port SPort,
%% whose association outlives a blocked path: retransmission timeouts of 100 to 400 ms,
%% and no limit on them that a case could reach.
client(Opts, SAddr, SPort) ->
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false},
                             {sctp_rtoinfo, #sctp_rtoinfo{initial = 200, max = 400, min = 100}},
                             {sctp_associnfo, #sctp_assocparams{asocmaxrxt = 10000}},
                             {sctp_peer_addr_params,
                              #sctp_paddrparams{pathmaxrxt = 10000}} | Opts]),
    {ok, #sctp_assoc_change{state = comm_up} = CA} = gen_sctp:connect(C, SAddr, SPort, [], ?T),
    {C, CA}.

%% Blocks Path, sends ?ABANDONED numbered messages with PrInfo on stream 0, waits
%% until the association has abandoned them all, and clears the path.
abandon(Path, C, CId, #sctp_prinfo{policy = Policy} = PrInfo) ->
    abandon(Path, C, CId, Policy,
            fun(Data) -> gen_sctp:send(C, [#sctp_sndinfo{assoc_id = CId}, PrInfo], Data) end).

%% The same with messages sent by Send(Data), abandoned by policy Policy.
abandon(Path, C, CId, Policy, Send) ->
    {_, _, Block, Clear} = path(Path),
    0 = abandoned(C, CId, all),
    "" = os:cmd(Block),
    _ = [ok = Send(sctp_test:numbered(I)) || I <- lists:seq(1, ?ABANDONED)],
    _ = poll_until({abandoned, Policy, ?ABANDONED}, fun() -> abandoned(C, CId, Policy) end,
                   fun(N) -> N >= ?ABANDONED end, 6 * ?T),
    "" = os:cmd(Clear),
    ok.

%% How many messages of association CId policy Policy abandoned, sent and unsent.
abandoned(C, CId, Policy) ->
    {Unsent, Sent} = prstatus(C, sctp_pr_assoc_status,
                              #sctp_prstatus{assoc_id = CId, policy = Policy}),
    Unsent + Sent.

%% {abandoned_unsent, abandoned_sent} of sctp_pr_assoc_status or sctp_pr_stream_status.
prstatus(C, Option, Key) ->
    {ok, [{Option, #sctp_prstatus{abandoned_unsent = Unsent, abandoned_sent = Sent}}]} =
        inet:getopts(C, [{Option, Key}]),
    {Unsent, Sent}.

peer_eval(Peer, Source) ->
    {ok, Tokens, _} = erl_scan:string(Source),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    {value, Value, _} = peer:call(Peer, erl_eval, exprs, [Exprs, []], 6 * ?T),
    Value.

close_all(Sockets) ->
    _ = [ok = gen_sctp:close(S) || S <- Sockets],
    ok.
