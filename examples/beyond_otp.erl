%% What this library offers beyond OTP's gen_sctp, one short example per feature
%% group, each between two sockets on loopback in one node. README.md's "Beyond OTP"
%% shows them; examples_SUITE runs them. Each returns what it saw.
-module(beyond_otp).

-export([sender_dry_flow/2, pr_sctp_ttl/1, reset_stream/0, auth/0]).

-include_lib("kernel/include/inet_sctp.hrl").
-include_lib("gen_sctp_nif/include/gen_sctp_nif.hrl").

%% Flow control by sender_dry: sends Count messages in bursts of Burst and starts each
%% burst only once the peer has acknowledged all before it, so no more than one burst
%% is ever in flight or queued. Returns the messages the server received, in order.
sender_dry_flow(Count, Burst) ->
    {Server, Client, Assoc, _} = pair([]),
    #sctp_assoc_change{assoc_id = Id} = Assoc,
    ok = inet:setopts(Client, [{sctp_event, #sctp_event{assoc_id = Id, type = sender_dry,
                                                        on = true}}]),
    %% Nothing is in flight yet: the first sender_dry comes at once.
    ok = await_dry(Client, Id),
    Bursts = [lists:seq(First, min(First + Burst - 1, Count))
              || First <- lists:seq(1, Count, Burst)],
    lists:foreach(fun(Numbers) ->
                          [ok = gen_sctp:send(Client, Assoc, 0, <<N:32>>) || N <- Numbers],
                          ok = await_dry(Client, Id)
                  end, Bursts),
    Received = [N || <<N:32>> <- receive_data(Server, Count)],
    close([Client, Server]),
    Received.

await_dry(S, Id) ->
    {ok, {_, _, [], #sctp_sender_dry_event{assoc_id = Id}}} = gen_sctp:recv(S, 10000),
    ok.

%% PR-SCTP: a message that cannot leave within its time to live is abandoned, not kept
%% in the queue. The server reads nothing with a small receive buffer, so its window
%% closes and the client's queue fills with messages sent with #sctp_prinfo{policy =
%% ttl}; the kernel abandons them once their TtlMs are up. Then the server reads again,
%% and a last message sent without a policy arrives, after those that went before the
%% window closed. Returns {Sent, Abandoned, ReceivedBeforeLast}: the sum of the last
%% two is Sent. A time to live above the peer's delayed SACK (200 ms) keeps a message
%% that arrived from being abandoned before its acknowledgement comes.
pr_sctp_ttl(TtlMs) ->
    {Server, Client, Assoc, _} = pair([{recbuf, 4096}]),
    #sctp_assoc_change{assoc_id = Id} = Assoc,
    ok = inet:setopts(Client, [{non_block_send, true}]),
    Info = [#sctp_sndinfo{assoc_id = Id}, #sctp_prinfo{policy = ttl, value = TtlMs}],
    Message = binary:copy(<<"x">>, 1000),
    Sent = send_until_full(Client, Info, Message, 0),
    _ = await_abandoned(Client, Id, 300),
    ok = inet:setopts(Client, [{non_block_send, false}]),
    ok = gen_sctp:send(Client, [#sctp_sndinfo{assoc_id = Id}], <<"last">>),
    Received = receive_until(Server, <<"last">>, 0),
    Abandoned = abandoned(Client, Id),
    close([Client, Server]),
    {Sent, Abandoned, Received}.

%% Sends until the send buffer is full (the peer reads nothing); returns how many went.
send_until_full(S, Info, Message, Sent) ->
    case gen_sctp:send(S, Info, Message) of
        ok -> send_until_full(S, Info, Message, Sent + 1);
        {error, eagain} -> Sent
    end.

%% How many messages of association Id the kernel abandoned, once there are any; it
%% looks every 100 ms, Tries times at most.
await_abandoned(S, Id, Tries) when Tries > 0 ->
    case abandoned(S, Id) of
        0 -> timer:sleep(100), await_abandoned(S, Id, Tries - 1);
        Abandoned -> Abandoned
    end.

%% The messages of association Id abandoned by their time to live so far.
abandoned(S, Id) ->
    Ask = #sctp_prstatus{assoc_id = Id, policy = ttl},
    {ok, [{sctp_pr_assoc_status, Status}]} = inet:getopts(S, [{sctp_pr_assoc_status, Ask}]),
    #sctp_prstatus{abandoned_unsent = Unsent, abandoned_sent = SentThen} = Status,
    Unsent + SentThen.

%% Reads data until Last; returns how many messages came before it.
receive_until(S, Last, Count) ->
    case gen_sctp:recv(S, 10000) of
        {ok, {_, _, [#sctp_sndrcvinfo{}], Last}} -> Count;
        {ok, {_, _, [#sctp_sndrcvinfo{}], _Data}} -> receive_until(S, Last, Count + 1);
        {ok, {_, _, _, _Event}} -> receive_until(S, Last, Count)
    end.

%% RFC 6525 stream reconfiguration: the client resets its outgoing stream 1, and both
%% ends get a #sctp_stream_reset_event{}. Both endpoints turn reconfiguration on before
%% the association starts (sctp_reconfig_supported; the sysctl net.sctp.reconf_enable
%% does it for all) and accept stream resets. Returns the client's and the server's event.
reset_stream() ->
    Subscribed = {sctp_event, #sctp_event{type = stream_reset, on = true}},
    {Server, Client, Assoc, _} = pair([{sctp_reconfig_supported, true},
                                    {sctp_enable_stream_reset, [reset_streams]}, Subscribed]),
    #sctp_assoc_change{assoc_id = Id} = Assoc,
    ok = gen_sctp:reset_streams(Client, Id, [outgoing], [1]),
    {ok, {_, _, [], #sctp_stream_reset_event{} = Ours}} = gen_sctp:recv(Client, 10000),
    {ok, {_, _, [], #sctp_stream_reset_event{} = Theirs}} = gen_sctp:recv(Server, 10000),
    close([Client, Server]),
    {Ours, Theirs}.

%% SCTP-AUTH (RFC 4895): both ends require DATA authenticated, with shared key 1, and
%% move to a new key 2 while the association carries data. The endpoints turn AUTH on
%% themselves (sctp_auth_supported; the sysctl net.sctp.auth_enable does it for all).
%% Returns the messages the server received and the chunk types the client's peer
%% requires authenticated (0 is DATA).
auth() ->
    Key1 = #sctp_authkey{assoc_id = 0, keynumber = 1, key = <<"the first shared key">>},
    Options = [{sctp_auth_supported, true}, {sctp_auth_chunk, 0}, {sctp_auth_key, Key1},
               {sctp_auth_active_key, #sctp_authkeyid{assoc_id = 0, keynumber = 1}}],
    {Server, Client, Assoc, ServerId} = pair(Options),
    #sctp_assoc_change{assoc_id = ClientId} = Assoc,
    ok = gen_sctp:send(Client, Assoc, 0, <<"with key 1">>),
    Key2 = <<"the second shared key">>,
    [ok = inet:setopts(S, [{sctp_auth_key, #sctp_authkey{assoc_id = Id, keynumber = 2,
                                                         key = Key2}},
                           {sctp_auth_active_key, #sctp_authkeyid{assoc_id = Id,
                                                                  keynumber = 2}}])
     || {S, Id} <- [{Server, ServerId}, {Client, ClientId}]],
    ok = gen_sctp:send(Client, Assoc, 0, <<"with key 2">>),
    Received = receive_data(Server, 2),
    Ask = #sctp_authchunks{assoc_id = ClientId},
    {ok, [{sctp_peer_auth_chunks, #sctp_authchunks{chunks = Chunks}}]} =
        inet:getopts(Client, [{sctp_peer_auth_chunks, Ask}]),
    close([Client, Server]),
    {Received, Chunks}.

%%% Shared by the examples

%% A listening server and a client connected to it, both passive, both with Options;
%% also the association's id on the server.
pair(Options) ->
    {ok, Server} = gen_sctp:open([{ip, loopback} | Options]),
    ok = gen_sctp:listen(Server, true),
    {ok, Port} = inet:port(Server),
    {ok, Client} = gen_sctp:open([{ip, loopback} | Options]),
    {ok, #sctp_assoc_change{state = comm_up} = Assoc} =
        gen_sctp:connect(Client, loopback, Port, []),
    {ok, {_, _, [], #sctp_assoc_change{state = comm_up, assoc_id = ServerId}}} =
        gen_sctp:recv(Server, 10000),
    {Server, Client, Assoc, ServerId}.

%% The data of Count messages, in the order they came.
receive_data(_S, 0) ->
    [];
receive_data(S, Count) ->
    case gen_sctp:recv(S, 10000) of
        {ok, {_, _, [#sctp_sndrcvinfo{}], Data}} -> [Data | receive_data(S, Count - 1)];
        {ok, {_, _, _, _Event}} -> receive_data(S, Count)
    end.

close(Sockets) ->
    lists:foreach(fun gen_sctp:close/1, Sockets).
