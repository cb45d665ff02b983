%% Multi-homing across two hosts. The suite builds two network namespaces, `mh_a' and
%% `mh_b', joined by two independent veth links:
%%
%%   mh_a  a1 10.1.0.1/24 fd00:1::1/64 <---- link 1 ----> b1 10.1.0.2/24 fd00:1::2/64  mh_b
%%         a2 10.2.0.1/24 fd00:2::1/64 <---- link 2 ----> b2 10.2.0.2/24 fd00:2::2/64
%%
%% link_local_v6 gives link 1 the link-local addresses fe80::a1 (a1) and fe80::b1 (b1).
%%
%% Sockets are opened in either namespace with the `netns' open option, so one node plays
%% both hosts while every packet crosses a real link between two network stacks. A link
%% fails with `ip link set a1 down'. It needs root (namespaces, links) and runs in the test
%% VM; without root or `ip netns' every case is skipped, with the reason.
-module(multihoming_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_suite/1, end_per_suite/1, end_per_testcase/2]).
-export([failover_v4/1, failover_v6/1, failover_mixed/1, v4_mapped/1,
         primary_switch/1, peer_primary_switch/1, heartbeat_params/1,
         bindx_addresses/1, peeloff_under_traffic/1, accept_backlog/1,
         accept_inherits_active/1, many_associations/1, connectx_several_addresses/1,
         v6only/1, link_local_v6/1, peeloff_unknown_assoc/1, udp_encapsulation/1,
         udp_encapsulation_otp_peer/1]).

-define(A1, {10, 1, 0, 1}).
-define(A2, {10, 2, 0, 1}).
-define(B1, {10, 1, 0, 2}).
-define(B2, {10, 2, 0, 2}).
%% A second address of b2, for addresses added while associations run.
-define(B3, {10, 2, 0, 3}).
-define(A1_6, {16#fd00, 1, 0, 0, 0, 0, 0, 1}).
-define(A2_6, {16#fd00, 2, 0, 0, 0, 0, 0, 1}).
-define(B1_6, {16#fd00, 1, 0, 0, 0, 0, 0, 2}).
-define(B2_6, {16#fd00, 2, 0, 0, 0, 0, 0, 2}).
-define(A1_LL, {16#fe80, 0, 0, 0, 0, 0, 0, 16#a1}).
-define(B1_LL, {16#fe80, 0, 0, 0, 0, 0, 0, 16#b1}).
%% Messages that must cross each phase of a failover.
-define(PHASE, 40).
%% SCTP over UDP (RFC 6951): the port each host's stack takes encapsulated packets on
%% (IANA's), and the shell steps that set it and drop plain SCTP (IP protocol 132) on
%% link 1 both ways, and undo that.
-define(UDP_PORT, 9899).
-define(UDP_ONLY,
        ["netns exec " ++ NS ++ " sysctl -qw net.sctp.udp_port=" ++ integer_to_list(?UDP_PORT)
         || NS <- ["mh_a", "mh_b"]]
        ++ lists:append(
             [["netns exec " ++ NS ++ " tc qdisc add dev " ++ Dev ++ " clsact",
               "netns exec " ++ NS ++ " tc filter add dev " ++ Dev
               ++ " egress protocol ip u32 match ip protocol 132 0xff action drop"]
              || {NS, Dev} <- [{"mh_a", "a1"}, {"mh_b", "b1"}]])).
-define(UNDO_UDP_ONLY,
        ["netns exec " ++ NS ++ " tc qdisc del dev " ++ Dev ++ " clsact; "
         "ip netns exec " ++ NS ++ " sysctl -qw net.sctp.udp_port=0"
         || {NS, Dev} <- [{"mh_a", "a1"}, {"mh_b", "b1"}]]).

suite() ->
    [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 3}}].

all() ->
    [failover_v4, failover_v6, failover_mixed, v4_mapped, primary_switch,
     peer_primary_switch, heartbeat_params, bindx_addresses, peeloff_under_traffic,
     accept_backlog, accept_inherits_active, many_associations, connectx_several_addresses,
     v6only, link_local_v6, peeloff_unknown_assoc, udp_encapsulation,
     udp_encapsulation_otp_peer].

init_per_suite(Config) ->
    case os:cmd("id -u") of
        "0\n" ->
            teardown(),
            case setup() of
                ok -> Config;
                {error, Why} -> teardown(), {skip, {no_network_namespaces, Why}}
            end;
        _ ->
            {skip, "needs root to create network namespaces and links (runs in the test VM)"}
    end.

end_per_suite(_Config) ->
    teardown().

%% Cases that take link 1 down bring it back; after a failure it may still be down.
end_per_testcase(Case, _Config) when Case =:= udp_encapsulation;
                                     Case =:= udp_encapsulation_otp_peer ->
    _ = ip(lists:join("; ip ", ?UNDO_UDP_ONLY)),
    ok;
end_per_testcase(Case, _Config) ->
    case lists:member(Case, [failover_v4, failover_v6, failover_mixed, heartbeat_params]) of
        true -> _ = ip("-n mh_a link set a1 up && ip -n mh_a link set a2 up");
        false -> ok
    end.

%%% Topology

%% One shell runs every step: each command started from the emulated VM costs seconds.
setup() ->
    Steps =
        ["netns add mh_a", "netns add mh_b"]
        %% IPv6 addresses stay on a link that goes down and comes back.
        ++ ["netns exec " ++ NS ++ " sysctl -qw net.ipv6.conf." ++ If ++ ".keep_addr_on_down=1"
            || NS <- ["mh_a", "mh_b"], If <- ["all", "default"]]
        ++ ["link add a1 netns mh_a type veth peer name b1 netns mh_b",
         "link add a2 netns mh_a type veth peer name b2 netns mh_b",
         "-n mh_a addr add 10.1.0.1/24 dev a1", "-n mh_a addr add 10.2.0.1/24 dev a2",
         "-n mh_b addr add 10.1.0.2/24 dev b1", "-n mh_b addr add 10.2.0.2/24 dev b2",
         "-n mh_b addr add 10.2.0.3/24 dev b2",
         "-n mh_a addr add fd00:1::1/64 dev a1 nodad",
         "-n mh_a addr add fd00:2::1/64 dev a2 nodad",
         "-n mh_b addr add fd00:1::2/64 dev b1 nodad",
         "-n mh_b addr add fd00:2::2/64 dev b2 nodad",
         "-n mh_a link set lo up", "-n mh_b link set lo up",
         "-n mh_a link set a1 up", "-n mh_a link set a2 up",
         "-n mh_b link set b1 up", "-n mh_b link set b2 up"]
        %% ASCONF (RFC 5061) on both hosts: addresses added and removed while
        %% associations run, and asking the peer for a primary path.
        ++ ["netns exec " ++ NS ++ " sysctl -qw net.sctp." ++ Key ++ "=1"
            || NS <- ["mh_a", "mh_b"], Key <- ["addip_enable", "addip_noauth_enable"]],
    ip(lists:join(" && ip ", Steps)).

teardown() ->
    _ = ip("netns del mh_a; ip netns del mh_b"),
    ok.

set_link(Dev, UpDown) ->
    ok = ip(lists:concat(["-n mh_a link set ", Dev, " ", UpDown])).

ip(Args) ->
    Out = os:cmd(lists:flatten(["ip ", Args, " 2>&1; echo \"rc=$?\""])),
    case string:split(string:trim(Out), "rc=", trailing) of
        [_, "0"] -> ok;
        _ -> {error, {"ip " ++ Args, Out}}
    end.

ns(a) -> "/var/run/netns/mh_a";
ns(b) -> "/var/run/netns/mh_b".

%% Opens a socket in host `Host' bound to `IPs', with fast failure detection: RTO
%% 50..200 ms, a heartbeat every 100 ms, a path fails after two missed replies.
open(Host, Family, IPs, Opts) ->
    gen_sctp:open([Family, {netns, ns(Host)} | [{ip, IP} || IP <- IPs]]
                  ++ Opts ++ fast()).

fast() ->
    [{sctp_rtoinfo, #sctp_rtoinfo{initial = 100, max = 200, min = 50}},
     {sctp_associnfo, #sctp_assocparams{asocmaxrxt = 50}},
     {sctp_peer_addr_params, #sctp_paddrparams{hbinterval = 100, pathmaxrxt = 1,
                                               flags = [hb_enable]}},
     sctp_test:initmsg()].

%% A passive one-to-many server in host b.
server(Family, IPs, Opts) ->
    {ok, S} = open(b, Family, IPs, [{active, false} | Opts]),
    ok = gen_sctp:listen(S, true),
    {ok, Port} = inet:port(S),
    {S, Port}.

%% How a socket of `Family' shows an IPv4 address: v4-mapped on inet6 (Linux's default).
shown(inet6, {A, B, C, D}) -> {0, 0, 0, 0, 0, 16#ffff, A bsl 8 bor B, C bsl 8 bor D};
shown(_, IP) -> IP.

%%% Failover

failover_v4(_Config) ->
    failover(inet, a1, {?A1, ?A2}, {?B1, ?B2}).

failover_v6(_Config) ->
    failover(inet6, a1, {?A1_6, ?A2_6}, {?B1_6, ?B2_6}).

%% Link 2 carries IPv4 and is the primary path, link 1 IPv6, in one association. The
%% association starts on IPv4: set up over a global-scope address (the IPv6 ULA here),
%% Linux would not offer the private-scope 10.x addresses to the peer.
failover_mixed(_Config) ->
    failover(inet6, a2, {?A2, ?A1_6}, {?B2, ?B1_6}).

%% An association over two paths keeps delivering every message, once and in order per
%% stream, while its primary link is down; the sender sees the path become unreachable,
%% then available again when the link returns, and the data moves to the other path.
%% `Link' is the device in host a of the primary path, from A1 to B1.
failover(Family, Link, {A1, A2}, {B1, B2}) ->
    {S, SPort} = server(Family, [B1, B2], []),
    {ok, C} = open(a, Family, [A1, A2], [{active, true}]),
    {ok, CPort} = inet:port(C),
    [SA1, SA2, CA1, CA2] = [shown(Family, IP) || IP <- [B1, B2, A1, A2]],
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, SA1, SPort, [], ?T),
    Sorted = fun(L) -> {ok, Got} = L, lists:sort(Got) end,
    true = Sorted(gen_sctp:peernames(C, Id)) =:= lists:sort([{SA1, SPort}, {SA2, SPort}]),
    true = Sorted(gen_sctp:socknames(C, Id)) =:= lists:sort([{CA1, CPort}, {CA2, CPort}]),
    Collector = collector(S),
    Sender = sender(C, Id, 5),
    wait_collected(Collector, ?PHASE),
    ok = set_link(Link, down),
    Down = collected_count(Collector),
    unreachable = await_paddr(C, {SA1, SPort}, addr_unreachable),
    wait_collected(Collector, Down + ?PHASE),
    ok = set_link(Link, up),
    available = await_paddr(C, {SA1, SPort}, addr_available),
    Up = collected_count(Collector),
    wait_collected(Collector, Up + ?PHASE),
    Sent = stop_sender(Sender),
    {Data, Events} = collect_all(Collector, Sent),
    assert_in_order(Data, Sent),
    %% Messages sent while link 1 was down came over link 2.
    During = [From || {_, _, From} <- lists:sublist(Data, Down + 1, Up - Down)],
    true = lists:member(CA2, During),
    [#sctp_assoc_change{state = comm_up} | Paths] = Events,
    [] = [E || E <- Paths, not is_record(E, sctp_paddr_change)],
    ct:pal("~p messages per stream; server events ~p", [Sent, Events]),
    close_all([C, S]).

%% An inet6 socket reports IPv4 peers as v4-mapped addresses unless told otherwise.
v4_mapped(_Config) ->
    {S, SPort} = server(inet6, [{0, 0, 0, 0, 0, 0, 0, 0}], []),
    {ok, [{sctp_i_want_mapped_v4_addr, true}]} =
        inet:getopts(S, [sctp_i_want_mapped_v4_addr]),
    Mapped = shown(inet6, ?A1),
    {ok, C1} = open(a, inet, [?A1], []),
    {ok, Port1} = inet:port(C1),
    {ok, _} = gen_sctp:connect(C1, ?B1, SPort, [], ?T),
    {Mapped, Port1, _, #sctp_assoc_change{state = comm_up, assoc_id = Id1}} =
        sctp_test:recv_event(S),
    {ok, [{Mapped, Port1}]} = gen_sctp:peernames(S, Id1),
    ok = inet:setopts(S, [{sctp_i_want_mapped_v4_addr, false}]),
    {ok, [{sctp_i_want_mapped_v4_addr, false}]} =
        inet:getopts(S, [sctp_i_want_mapped_v4_addr]),
    {ok, C2} = open(a, inet, [?A2], []),
    {ok, Port2} = inet:port(C2),
    {ok, _} = gen_sctp:connect(C2, ?B2, SPort, [], ?T),
    {?A2, Port2, _, #sctp_assoc_change{state = comm_up, assoc_id = Id2}} =
        sctp_test:recv_event(S),
    {ok, [{?A2, Port2}]} = gen_sctp:peernames(S, Id2),
    %% An IPv6 peer of the same socket keeps its IPv6 address.
    {ok, C3} = open(a, inet6, [?A1_6], []),
    {ok, Port3} = inet:port(C3),
    {ok, _} = gen_sctp:connect(C3, ?B1_6, SPort, [], ?T),
    {?A1_6, Port3, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    close_all([C1, C2, C3, S]).

%% A client bound with two `ifaddr' addresses reaches both of the server's addresses
%% with one connectx_init: each side knows both paths of the other from the start.
connectx_several_addresses(_Config) ->
    {S, SPort} = server(inet, [?B1, ?B2], []),
    {ok, C} = gen_sctp:open([inet, {netns, ns(a)}, {ifaddr, ?A1}, {ifaddr, ?A2},
                             {active, false} | fast()]),
    {ok, CPort} = inet:port(C),
    {ok, Id} = gen_sctp:connectx_init(C, [?B1, ?B2], SPort, []),
    {_, SPort, _, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
        sctp_test:recv_event(C),
    {ok, Peers} = gen_sctp:peernames(C, Id),
    [{?B1, SPort}, {?B2, SPort}] = lists:sort(Peers),
    {ok, Locals} = gen_sctp:socknames(C, Id),
    [{?A1, CPort}, {?A2, CPort}] = lists:sort(Locals),
    {_, CPort, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} =
        sctp_test:recv_event(S),
    {ok, SPeers} = gen_sctp:peernames(S, SId),
    [{?A1, CPort}, {?A2, CPort}] = lists:sort(SPeers),
    close_all([C, S]).

%% With ipv6_v6only an inet6 server bound to the wildcard serves IPv6 peers only: an
%% IPv4 client's association is refused, an IPv6 client's comes up.
v6only(_Config) ->
    {S, SPort} = server(inet6, [{0, 0, 0, 0, 0, 0, 0, 0}], [{ipv6_v6only, true}]),
    {ok, [{ipv6_v6only, true}]} = inet:getopts(S, [ipv6_v6only]),
    {ok, C4} = open(a, inet, [?A1], [{active, false}]),
    {error, #sctp_assoc_change{state = cant_assoc}} = gen_sctp:connect(C4, ?B1, SPort, [], ?T),
    {ok, C6} = open(a, inet6, [?A1_6], [{active, false}]),
    {ok, C6Port} = inet:port(C6),
    {ok, #sctp_assoc_change{state = comm_up}} = gen_sctp:connect(C6, ?B1_6, SPort, [], ?T),
    {?A1_6, C6Port, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    close_all([C4, C6, S]).

%% A link-local address names an interface only with its scope: the sockaddr map that
%% net:getifaddrs/0 gives in the namespace, scope_id and all, binds a socket to it, and a
%% peer's link-local address with the scope of the link to it is reached by connect and
%% connectx_init; data then goes both ways. Without the scope the address is not available.
link_local_v6(_Config) ->
    AAddr = link_local("mh_a", "a1", ?A1_LL),
    BAddr = link_local("mh_b", "b1", ?B1_LL),
    #{scope_id := AIndex} = AAddr,
    #{scope_id := BIndex} = BAddr,
    true = AIndex > 0 andalso BIndex > 0,
    {error, eaddrnotavail} = gen_sctp:open([inet6, {netns, ns(b)}, {ifaddr, BAddr#{scope_id => 0}}]),
    {ok, S} = gen_sctp:open([inet6, {netns, ns(b)}, {ifaddr, BAddr}, {active, false} | fast()]),
    ok = gen_sctp:listen(S, true),
    {ok, {?B1_LL, SPort}} = inet:sockname(S),
    Peer = #{family => inet6, addr => ?B1_LL, port => SPort, flowinfo => 0, scope_id => AIndex},
    %% connect/4 with a sockaddr map.
    {ok, C} = gen_sctp:open([inet6, {netns, ns(a)}, {ifaddr, AAddr}, {active, false} | fast()]),
    {ok, {?A1_LL, CPort}} = inet:sockname(C),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
        gen_sctp:connect(C, Peer, [], ?T),
    {?A1_LL, CPort, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} =
        sctp_test:recv_event(S),
    both_ways(C, Id, S, SId, {?B1_LL, SPort}, {?A1_LL, CPort}),
    %% connectx_init/3 with a sockaddr map.
    {ok, C2} = gen_sctp:open([inet6, {netns, ns(a)}, {ifaddr, AAddr}, {active, false} | fast()]),
    {ok, C2Port} = inet:port(C2),
    {ok, Id2} = gen_sctp:connectx_init(C2, [Peer], []),
    {?B1_LL, SPort, _, #sctp_assoc_change{state = comm_up, assoc_id = Id2}} =
        sctp_test:recv_event(C2),
    {?A1_LL, C2Port, _, #sctp_assoc_change{state = comm_up, assoc_id = SId2}} =
        sctp_test:recv_event(S),
    both_ways(C2, Id2, S, SId2, {?B1_LL, SPort}, {?A1_LL, C2Port}),
    close_all([C, C2, S]).

%% Gives device Dev in namespace NS the link-local address IP (set here: a link that went
%% down has lost its link-local addresses) and returns its sockaddr map as
%% net:getifaddrs/0 gives it there, with the device's index as scope_id. (OTP 25's
%% net:getifaddrs/2, which enters the namespace itself, does not return here.)
link_local(NS, Dev, IP) ->
    Addr = inet:ntoa(IP) ++ "/64 dev " ++ Dev,
    ok = ip("-n " ++ NS ++ " addr replace " ++ Addr ++ " nodad"),
    Out = os:cmd("ip -n " ++ NS ++ " -o link show " ++ Dev),
    case string:to_integer(Out) of
        {Index, ":" ++ _} when Index > 0 ->
            #{family => inet6, addr => IP, port => 0, flowinfo => 0, scope_id => Index};
        _ ->
            ct:fail({no_device, NS, Dev, Out})
    end.

%% A message from C to S and one back, each from the other's address.
both_ways(C, Id, S, SId, SAddr, CAddr) ->
    {SIP, SPort} = SAddr,
    {CIP, CPort} = CAddr,
    ok = gen_sctp:send(C, Id, 0, <<"to b">>),
    {CIP, CPort, _, <<"to b">>} = sctp_test:recv_data(S, events),
    ok = gen_sctp:send(S, SId, 0, <<"to a">>),
    {SIP, SPort, _, <<"to a">>} = sctp_test:recv_data(C, events),
    ok.

%%% Paths

%% `sctp_primary_addr' moves the data of an association to the chosen path at once: the
%% receiver sees each message's source address.
primary_switch(_Config) ->
    {S, SPort} = server(inet, [?B1, ?B2], []),
    {ok, C} = open(a, inet, [?A1, ?A2], []),
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, ?B1, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    {?B1, SPort} = primary(C, Id),
    [?A1] = lists:usort(send_and_sources(C, Id, S, 10)),
    %% A path carries data once a heartbeat has confirmed it.
    ok = await_path_active(C, Id, {?B2, SPort}),
    ok = inet:setopts(C, [{sctp_primary_addr, #sctp_prim{assoc_id = Id, addr = {?B2, SPort}}}]),
    {?B2, SPort} = primary(C, Id),
    {ok, [{sctp_primary_addr, #sctp_prim{addr = {?B2, SPort}}}]} =
        inet:getopts(C, [{sctp_primary_addr, #sctp_prim{assoc_id = Id}}]),
    [?A2] = lists:usort(send_and_sources(C, Id, S, 10)),
    true = lists:member({?B2, SPort},
                        [A || #sctp_paddr_change{addr = A, state = addr_made_prim} <- flush_paddr(C)]),
    close_all([C, S]).

%% `sctp_set_peer_primary_addr' asks the peer (over ASCONF) to send to one of our
%% addresses: the server's data then arrives from its address on that link.
peer_primary_switch(_Config) ->
    {S, SPort} = server(inet, [?B1, ?B2], []),
    {ok, C} = open(a, inet, [?A1, ?A2], [{active, false}]),
    {ok, CPort} = inet:port(C),
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, ?B1, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = sctp_test:recv_event(S),
    {?A1, CPort} = primary(S, SId),
    [?B1] = lists:usort(send_and_sources(S, SId, C, 5)),
    ok = await_path_active(S, SId, {?A2, CPort}),
    ok = inet:setopts(C, [{sctp_set_peer_primary_addr,
                           #sctp_setpeerprim{assoc_id = Id, addr = {?A2, CPort}}}]),
    {?A2, CPort} = sctp_test:poll_until({primary, {?A2, CPort}}, fun() -> primary(S, SId) end,
                                        fun(Primary) -> Primary =:= {?A2, CPort} end),
    [?B2] = lists:usort(send_and_sources(S, SId, C, 5)),
    %% The server's application is told which path became primary.
    #sctp_paddr_change{state = addr_made_prim} =
        lists:keyfind({?A2, CPort}, #sctp_paddr_change.addr,
                      [E || E <- flush_paddr(S), E#sctp_paddr_change.state =:= addr_made_prim]),
    close_all([C, S]).

%% Heartbeats are what notices a dead path of an idle association: with heartbeats off
%% on the primary path, a dead link goes unnoticed; turned on (every 300 ms, one
%% retransmission), the path is reported unreachable within a few seconds.
heartbeat_params(_Config) ->
    {S, SPort} = server(inet, [?B1, ?B2], []),
    {ok, C} = open(a, inet, [?A1, ?A2], [{active, true}]),
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, ?B1, SPort, [], ?T),
    Path = {?B1, SPort},
    ok = inet:setopts(C, [{sctp_peer_addr_params,
                           #sctp_paddrparams{assoc_id = Id, address = Path,
                                             pathmaxrxt = 1, flags = [hb_disable]}}]),
    #sctp_paddrparams{pathmaxrxt = 1, flags = Off} = paddrparams(C, Id, Path),
    true = lists:member(hb_disable, Off),
    flush_paddr(C),
    ok = set_link(a1, down),
    [] = paddr_events(C, Path, 3000),
    #sctp_paddrinfo{state = active} = paddrinfo(C, Id, Path),
    T0 = erlang:monotonic_time(millisecond),
    ok = inet:setopts(C, [{sctp_peer_addr_params,
                           #sctp_paddrparams{assoc_id = Id, address = Path, hbinterval = 300,
                                             pathmaxrxt = 1, flags = [hb_enable]}}]),
    #sctp_paddrparams{hbinterval = 300, flags = On} = paddrparams(C, Id, Path),
    true = lists:member(hb_enable, On),
    unreachable = await_paddr(C, Path, addr_unreachable),
    ct:pal("path reported unreachable ~p ms after heartbeats were turned on",
           [erlang:monotonic_time(millisecond) - T0]),
    #sctp_paddrinfo{state = inactive} = paddrinfo(C, Id, Path),
    ok = set_link(a1, up),
    available = await_paddr(C, Path, addr_available),
    #sctp_paddrinfo{state = active} = paddrinfo(C, Id, Path),
    close_all([C, S]).

%%% Local addresses at run time

%% bindx/3 adds and removes local addresses of an open socket; with ASCONF the peer of a
%% running association hears of both.
bindx_addresses(_Config) ->
    {S, SPort} = server(inet, [?B1], []),
    {ok, [{?B1, SPort}]} = gen_sctp:socknames(S),
    ok = gen_sctp:bindx(S, add, [?B2]),
    {ok, Names} = gen_sctp:socknames(S),
    [{?B1, SPort}, {?B2, SPort}] = lists:sort(Names),
    {error, eaddrnotavail} = gen_sctp:bindx(S, add, [{10, 9, 9, 9}]),
    {ok, C} = open(a, inet, [?A1, ?A2], [{active, true}]),
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, ?B1, SPort, [], ?T),
    {_, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(S),
    {ok, Peers} = gen_sctp:peernames(C, Id),
    [{?B1, SPort}, {?B2, SPort}] = lists:sort(Peers),
    %% Added while the association runs: the client learns of it.
    ok = gen_sctp:bindx(S, add, [{?B3, SPort}]),
    added = await_paddr(C, {?B3, SPort}, addr_added),
    %% A heartbeat to the new address confirms it.
    confirmed = await_paddr(C, {?B3, SPort}, addr_confirmed),
    ok = await_peer_count(C, Id, 3),
    ok = gen_sctp:bindx(S, remove, [?B3]),
    removed = await_paddr(C, {?B3, SPort}, addr_removed),
    ok = await_peer_count(C, Id, 2),
    ok = gen_sctp:bindx(S, remove, [?B2]),
    {ok, [{?B1, SPort}]} = gen_sctp:socknames(S),
    removed = await_paddr(C, {?B2, SPort}, addr_removed),
    close_all([C, S]).

%%% One-to-one sockets

%% An association peeled off while data flows: every message arrives once and in order,
%% first on the one-to-many socket, then on the peeled-off one, which keeps `active'.
peeloff_under_traffic(_Config) ->
    {ok, S} = open(b, inet, [?B1, ?B2], [{active, true}]),
    ok = gen_sctp:listen(S, true),
    {ok, SPort} = inet:port(S),
    {ok, C} = open(a, inet, [?A1, ?A2], []),
    {ok, #sctp_assoc_change{assoc_id = Id}} = gen_sctp:connect(C, ?B1, SPort, [], ?T),
    SId = receive
              {sctp, S, _, _, {_, #sctp_assoc_change{state = comm_up, assoc_id = I}}} -> I
          after ?T -> ct:fail(no_comm_up)
          end,
    Sender = sender(C, Id, 2),
    First = receive_data(S, ?PHASE, []),
    {ok, P} = gen_sctp:peeloff(S, SId),
    {ok, [{active, true}]} = inet:getopts(P, [active]),
    {ok, [_, _]} = gen_sctp:peernames(P),
    After = receive_data(P, ?PHASE, []),
    Sent = stop_sender(Sender),
    Total = lists:sum(maps:values(Sent)),
    %% All that the one-to-many socket read came before what the peeled-off one read.
    Before = First ++ more_data(S),
    Rest = receive_data(P, Total - length(Before) - length(After), []),
    assert_in_order(Before ++ After ++ Rest, Sent),
    ct:pal("~p messages before the peeloff, ~p after", [length(Before), Total - length(Before)]),
    close_all([C, P, S]).

%% A stream socket listening with a backlog holds that many associations until accepted;
%% accept/2 hands out each as its own socket, connected to one of the clients.
accept_backlog(_Config) ->
    Backlog = 8,
    {ok, L} = open(b, inet, [?B1, ?B2], [{type, stream}, {active, false}]),
    ok = gen_sctp:listen(L, Backlog),
    {ok, LPort} = inet:port(L),
    {error, timeout} = gen_sctp:accept(L, 100),
    Clients = [begin
                   {ok, C} = open(a, inet, [?A1, ?A2], [{type, stream}, {active, false}]),
                   C
               end || _ <- lists:seq(1, Backlog)],
    Ups = [sctp_test:async(fun() -> gen_sctp:connect(C, ?B1, LPort, [], ?T) end)
           || C <- Clients],
    [{ok, #sctp_assoc_change{state = comm_up}} = sctp_test:await(U) || U <- Ups],
    Ports = lists:sort([element(2, inet:port(C)) || C <- Clients]),
    Accepted = [begin
                    {ok, A} = gen_sctp:accept(L, ?T),
                    {_, _, _, #sctp_assoc_change{state = comm_up}} = sctp_test:recv_event(A),
                    {ok, Peers} = gen_sctp:peernames(A),
                    [{?A1, Port}, {?A2, Port}] = lists:sort(Peers),
                    {Port, A}
                end || _ <- Clients],
    Ports = lists:sort([Port || {Port, _} <- Accepted]),
    %% Each accepted socket talks to its own client, both ways.
    lists:foreach(
      fun(C) ->
              {ok, Port} = inet:port(C),
              {Port, A} = lists:keyfind(Port, 1, Accepted),
              ok = gen_sctp:send(C, 0, 1, <<Port:16>>),
              {_, Port, [#sctp_sndrcvinfo{stream = 1}], <<Port:16>>} =
                  sctp_test:recv_data(A, events),
              ok = gen_sctp:send(A, 0, 2, <<"back">>),
              {?B1, LPort, [#sctp_sndrcvinfo{stream = 2}], <<"back">>} =
                  sctp_test:recv_data(C, events)
      end, Clients),
    {error, timeout} = gen_sctp:accept(L, 100),
    %% Closing the listener answers a waiting accept.
    Waiting = sctp_test:async(fun() -> gen_sctp:accept(L) end),
    sctp_test:wait_blocked(element(1, Waiting)),
    ok = gen_sctp:close(L),
    {error, closed} = sctp_test:await(Waiting),
    {error, closed} = gen_sctp:accept(L, 0),
    close_all(Clients ++ [A || {_, A} <- Accepted]).

%% The accepted socket is the caller's and has the listener's options, as with gen_tcp.
accept_inherits_active(_Config) ->
    {ok, L} = open(b, inet6, [?B1_6], [{type, stream}, {active, true}, {mode, list}]),
    ok = gen_sctp:listen(L, true),
    {ok, LPort} = inet:port(L),
    {ok, C} = open(a, inet6, [?A1_6], [{type, stream}, {active, false}]),
    {ok, CPort} = inet:port(C),
    Up = sctp_test:async(fun() -> gen_sctp:connect(C, ?B1_6, LPort, [], ?T) end),
    {ok, A} = gen_sctp:accept(L, ?T),
    {ok, _} = sctp_test:await(Up),
    {ok, [{active, true}, {mode, list}]} = inet:getopts(A, [active, mode]),
    receive
        {sctp, A, ?A1_6, CPort, {_, #sctp_assoc_change{state = comm_up}}} -> ok
    after ?T -> ct:fail(no_comm_up)
    end,
    ok = gen_sctp:send(C, 0, 0, <<"hi">>),
    receive
        {sctp, A, ?A1_6, CPort, {[#sctp_sndrcvinfo{}], "hi"}} -> ok
    after ?T -> ct:fail(no_data)
    end,
    close_all([C, A, L]).

%% Many associations set up at once, by one-to-one and one-to-many clients, to one
%% multi-homed one-to-many server: all come up with both paths and carry data.
many_associations(_Config) ->
    N = 40,
    {S, SPort} = server(inet, [?B1, ?B2], []),
    Clients = [begin
                   Type = case I rem 2 of 0 -> stream; 1 -> seqpacket end,
                   {ok, C} = open(a, inet, [?A1, ?A2], [{type, Type}, {active, false}]),
                   C
               end || I <- lists:seq(1, N)],
    Ups = [sctp_test:async(fun() -> gen_sctp:connect(C, ?B1, SPort, [], ?T) end)
           || C <- Clients],
    Ids = [begin
               {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} = sctp_test:await(U),
               Id
           end || U <- Ups],
    SIds = [begin
                {_, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} =
                    sctp_test:recv_event(S),
                SId
            end || _ <- Clients],
    N = length(lists:usort(SIds)),
    [{ok, [_, _]} = gen_sctp:peernames(S, SId) || SId <- SIds],
    lists:foreach(fun({C, Id}) ->
                          {ok, Port} = inet:port(C),
                          ok = gen_sctp:send(C, Id, 0, <<Port:16>>)
                  end, lists:zip(Clients, Ids)),
    Got = [begin
               {_, Port, _, <<Port:16>>} = sctp_test:recv_data(S, events),
               Port
           end || _ <- Clients],
    Ports = lists:sort([element(2, inet:port(C)) || C <- Clients]),
    Ports = lists:sort(Got),
    close_all([S | Clients]).

%%% Traffic helpers

%% A process sending numbered messages round-robin on `Streams' streams until stopped;
%% message K of stream St is <<St:16, K:32, padding>>.
sender(C, Id, Streams) ->
    Parent = self(),
    spawn_link(fun() -> send_loop(Parent, C, Id, Streams, 0, #{}) end).

send_loop(Parent, C, Id, Streams, I, Sent) ->
    receive
        {stop, Parent} -> Parent ! {sent, self(), Sent}
    after 5 ->
            St = I rem Streams,
            K = maps:get(St, Sent, 0) + 1,
            ok = gen_sctp:send(C, Id, St, <<St:16, K:32, 0:(200 * 8)>>),
            send_loop(Parent, C, Id, Streams, I + 1, Sent#{St => K})
    end.

stop_sender(Pid) ->
    Pid ! {stop, self()},
    receive {sent, Pid, Sent} -> Sent after ?T -> ct:fail(sender_stuck) end.

%% A process reading a passive socket, keeping data as {Stream, K, FromIP} and other
%% messages as events.
collector(S) ->
    spawn_link(fun() -> collect_loop(S, [], 0, []) end).

collect_loop(S, Data, N, Events) ->
    receive
        {count, From} ->
            From ! {count, self(), N},
            collect_loop(S, Data, N, Events);
        {report, From} ->
            From ! {report, self(), lists:reverse(Data), lists:reverse(Events)}
    after 0 ->
            case gen_sctp:recv(S, 50) of
                {ok, {From, _, [#sctp_sndrcvinfo{stream = St}], <<St:16, K:32, _/binary>>}} ->
                    collect_loop(S, [{St, K, From} | Data], N + 1, Events);
                {ok, {_, _, _, Event}} ->
                    collect_loop(S, Data, N, [Event | Events]);
                {error, timeout} ->
                    collect_loop(S, Data, N, Events)
            end
    end.

collected_count(Pid) ->
    Pid ! {count, self()},
    receive {count, Pid, N} -> N after ?T -> ct:fail(collector_stuck) end.

%% Waits until the collector has N data messages (or more).
wait_collected(Pid, N) ->
    _ = sctp_test:poll_until({collected, N}, fun() -> collected_count(Pid) end,
                             fun(Count) -> Count >= N end),
    ok.

%% Everything the collector got, once it has all `Sent' messages.
collect_all(Pid, Sent) ->
    Total = lists:sum(maps:values(Sent)),
    wait_collected(Pid, Total),
    Pid ! {report, self()},
    receive {report, Pid, Data, Events} -> {Data, Events} after ?T -> ct:fail(collector_stuck) end.

%% Every message of every stream exactly once, in the order sent.
assert_in_order(Data, Sent) ->
    maps:foreach(
      fun(St, K) ->
              Seq = [Ki || {S, Ki, _} <- Data, S =:= St],
              case Seq =:= lists:seq(1, K) of
                  true -> ok;
                  false -> ct:fail({stream, St, sent, K, received, Seq})
              end
      end, Sent),
    Total = lists:sum(maps:values(Sent)),
    Total = length(Data).

%% Active-mode data of socket S: `N' messages as {Stream, K, FromIP}.
receive_data(_S, 0, Acc) ->
    lists:reverse(Acc);
receive_data(S, N, Acc) ->
    receive
        {sctp, S, From, _, {[#sctp_sndrcvinfo{stream = St}], <<St:16, K:32, _/binary>>}} ->
            receive_data(S, N - 1, [{St, K, From} | Acc])
    after ?T ->
            ct:fail({missing_messages, N})
    end.

%% Data messages of active socket S already in the mailbox, as {Stream, K, FromIP}.
more_data(S) ->
    receive
        {sctp, S, From, _, {[#sctp_sndrcvinfo{stream = St}], <<St:16, K:32, _/binary>>}} ->
            [{St, K, From} | more_data(S)]
    after 0 ->
            []
    end.

%% Sends `N' messages on a passive or active socket pair and returns the source address
%% of each as the passive receiver `R' saw it.
send_and_sources(C, Id, R, N) ->
    lists:foreach(fun(K) -> ok = gen_sctp:send(C, Id, 0, <<0:16, K:32>>) end,
                  lists:seq(1, N)),
    [begin
         {From, _, _, <<0:16, K:32>>} = sctp_test:recv_data(R, events),
         From
     end || K <- lists:seq(1, N)].

%%% Path helpers

primary(S, Id) ->
    {ok, [{sctp_status, #sctp_status{primary = #sctp_paddrinfo{address = Addr}}}]} =
        inet:getopts(S, [{sctp_status, #sctp_status{assoc_id = Id}}]),
    Addr.

paddrparams(S, Id, Path) ->
    {ok, [{sctp_peer_addr_params, P}]} =
        inet:getopts(S, [{sctp_peer_addr_params,
                          #sctp_paddrparams{assoc_id = Id, address = Path}}]),
    P.

paddrinfo(S, Id, Path) ->
    {ok, [{sctp_get_peer_addr_info, I}]} =
        inet:getopts(S, [{sctp_get_peer_addr_info,
                          #sctp_paddrinfo{assoc_id = Id, address = Path}}]),
    I.

%% Waits for the active socket's `#sctp_paddr_change{}' for `Path' in `State'; others
%% stay in the mailbox. Returns the state without its `addr_' prefix.
await_paddr(S, Path, State) ->
    receive
        {sctp, S, _, _, {_, #sctp_paddr_change{addr = Path, state = State, assoc_id = Id}}}
          when is_integer(Id) ->
            "addr_" ++ Short = atom_to_list(State),
            list_to_atom(Short)
    after 20000 ->
            ct:fail({no_paddr_change, Path, State, flush_all(S)})
    end.

%% The `#sctp_paddr_change{}' events for `Path' arriving within `Ms'.
paddr_events(S, Path, Ms) ->
    receive
        {sctp, S, _, _, {_, #sctp_paddr_change{addr = Path} = E}} -> [E | paddr_events(S, Path, Ms)]
    after Ms ->
            []
    end.

%% Drops (and returns) the path events waiting for the test process or in a passive
%% socket; fails on anything else.
flush_paddr(S) ->
    [case M of
         {sctp, S, _, _, {_, #sctp_paddr_change{} = E}} -> E;
         {ok, {_, _, _, #sctp_paddr_change{} = E}} -> E;
         Other -> ct:fail({unexpected, Other})
     end || M <- flush_all(S)].

%% Every message for socket S in the mailbox, and on a passive S, every message queued.
flush_all(S) ->
    receive
        {sctp, S, _, _, _} = M -> [M | flush_all(S)];
        {sctp_passive, S} = M -> [M | flush_all(S)]
    after 0 ->
            case inet:getopts(S, [active]) of
                {ok, [{active, false}]} ->
                    case gen_sctp:recv(S, 0) of
                        {ok, _} = M -> [M | flush_all(S)];
                        {error, timeout} -> []
                    end;
                _ ->
                    []
            end
    end.

%% Closes the sockets, then drops what they delivered to the mailbox: path events keep
%% arriving at any time.
close_all(Sockets) ->
    [ok = gen_sctp:close(S) || S <- Sockets],
    [flush_all(S) || S <- Sockets],
    ok.

%% Waits until a heartbeat has confirmed path Path of association Id of S.
await_path_active(S, Id, Path) ->
    _ = sctp_test:poll_until({path_active, Path}, fun() -> paddrinfo(S, Id, Path) end,
                             fun(#sctp_paddrinfo{state = State}) -> State =:= active end),
    ok.

%% Waits until association Id of C knows N peer addresses.
await_peer_count(C, Id, N) ->
    _ = sctp_test:poll_until({peer_addresses, N}, fun() -> gen_sctp:peernames(C, Id) end,
                             fun({ok, Peers}) -> length(Peers) =:= N;
                                ({error, _}) -> false
                             end),
    ok.

%% A socket of another network namespace is peeled off from within that namespace; an
%% association it does not have gives {error, einval} there as it does here.
peeloff_unknown_assoc(_Config) ->
    {ok, S} = open(b, inet, [?B1], []),
    {error, einval} = gen_sctp:peeloff(S, 12345),
    close_all([S]).

%% SCTP over UDP (RFC 6951) between the hosts, with plain SCTP dropped on link 1 both
%% ways: an association without encapsulation never comes up; with the client's socket
%% sending to the peer's UDP port it does, and carries data both ways. The server
%% learns the port from the packets that reach it, and each host's UDP counts at least
%% one datagram in for every message it received.
udp_encapsulation(_Config) ->
    ok = ip(lists:join(" && ip ", ?UDP_ONLY)),
    {S, SPort} = server(inet, [?B1], []),
    {ok, Plain} = open(a, inet, [?A1], [{active, false}]),
    {error, #sctp_assoc_change{state = cant_assoc}} =
        gen_sctp:connect(Plain, ?B1, SPort,
                         [{sctp_initmsg, #sctp_initmsg{max_attempts = 2}}], ?T),
    UdpBefore = [udp_in_datagrams(NS) || NS <- ["mh_a", "mh_b"]],
    Encaps = #sctp_udpencaps{port = ?UDP_PORT},
    {ok, C} = open(a, inet, [?A1], [{active, false}, {sctp_remote_udp_encaps_port, Encaps}]),
    {ok, CPort} = inet:port(C),
    {ok, [{sctp_remote_udp_encaps_port,
           #sctp_udpencaps{assoc_id = 0, address = {{0, 0, 0, 0}, 0}, port = ?UDP_PORT}}]} =
        inet:getopts(C, [sctp_remote_udp_encaps_port]),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
        gen_sctp:connect(C, ?B1, SPort, [], ?T),
    {?A1, CPort, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} =
        sctp_test:recv_event(S),
    %% The association's port, and its one path's; the server's, learnt.
    {ok, [{sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = Id, port = ?UDP_PORT}},
          {sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = Id, port = ?UDP_PORT}}]} =
        inet:getopts(C, [{sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = Id}},
                         {sctp_remote_udp_encaps_port,
                          #sctp_udpencaps{assoc_id = Id, address = {?B1, SPort}}}]),
    {ok, [{sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = SId, port = ?UDP_PORT}}]} =
        inet:getopts(S, [{sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id = SId}}]),
    %% Each message goes once the previous answer is in: a packet of its own.
    N = 20,
    lists:foreach(
      fun(I) ->
              ok = gen_sctp:send(C, Id, 0, <<"ping", I:32>>),
              {?A1, CPort, _, <<"ping", I:32>>} = sctp_test:recv_data(S, paddr),
              ok = gen_sctp:send(S, SId, 0, <<"pong", I:32>>),
              {?B1, SPort, _, <<"pong", I:32>>} = sctp_test:recv_data(C, paddr)
      end, lists:seq(1, N)),
    UdpAfter = [udp_in_datagrams(NS) || NS <- ["mh_a", "mh_b"]],
    ct:pal("UDP InDatagrams of mh_a and mh_b: ~p before, ~p after", [UdpBefore, UdpAfter]),
    [true = After - Before >= N || {Before, After} <- lists:zip(UdpBefore, UdpAfter)],
    close_all([Plain, C, S]).

%% An OTP gen_sctp server in host b, which knows nothing of UDP encapsulation, is
%% reached over it: with plain SCTP blocked, our client's association over UDP port
%% 9899 comes up, the kernel of host b answers over UDP too, and messages go both ways.
udp_encapsulation_otp_peer(_Config) ->
    ok = ip(lists:join(" && ip ", ?UDP_ONLY)),
    {Peer, SPort} = sctp_test:otp_echo_server([{netns, ns(b)}, {ip, ?B1}]),
    try
        UdpBefore = [udp_in_datagrams(NS) || NS <- ["mh_a", "mh_b"]],
        Encaps = #sctp_udpencaps{port = ?UDP_PORT},
        {ok, C} = open(a, inet, [?A1], [{active, false},
                                        {sctp_remote_udp_encaps_port, Encaps}]),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?B1, SPort, [], ?T),
        N = 20,
        [ok = sctp_test:echoed(Peer, C, Id, SPort, <<"ping", I:32>>) || I <- lists:seq(1, N)],
        UdpAfter = [udp_in_datagrams(NS) || NS <- ["mh_a", "mh_b"]],
        ct:pal("UDP InDatagrams of mh_a and mh_b: ~p before, ~p after", [UdpBefore, UdpAfter]),
        [true = After - Before >= N || {Before, After} <- lists:zip(UdpBefore, UdpAfter)],
        ok = gen_sctp:close(C)
    after
        peer:stop(Peer)
    end.

%% The InDatagrams counter of the UDP of network namespace NS.
udp_in_datagrams(NS) ->
    Out = os:cmd("ip netns exec " ++ NS ++ " cat /proc/net/snmp"),
    [Names, Values] = [string:lexemes(L, " ") || "Udp: " ++ L <- string:split(Out, "\n", all)],
    {_, Count} = lists:keyfind("InDatagrams", 1, lists:zip(Names, Values)),
    list_to_integer(Count).
