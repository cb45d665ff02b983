%% Notifications that need more than a plain association, produced for real on
%% a kernel SCTP stack over loopback: send_failed (an abort with queued data),
%% remote_error (the peer answers an unknown chunk with an ERROR chunk) and
%% paddr_change through every path state of a multi-homed association.
%%
%% Every test case checks that no stray message is left in its mailbox.
-module(events_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, end_per_testcase/2]).
-export([send_failed_passive/1, send_failed_active/1, remote_error_unknown_chunk/1,
         paddr_change_states/1, comm_lost_peer_gone/1]).

-import(sctp_test, [server/1, pair/1, full_pair/1, numbered/1]).

%% Cause code of an ERROR chunk answering a chunk type the peer does not know.
-define(UNRECOGNIZED_CHUNK_TYPE, 6).
-define(IPPROTO_SCTP, 132).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 2}}].

all() ->
    [send_failed_passive, send_failed_active, remote_error_unknown_chunk,
     paddr_change_states, comm_lost_peer_gone].

end_per_testcase(Case, _Config) when Case =:= paddr_change_states;
                                     Case =:= comm_lost_peer_gone ->
    _ = os:cmd(?UNBLACKHOLE_L2),
    ok;
end_per_testcase(_Case, _Config) ->
    ok.

%%% Helpers

%% Checks the send_failed events of an aborted association: each carries one
%% whole unsent message of 1..Last, in sending order.
check_send_failed(Failed, AssocId, Last) ->
    true = Failed =/= [],
    Numbers = [begin
                   #sctp_send_failed{flags = Sent, error = Error, assoc_id = AssocId,
                                     info = #sctp_sndrcvinfo{stream = 0}, data = Data} = Ev,
                   true = is_boolean(Sent),
                   true = is_integer(Error),
                   <<I:32, _/binary>> = Data,
                   true = Data =:= numbered(I),
                   true = I >= 1 andalso I =< Last,
                   I
               end || Ev <- Failed],
    Numbers = lists:usort(Numbers),
    ct:pal("~p of ~p messages reported as failed", [length(Numbers), Last]),
    ok.

%% The server side of the aborted association: the data it never read, then
%% comm_lost.
await_comm_lost(S) ->
    case gen_sctp:recv(S, ?T) of
        {ok, {_, _, _, #sctp_assoc_change{state = comm_lost}}} -> ok;
        {ok, {_, _, [#sctp_sndrcvinfo{}], <<_:32, _/binary>>}} -> await_comm_lost(S);
        Other -> ct:fail({expected_comm_lost, Other})
    end.

%% CRC32c (Castagnoli), the SCTP packet checksum.
crc32c(Bin) ->
    crc32c(Bin, 16#FFFFFFFF) bxor 16#FFFFFFFF.

crc32c(<<>>, Crc) ->
    Crc;
crc32c(<<Byte, Rest/binary>>, Crc) ->
    crc32c(Rest, crc32c_bits(Crc bxor Byte, 8)).

crc32c_bits(Crc, 0) -> Crc;
crc32c_bits(Crc, N) when Crc band 1 =:= 1 -> crc32c_bits((Crc bsr 1) bxor 16#82F63B78, N - 1);
crc32c_bits(Crc, N) -> crc32c_bits(Crc bsr 1, N - 1).

%% An SCTP packet: common header with the checksum filled in, then the chunks.
sctp_packet(SrcPort, DstPort, VTag, Chunks) ->
    Zeroed = <<SrcPort:16, DstPort:16, VTag:32, 0:32, Chunks/binary>>,
    Crc = crc32c(Zeroed),
    <<SrcPort:16, DstPort:16, VTag:32, Crc:32/little, Chunks/binary>>.

%% The verification tag of the next packet seen on raw socket R from SrcPort
%% to DstPort (IPv4 header included, as a raw socket receives it).
sniff_vtag(R, SrcPort, DstPort) ->
    case socket:recv(R, 0, ?T) of
        {ok, <<_:4, Ihl:4, _:(Ihl * 4 - 1)/binary, SrcPort:16, DstPort:16, VTag:32,
               _/binary>>} ->
            VTag;
        {ok, _Other} ->
            sniff_vtag(R, SrcPort, DstPort);
        Error ->
            ct:fail({sniff, Error})
    end.

%% The next paddr_change for Addr in State on passive socket S, skipping
%% other path events.
await_paddr(S, Addr, State) ->
    sctp_test:await_paddr(S, Addr, State, ?T).

%%% Test cases

%% Aborting an association with queued data reports each unsent message to a
%% passive socket, in OTP 25's shape for error events from recv.
send_failed_passive(_Config) ->
    #{s := S, c := C, ca := CA, last := Last} = full_pair(300),
    CId = CA#sctp_assoc_change.assoc_id,
    ok = gen_sctp:abort(C, CA),
    Events = collect_passive(C, []),
    [comm_lost] = [St || #sctp_assoc_change{state = St, assoc_id = Id} <- Events, Id =:= CId],
    ok = check_send_failed([E || #sctp_send_failed{} = E <- Events], CId, Last),
    ok = await_comm_lost(S),
    [ok = gen_sctp:close(X) || X <- [C, S]].

collect_passive(C, Acc) ->
    case gen_sctp:recv(C, 1000) of
        {error, {[1, _, _, 127, 0, 0, 1], [], #sctp_send_failed{} = Ev}} ->
            collect_passive(C, [Ev | Acc]);
        {ok, {?L, _, [], #sctp_assoc_change{} = Ev}} ->
            collect_passive(C, [Ev | Acc]);
        {ok, {?L, _, [], #sctp_paddr_change{}}} ->
            collect_passive(C, Acc);
        {error, timeout} ->
            lists:reverse(Acc);
        Other ->
            ct:fail({unexpected, Other})
    end.

%% The same on an active socket: {sctp_error, S, IP, Port, {Anc, Event}}.
send_failed_active(_Config) ->
    #{s := S, c := C, ca := CA, sport := SPort, last := Last} = full_pair(300),
    CId = CA#sctp_assoc_change.assoc_id,
    ok = inet:setopts(C, [{active, true}]),
    ok = gen_sctp:abort(C, CA),
    Events = collect_active(C, SPort, []),
    [comm_lost] = [St || #sctp_assoc_change{state = St} <- Events],
    ok = check_send_failed([E || #sctp_send_failed{} = E <- Events], CId, Last),
    ok = await_comm_lost(S),
    [ok = gen_sctp:close(X) || X <- [C, S]].

collect_active(C, SPort, Acc) ->
    receive
        {sctp_error, C, ?L, SPort, {[], #sctp_send_failed{} = Ev}} ->
            collect_active(C, SPort, [Ev | Acc]);
        {sctp, C, ?L, SPort, {[], #sctp_assoc_change{} = Ev}} ->
            collect_active(C, SPort, [Ev | Acc]);
        {sctp, C, _, _, {[], #sctp_paddr_change{}}} ->
            collect_active(C, SPort, Acc);
        Other ->
            ct:fail({unexpected, Other})
    after 1000 ->
            lists:reverse(Acc)
    end.

%% A packet injected into the association with a chunk type whose two high
%% bits say "skip and report" makes the server send an ERROR chunk; the
%% client gets #sctp_remote_error{} as {sctp_error, ...}.
remote_error_unknown_chunk(_Config) ->
    16#E3069283 = crc32c(<<"123456789">>),
    #{s := S, c := C, ca := CA, sport := SPort, cport := CPort} = pair([]),
    case socket:open(inet, raw, ?IPPROTO_SCTP) of
        {ok, R} ->
            try inject_unknown_chunk(R, S, C, CA, SPort, CPort)
            after
                socket:close(R),
                [gen_sctp:close(X) || X <- [C, S]]
            end;
        {error, eperm} ->
            [ok = gen_sctp:close(X) || X <- [C, S]],
            {skip, "a raw socket needs CAP_NET_RAW"}
    end.

%% R sees every SCTP packet from now on: the tag the server expects comes with
%% the next packet the client sends it.
inject_unknown_chunk(R, S, C, CA, SPort, CPort) ->
    CId = CA#sctp_assoc_change.assoc_id,
    ok = gen_sctp:send(C, CA, 0, <<"show me the tag">>),
    {ok, {_, _, _, <<"show me the tag">>}} = gen_sctp:recv(S, ?T),
    ServerTag = sniff_vtag(R, CPort, SPort),
    %% Its body reads as one error cause, of code 16#ABCD, 4 bytes long.
    UnknownChunk = <<16#7E, 0, 8:16, 16#ABCD:16, 4:16>>,
    ok = socket:sendto(R, sctp_packet(CPort, SPort, ServerTag, UnknownChunk),
                       #{family => inet, addr => ?L, port => 0}),
    ok = inet:setopts(C, [{active, once}]),
    receive
        {sctp_error, C, ?L, SPort,
         {[], #sctp_remote_error{error = ?UNRECOGNIZED_CHUNK_TYPE, assoc_id = CId,
                                 data = Causes}}} ->
            %% Linux hands over the cause's information, the unknown chunk whole; read
            %% as OTP does, as a chunk whose body holds causes, it gives that body's.
            [16#ABCD] = Causes
    after ?T ->
            ct:fail({no_remote_error, process_info(self(), messages)})
    end,
    %% The association is unharmed.
    ok = gen_sctp:send(C, CA, 0, <<"still here">>),
    {ok, {_, _, _, <<"still here">>}} = gen_sctp:recv(S, ?T),
    ok.

%% A server on two loopback addresses: the client confirms the second path
%% with a heartbeat (addr_confirmed), loses it when packets to it are dropped
%% (addr_unreachable) and gets it back when they flow again (addr_available).
paddr_change_states(_Config) ->
    {S, C, CId, Second} = sctp_test:second_path(1, ?T),
    "" = os:cmd(?BLACKHOLE_L2),
    #sctp_paddr_change{assoc_id = CId} = await_paddr(C, Second, addr_unreachable),
    "" = os:cmd(?UNBLACKHOLE_L2),
    #sctp_paddr_change{assoc_id = CId} = await_paddr(C, Second, addr_available),
    {ok, [{sctp_get_peer_addr_info, #sctp_paddrinfo{state = active}}]} =
        inet:getopts(C, [{sctp_get_peer_addr_info,
                          #sctp_paddrinfo{assoc_id = CId, address = Second}}]),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% A peer that vanishes without a word (every packet to it dropped) is given up
%% after the association's retransmission limit: comm_lost, to an active socket.
comm_lost_peer_gone(_Config) ->
    {S, SPort} = sctp_test:server(?L2, []),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, true},
                             {sctp_associnfo, #sctp_assocparams{asocmaxrxt = 2}} | ?FAST_RTO]),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = CId}} =
        gen_sctp:connect(C, ?L2, SPort, [], ?T),
    ok = inet:setopts(C, [{sctp_peer_addr_params,
                           #sctp_paddrparams{assoc_id = CId, address = {?L2, SPort},
                                             hbinterval = 100, pathmaxrxt = 2,
                                             flags = [hb_enable]}}]),
    "" = os:cmd(?BLACKHOLE_L2),
    receive
        {sctp, C, ?L2, SPort, {[], #sctp_assoc_change{state = comm_lost, assoc_id = CId}}} ->
            ok
    after 3 * ?T ->
            ct:fail({no_comm_lost, process_info(self(), messages)})
    end,
    flush_paddr_changes(C),
    "" = os:cmd(?UNBLACKHOLE_L2),
    [ok = gen_sctp:close(X) || X <- [C, S]].

%% The path events that come with losing the only path.
flush_paddr_changes(C) ->
    receive
        {sctp, C, _, _, {[], #sctp_paddr_change{}}} -> flush_paddr_changes(C)
    after 0 ->
            ok
    end.
