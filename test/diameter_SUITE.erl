%% OTP's diameter application, unchanged, over this library: its SCTP
%% transport (diameter_sctp) listens and peels off one socket per association,
%% connects with connect_init, reads with {active, once}, rotates over the
%% outbound streams and, asked to, sends unordered. A client service in the
%% test node talks to a server service in a second Erlang node; both nodes run
%% this library's gen_sctp. The requests are Session-Termination-Requests of
%% diameter's own RFC 6733 base dictionary.
-module(diameter_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include_lib("diameter/include/diameter.hrl").
-include_lib("diameter/include/diameter_gen_base_rfc6733.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0, init_per_suite/1, end_per_suite/1,
         init_per_testcase/2, end_per_testcase/2]).
-export([requests/1, concurrent_requests/1, server_restart/1]).
%% The diameter application callbacks, for both services.
-export([peer_up/3, peer_down/3, pick_peer/4, prepare_request/3, prepare_retransmit/3,
         handle_answer/4, handle_error/4, handle_request/3]).
%% Run in the server's node.
-export([start_server/1]).

-define(CLIENT, diameter_client).
-define(SERVER, diameter_server).
-define(CONCURRENT, 200).

suite() -> [{ct_hooks, [sctp_test]}, {timetrap, {minutes, 10}}].

all() -> [requests, concurrent_requests, server_restart].

%% One server node listening on a port of its own and a client service
%% connected to it, for all the cases (a node takes seconds to start in the
%% test VM); server_restart, the last case, kills that node and stops the one it
%% starts instead.
init_per_suite(Config) ->
    {ok, _} = application:ensure_all_started(diameter),
    Port = sctp_test:free_port(),
    Server = start_server_node(Port),
    true = diameter:subscribe(?CLIENT),
    ok = diameter:start_service(?CLIENT, service("client.example.com")),
    {ok, _} = diameter:add_transport(?CLIENT, {connect, client_transport(Port)}),
    ok = wait_event(up),
    true = diameter:unsubscribe(?CLIENT),
    [{port, Port}, {server, Server} | Config].

end_per_suite(Config) ->
    ok = diameter:stop_service(?CLIENT),
    stop_server_node(?config(server, Config)),
    ok = application:stop(diameter).

%% Each case gets the client's events from its start on.
init_per_testcase(_Case, Config) ->
    true = diameter:subscribe(?CLIENT),
    Config.

end_per_testcase(_Case, _Config) ->
    true = diameter:unsubscribe(?CLIENT),
    flush_events().

%%% Test cases

%% Requests one after the other, each answered; the answering node also runs
%% this library. Once the capabilities exchange and a first answer are through,
%% diameter_sctp sends on every outbound stream in turn, on both sides.
requests(Config) ->
    {Server, _OsPid} = ?config(server, Config),
    ServerGenSctp = peer:call(Server, code, which, [gen_sctp], ?LONG),
    ct:pal("gen_sctp in the server node: ~s", [ServerGenSctp]),
    ServerGenSctp = sctp_test:assert_gen_sctp_is_ours(),
    {Requests, Answers} = check_answers([call(I) || I <- lists:seq(1, 10)]),
    ct:pal("requests received on streams ~w, answers on ~w", [Requests, Answers]),
    true = length(Requests) > 1,
    true = length(Answers) > 1,
    ok.

%% Many requests at once, each from its own process, all answered; the answers
%% come back over several streams. (On a new association the requests would all
%% leave on stream 0, before the first answer arrives.)
concurrent_requests(_Config) ->
    Calls = [sctp_test:async(fun() -> call(I) end) || I <- lists:seq(1, ?CONCURRENT)],
    {Requests, Answers} = check_answers([sctp_test:await(C, ?LONG) || C <- Calls]),
    ct:pal("~p answers; requests received on streams ~w, answers on ~w",
           [?CONCURRENT, Requests, Answers]),
    true = length(Answers) > 1,
    ok.

%% The server node is killed and started again on the same port: the client's
%% association goes down, diameter reconnects, and requests succeed again.
server_restart(Config) ->
    Port = ?config(port, Config),
    check_answers([call(I) || I <- lists:seq(1, 10)]),
    {_, OsPid} = ?config(server, Config),
    T0 = erlang:monotonic_time(millisecond),
    Step = fun(What) ->
                   ct:pal("~s after ~p ms", [What, erlang:monotonic_time(millisecond) - T0])
           end,
    kill_os_process(OsPid),
    ok = wait_event(down),
    Step("peer down"),
    {error, _} = diameter:call(?CLIENT, base, str(0), [{timeout, 5000}]),
    Step("request refused"),
    Restarted = start_server_node(Port),
    Step("server node started"),
    ok = wait_event(up),
    Step("peer up"),
    Calls = [sctp_test:async(fun() -> call(I) end) || I <- lists:seq(1, 50)],
    check_answers([sctp_test:await(C, ?LONG) || C <- Calls]),
    Step("50 answers"),
    stop_server_node(Restarted),
    ok.

%%% The two services

service(Host) ->
    [{'Origin-Host', Host},
     {'Origin-Realm', "example.com"},
     {'Vendor-Id', 0},
     {'Product-Name', "gen_sctp_nif test"},
     {'Auth-Application-Id', [0]},
     %% Strings as binaries.
     {string_decode, false},
     {application, [{alias, base},
                    {dictionary, diameter_gen_base_rfc6733},
                    {module, ?MODULE}]}].

%% Five streams each way; requests rotate over them and go unordered once the
%% capabilities exchange is over. connect_timer paces only the first connection:
%% once one is lost, diameter tries again as the watchdog timer runs out, here
%% after RFC 3539's smallest, 6 s (give or take 2 s), not the default 30 s. It is
%% back up after one answered watchdog request over the new association, not
%% RFC 3539's three.
client_transport(Port) ->
    [{transport_module, diameter_sctp},
     {transport_config, [{raddr, ?L}, {rport, Port}, {ip, ?L}, {unordered, true},
                         {sctp_initmsg, #sctp_initmsg{num_ostreams = ?STREAMS,
                                                      max_instreams = ?STREAMS}}]},
     {connect_timer, 1000},
     {watchdog_timer, 6000},
     {watchdog_config, [{okay, 1}]}].

%% In the server node: diameter listening on Port of 127.0.0.1.
start_server(Port) ->
    {ok, _} = application:ensure_all_started(diameter),
    ok = diameter:start_service(?SERVER, service("server.example.com")),
    {ok, _} = diameter:add_transport(
                ?SERVER,
                {listen, [{transport_module, diameter_sctp},
                          {transport_config,
                           [{ip, ?L}, {port, Port}, {reuseaddr, true},
                            {sctp_initmsg, #sctp_initmsg{num_ostreams = ?STREAMS,
                                                         max_instreams = ?STREAMS}}]}]}),
    {code:which(gen_sctp), os:getpid()}.

%% A node with this application's ebin and this suite's folder first on its
%% code path, running start_server(Port); also asserts the node uses our
%% gen_sctp.
start_server_node(Port) ->
    Ebin = filename:join(code:lib_dir(gen_sctp_nif), "ebin"),
    {ok, Peer, _} = peer:start(#{connection => standard_io,
                                 env => [{"ERL_LIBS", false}],
                                 wait_boot => ?LONG,
                                 args => ["-pa", Ebin,
                                          "-pa", filename:dirname(code:which(?MODULE))]}),
    {Which, OsPid} = peer:call(Peer, ?MODULE, start_server, [Port], ?LONG),
    Which = sctp_test:assert_gen_sctp_is_ours(),
    {Peer, OsPid}.

stop_server_node({Peer, _OsPid}) ->
    try peer:stop(Peer) catch exit:_ -> ok end,
    ok.

kill_os_process(OsPid) ->
    "" = os:cmd("kill -9 " ++ OsPid).

%%% Requests

%% Session-Termination-Request number I; the answer and the stream it came on.
%% The server puts the stream it received the request on in the answer's Class.
call(I) ->
    diameter:call(?CLIENT, base, str(I), [{timeout, ?LONG}]).

str(I) ->
    #diameter_base_STR{'Session-Id' = session_id(I),
                       'Auth-Application-Id' = 0,
                       'Termination-Cause' = 1}.

session_id(I) ->
    "client.example.com;" ++ integer_to_list(I).

%% Every answer, in the order of requests 1..N, succeeded and belongs to its
%% request; gives the sets of streams the server received the requests on and
%% the client the answers on.
check_answers(Answers) ->
    Streams = [begin
                   Id = list_to_binary(session_id(I)),
                   {ok, {#diameter_base_STA{'Result-Code' = 2001, 'Session-Id' = Id,
                                            'Class' = [RequestStream]},
                         AnswerStream}} = Answer,
                   {binary_to_integer(RequestStream), AnswerStream}
               end || {I, Answer} <- lists:zip(lists:seq(1, length(Answers)), Answers)],
    {lists:usort([R || {R, _} <- Streams]), lists:usort([A || {_, A} <- Streams])}.

%%% diameter callbacks

peer_up(_Svc, _Peer, State) -> State.

peer_down(_Svc, _Peer, State) -> State.

pick_peer([Peer | _], _, _Svc, _State) -> {ok, Peer};
pick_peer([], _, _Svc, _State) -> false.

prepare_request(#diameter_packet{msg = Req}, _Svc, {_PeerRef, Caps}) ->
    #diameter_caps{origin_host = {OH, _}, origin_realm = {OR, DR}} = Caps,
    {send, Req#diameter_base_STR{'Origin-Host' = OH, 'Origin-Realm' = OR,
                                 'Destination-Realm' = DR}}.

prepare_retransmit(Packet, Svc, Peer) ->
    prepare_request(Packet, Svc, Peer).

%% A good answer, with the stream it arrived on.
handle_answer(#diameter_packet{msg = Answer, errors = [], transport_data = {stream, Stream}},
              _Req, _Svc, _Peer) ->
    {ok, {Answer, Stream}};
handle_answer(#diameter_packet{msg = Answer, errors = Errors}, _Req, _Svc, _Peer) ->
    {error, {Errors, Answer}}.

handle_error(Reason, _Req, _Svc, _Peer) ->
    {error, Reason}.

%% The server answers with success and, in Class, the stream the request
%% arrived on.
handle_request(#diameter_packet{msg = #diameter_base_STR{'Session-Id' = Id},
                                transport_data = {stream, Stream}},
               _Svc, {_PeerRef, Caps}) ->
    #diameter_caps{origin_host = {OH, _}, origin_realm = {OR, _}} = Caps,
    {reply, #diameter_base_STA{'Session-Id' = Id, 'Result-Code' = 2001,
                               'Origin-Host' = OH, 'Origin-Realm' = OR,
                               'Class' = [integer_to_binary(Stream)]}}.

%%% Events

%% Waits for the client's peer connection to come up or go down.
wait_event(What) ->
    receive
        #diameter_event{service = ?CLIENT, info = Info} when element(1, Info) =:= What ->
            ok;
        #diameter_event{service = ?CLIENT} ->
            wait_event(What)
    after ?LONG ->
            ct:fail({no_event, What})
    end.

flush_events() ->
    receive
        #diameter_event{} -> flush_events()
    after 0 ->
            ok
    end.
