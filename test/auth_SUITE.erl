%% SCTP-AUTH (RFC 4895) on a kernel SCTP stack over loopback: DATA authenticated
%% between two of this library's sockets with shared keys added, made active,
%% deactivated and deleted on both ends while data flows, the authentication
%% events that come of it in the passive and the active shape, and a plain OTP
%% gen_sctp peer (a node without this library) associating with a socket of
%% ours that has authenticated chunks and keys set.
%%
%% Linux takes the SCTP-AUTH options only on an endpoint with AUTH on, which
%% net.sctp.auth_enable is the default of: each case sets it in
%% init_per_testcase and end_per_testcase restores it.
-module(auth_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("gen_sctp_nif.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_testcase/2, end_per_testcase/2]).
-import(sctp_test, [next/1, next_active/1]).

-export([options_round_trip/1, chunk_type_names/1, shared_keys_passive/1,
         shared_keys_active/1, otp_peer_authenticated/1, otp_peer_without_auth/1]).

%% The chunk type of DATA.
-define(DATA, 0).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 3}}].

all() ->
    [options_round_trip, chunk_type_names, shared_keys_passive, shared_keys_active,
     otp_peer_authenticated, otp_peer_without_auth].

%% The OTP peer without AUTH opens its socket with AUTH off; ours turns it on itself.
sysctl(otp_peer_without_auth) -> "0";
sysctl(_Case) -> "1".

init_per_testcase(Case, Config) ->
    [{saved_auth_enable, set_auth_enable(sysctl(Case))} | Config].

end_per_testcase(_Case, Config) ->
    _ = set_auth_enable(?config(saved_auth_enable, Config)),
    ok.

%% Sets net.sctp.auth_enable and gives the value it had.
set_auth_enable(Value) ->
    sctp_test:set_sysctl("auth_enable", Value).

%%% Helpers

subscribe_auth() ->
    {sctp_event, #sctp_event{assoc_id = 0, type = authentication, on = true}}.

key(AssocId, N, Key) ->
    {sctp_auth_key, #sctp_authkey{assoc_id = AssocId, keynumber = N, key = Key}}.

keyid(Option, AssocId, N) ->
    {Option, #sctp_authkeyid{assoc_id = AssocId, keynumber = N}}.

%% The options both ends of shared_keys open with: DATA authenticated, SHA-256
%% preferred, key 1 the endpoint's active key.
auth_opts() ->
    [{sctp_auth_chunk, ?DATA}, {sctp_hmac_ident, [sha256, sha1]},
     key(0, 1, <<"the first shared key">>), keyid(sctp_auth_active_key, 0, 1),
     subscribe_auth()].

%% The next message on S that is not a new_key event for key N (the kernel
%% gives one for each packet authenticated with a key other than the active
%% one, so a retransmission may bring a second).
next_skipping_new_key(S, N, Next) ->
    case Next(S) of
        {_, _, [], #sctp_authkey_event{keynumber = N, indication = new_key}} ->
            next_skipping_new_key(S, N, Next);
        Msg ->
            Msg
    end.

%% Data from one end to the other: From sends on its association FromId, To
%% gets it (and no event first).
transfer(From, FromId, To, Data, Next) ->
    ok = gen_sctp:send(From, FromId, 0, Data),
    {?L, _, [#sctp_sndrcvinfo{}], Data} = next_skipping_new_key(To, 2, Next),
    ok.

getopt(S, Option) ->
    {ok, [{_, Value}]} = inet:getopts(S, [Option]),
    Value.

close_all(Socks) ->
    [ok = inet:setopts(X, [{active, false}]) || X <- Socks],
    [ok = gen_sctp:close(X) || X <- Socks],
    ok.

%%% Test cases

%% What each option reads back on an endpoint, and what it refuses.
options_round_trip(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    %% The kernel's default: SHA-1 only; no chunk type authenticated.
    [sha1] = getopt(S, sctp_hmac_ident),
    #sctp_authchunks{assoc_id = 0, chunks = []} = getopt(S, sctp_local_auth_chunks),
    #sctp_authkeyid{assoc_id = 0, keynumber = 0} = getopt(S, sctp_auth_active_key),
    ok = inet:setopts(S, [{sctp_auth_chunk, ?DATA}, {sctp_auth_chunk, 128}]),
    #sctp_authchunks{chunks = Chunks} = getopt(S, {sctp_local_auth_chunks,
                                                    #sctp_authchunks{assoc_id = 0}}),
    [?DATA, 128] = lists:sort(Chunks),
    ok = inet:setopts(S, [{sctp_hmac_ident, [sha256, sha1]}]),
    [sha256, sha1] = getopt(S, sctp_hmac_ident),
    %% SHA-1 is required; none, an unknown one or too many are refused.
    {error, einval} = inet:setopts(S, [{sctp_hmac_ident, [sha256]}]),
    {error, einval} = inet:setopts(S, [{sctp_hmac_ident, []}]),
    {error, einval} = inet:setopts(S, [{sctp_hmac_ident, [md5]}]),
    {error, einval} = inet:setopts(S, [{sctp_hmac_ident, [sha1, sha1, sha1, sha1, sha1]}]),
    [sha256, sha1] = getopt(S, sctp_hmac_ident),
    %% Keys: the active one must exist and cannot be deactivated or deleted; an
    %% empty key is a key.
    ok = inet:setopts(S, [key(0, 1, <<"one">>), key(0, 2, <<>>)]),
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_active_key, 0, 3)]),
    ok = inet:setopts(S, [keyid(sctp_auth_active_key, 0, 2)]),
    #sctp_authkeyid{assoc_id = 0, keynumber = 2} =
        getopt(S, {sctp_auth_active_key, #sctp_authkeyid{assoc_id = 0}}),
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_deactivate_key, 0, 2)]),
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_delete_key, 0, 2)]),
    ok = inet:setopts(S, [keyid(sctp_auth_deactivate_key, 0, 1)]),
    %% A deactivated key cannot be made active again.
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_active_key, 0, 1)]),
    ok = inet:setopts(S, [keyid(sctp_auth_delete_key, 0, 1)]),
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_delete_key, 0, 1)]),
    %% Set-only options are left out of getopts, as sctp_set_peer_primary_addr.
    {ok, []} = inet:getopts(S, [sctp_auth_chunk, sctp_auth_key, sctp_auth_delete_key,
                                sctp_auth_deactivate_key]),
    {ok, []} = inet:getopts(S, [{sctp_auth_delete_key, #sctp_authkeyid{keynumber = 2}}]),
    %% Bad values.
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, 256}]),
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, bogus}]),
    %% INIT and AUTH are never authenticated.
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, 1}]),
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, 15}]),
    {error, einval} = inet:setopts(S, [key(0, undefined, <<"k">>)]),
    {error, einval} = inet:setopts(S, [key(0, 70000, <<"k">>)]),
    {error, einval} = inet:setopts(S, [key(0, 3, "k")]),
    {error, einval} = inet:setopts(S, [key(0, 3, binary:copy(<<0>>, 65536))]),
    {error, einval} = inet:setopts(S, [keyid(sctp_auth_delete_key, 0, undefined)]),
    ok = inet:setopts(S, [key(0, 3, binary:copy(<<7>>, 65535))]),
    %% Without AUTH on the endpoint the kernel refuses them all.
    {ok, NoAuth} = gen_sctp:open([{ip, ?L}, {sctp_auth_supported, false}]),
    {error, einval} = inet:setopts(NoAuth, [{sctp_auth_chunk, ?DATA}]),
    {error, einval} = inet:setopts(NoAuth, [key(0, 1, <<"one">>)]),
    {ok, []} = inet:getopts(NoAuth, [sctp_hmac_ident, sctp_local_auth_chunks]),
    ok = gen_sctp:close(NoAuth),
    ok = gen_sctp:close(S).

shared_keys_passive(_Config) ->
    shared_keys(fun sctp_test:next/1, fun(_) -> ok end).

shared_keys_active(_Config) ->
    shared_keys(fun sctp_test:next_active/1, fun(S) -> ok = inet:setopts(S, [{active, true}]) end).

%% sctp_auth_chunk takes a chunk type by its name too, the RFCs' in lowercase;
%% sctp_local_auth_chunks reads numbers back, as before.
chunk_type_names(_Config) ->
    {ok, S} = gen_sctp:open([{ip, ?L}]),
    Named = [{data, 0}, {sack, 3}, {heartbeat, 4}, {heartbeat_ack, 5}, {abort, 6},
             {shutdown, 7}, {shutdown_ack, 8}, {error, 9}, {cookie_echo, 10},
             {cookie_ack, 11}, {ecne, 12}, {cwr, 13}, {i_data, 16#40}, {asconf_ack, 16#80},
             {reconf, 16#82}, {pad, 16#84}, {forward_tsn, 16#c0}, {asconf, 16#c1},
             {i_forward_tsn, 16#c2}],
    %% Each on an endpoint of its own, the kernel's list being short.
    _ = [begin
             {ok, E} = gen_sctp:open([{ip, ?L}]),
             {Name, ok} = {Name, inet:setopts(E, [{sctp_auth_chunk, Name}])},
             {Name, #sctp_authchunks{assoc_id = 0, chunks = [N]}} =
                 {Name, getopt(E, sctp_local_auth_chunks)},
             ok = gen_sctp:close(E)
         end || {Name, N} <- Named],
    %% A few on one, and a name with a number.
    ok = inet:setopts(S, [{sctp_auth_chunk, data}, {sctp_auth_chunk, i_data},
                          {sctp_auth_chunk, 16#82}, {sctp_auth_chunk, asconf}]),
    Numbers = [0, 16#40, 16#82, 16#c1],
    #sctp_authchunks{assoc_id = 0, chunks = Chunks} = getopt(S, sctp_local_auth_chunks),
    Numbers = lists:sort(Chunks),
    %% SHUTDOWN COMPLETE has a name, which the kernel refuses as it refuses 14.
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, shutdown_complete}]),
    {error, einval} = inet:setopts(S, [{sctp_auth_chunk, 14}]),
    %% INIT, INIT ACK and AUTH have none (never authenticated), nor has anything else.
    _ = [{error, einval} = inet:setopts(S, [{sctp_auth_chunk, Bad}])
         || Bad <- [init, init_ack, auth, bogus, 'DATA', "data", <<"data">>, 1.0]],
    #sctp_authchunks{chunks = Again} = getopt(S, sctp_local_auth_chunks),
    Numbers = lists:sort(Again),
    ok = gen_sctp:close(S).

%% Both ends authenticate DATA with key 1, then switch to a key 2 added to the
%% association, one end first (the other learns of the new key from the first
%% packet that uses it), deactivate key 1 (each end learns that it is free) and
%% delete it. Data flows both ways throughout.
shared_keys(Next, Start) ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, false} | auth_opts()]),
    {ok, SPort} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {ok, C} = gen_sctp:open([{ip, ?L}, {active, false} | auth_opts()]),
    {ok, #sctp_assoc_change{state = comm_up, assoc_id = CId}} =
        gen_sctp:connect(C, ?L, SPort, [sctp_test:initmsg()], ?T),
    ok = Start(S),
    ok = Start(C),
    {?L, _, _, #sctp_assoc_change{state = comm_up, assoc_id = SId}} = Next(S),
    %% Each end requires DATA of the other authenticated.
    [#sctp_authchunks{assoc_id = CId, chunks = CPeer},
     #sctp_authchunks{assoc_id = CId, chunks = CLocal}] =
        [getopt(C, {Opt, #sctp_authchunks{assoc_id = CId}})
         || Opt <- [sctp_peer_auth_chunks, sctp_local_auth_chunks]],
    true = lists:member(?DATA, CPeer) andalso lists:member(?DATA, CLocal),
    #sctp_authchunks{chunks = SPeer} =
        getopt(S, {sctp_peer_auth_chunks, #sctp_authchunks{assoc_id = SId}}),
    true = lists:member(?DATA, SPeer),
    #sctp_authkeyid{assoc_id = CId, keynumber = 1} =
        getopt(C, {sctp_auth_active_key, #sctp_authkeyid{assoc_id = CId}}),
    ok = transfer(C, CId, S, <<"key 1 there">>, Next),
    ok = transfer(S, SId, C, <<"key 1 back">>, Next),
    %% Key 2 on both associations; the client sends with it first.
    Key2 = <<"the second shared key">>,
    ok = inet:setopts(C, [key(CId, 2, Key2), keyid(sctp_auth_active_key, CId, 2)]),
    ok = inet:setopts(S, [key(SId, 2, Key2)]),
    ok = gen_sctp:send(C, CId, 0, <<"key 2 there">>),
    {?L, _, [], #sctp_authkey_event{assoc_id = SId, keynumber = 2, indication = new_key}} =
        Next(S),
    {?L, _, [#sctp_sndrcvinfo{}], <<"key 2 there">>} = next_skipping_new_key(S, 2, Next),
    ok = inet:setopts(S, [keyid(sctp_auth_active_key, SId, 2)]),
    #sctp_authkeyid{assoc_id = SId, keynumber = 2} =
        getopt(S, {sctp_auth_active_key, #sctp_authkeyid{assoc_id = SId}}),
    ok = transfer(S, SId, C, <<"key 2 back">>, Next),
    %% Key 1 deactivated: each end says it is free at once, or once the last
    %% message sent with it is acknowledged.
    {error, einval} = inet:setopts(C, [keyid(sctp_auth_deactivate_key, CId, 2)]),
    ok = inet:setopts(C, [keyid(sctp_auth_deactivate_key, CId, 1)]),
    {?L, SPort, [], #sctp_authkey_event{assoc_id = CId, keynumber = 1,
                                        indication = free_key}} = Next(C),
    ok = inet:setopts(S, [keyid(sctp_auth_deactivate_key, SId, 1)]),
    {?L, _, [], #sctp_authkey_event{assoc_id = SId, keynumber = 1, indication = free_key}} =
        next_skipping_new_key(S, 2, Next),
    %% Deleted, key 1 is gone; the active key cannot be deleted.
    {error, einval} = inet:setopts(C, [keyid(sctp_auth_delete_key, CId, 2)]),
    ok = inet:setopts(C, [keyid(sctp_auth_delete_key, CId, 1)]),
    ok = inet:setopts(S, [keyid(sctp_auth_delete_key, SId, 1)]),
    {error, einval} = inet:setopts(C, [keyid(sctp_auth_delete_key, CId, 1)]),
    {error, einval} = inet:setopts(C, [keyid(sctp_auth_active_key, CId, 1)]),
    ok = transfer(C, CId, S, <<"key 2 after key 1 went">>, Next),
    ok = transfer(S, SId, C, <<"key 2 after key 1 went, back">>, Next),
    close_all([C, S]).

%% A plain OTP gen_sctp endpoint with AUTH on (net.sctp.auth_enable = 1) and
%% only the null key: our socket, which requires DATA authenticated and has a
%% key of its own besides the null key, associates with it, and messages go
%% both ways, authenticated with the null key that both ends have.
otp_peer_authenticated(_Config) ->
    {Peer, PeerPort} = sctp_test:otp_echo_server(),
    try
        {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sctp_auth_chunk, ?DATA},
                                 key(0, 1, <<"a key the peer lacks">>), subscribe_auth()]),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, PeerPort, [], ?T),
        #sctp_authchunks{assoc_id = Id, chunks = Local} =
            getopt(C, {sctp_local_auth_chunks, #sctp_authchunks{assoc_id = Id}}),
        true = lists:member(?DATA, Local),
        %% The peer supports AUTH (else this would be left out) and requires nothing.
        #sctp_authchunks{assoc_id = Id, chunks = []} =
            getopt(C, {sctp_peer_auth_chunks, #sctp_authchunks{assoc_id = Id}}),
        #sctp_authkeyid{keynumber = 0} =
            getopt(C, {sctp_auth_active_key, #sctp_authkeyid{assoc_id = Id}}),
        [ok = sctp_test:echoed(Peer, C, Id, PeerPort, Msg)
         || Msg <- [<<"one">>, <<"two">>, binary:copy(<<"three">>, 1000)]],
        ok = gen_sctp:close(C)
    after
        peer:stop(Peer)
    end.

%% A plain OTP gen_sctp endpoint with AUTH off (net.sctp.auth_enable = 0 when it
%% opened): our socket turns AUTH on, requires DATA authenticated and has a key;
%% it learns at once that the peer does not authenticate, and messages go both
%% ways unauthenticated.
otp_peer_without_auth(_Config) ->
    {Peer, PeerPort} = sctp_test:otp_echo_server(),
    try
        {ok, C} = gen_sctp:open([{ip, ?L}, {active, false}, {sctp_auth_supported, true},
                                 {sctp_auth_chunk, ?DATA}, key(0, 1, <<"one">>),
                                 keyid(sctp_auth_active_key, 0, 1), subscribe_auth()]),
        {ok, #sctp_assoc_change{state = comm_up, assoc_id = Id}} =
            gen_sctp:connect(C, ?L, PeerPort, [], ?T),
        {?L, PeerPort, [], #sctp_authkey_event{assoc_id = Id, keynumber = 0,
                                               indication = no_auth}} = next(C),
        %% The peer does not do AUTH: the kernel refuses to read its chunk list.
        {ok, []} = inet:getopts(C, [{sctp_peer_auth_chunks, #sctp_authchunks{assoc_id = Id}}]),
        [ok = sctp_test:echoed(Peer, C, Id, PeerPort, Msg) || Msg <- [<<"one">>, <<"two">>]],
        ok = gen_sctp:close(C)
    after
        peer:stop(Peer)
    end.
