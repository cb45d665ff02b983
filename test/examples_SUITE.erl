%% Runs the three examples from OTP's gen_sctp reference page (examples/)
%% over this library on a real SCTP kernel, and checks what they print; then
%% the examples of what it offers beyond OTP (examples/beyond_otp.erl).
-module(examples_SUITE).

-include_lib("common_test/include/ct.hrl").
-include_lib("kernel/include/inet_sctp.hrl").
-include("sctp_test.hrl").
-include("../include/gen_sctp_nif.hrl").

-export([all/0, suite/0]).
-export([server_and_client/1, ex3_connect_init/1]).
-export([beyond_sender_dry_flow/1, beyond_pr_sctp_ttl/1, beyond_reset_stream/1,
         beyond_auth/1]).

%% sctp_client sleeps 21 s by design; the VM runs everything else ~10x slower.
suite() -> [{ct_hooks, [{sctp_test, [any_mailbox]}]}, {timetrap, {minutes, 3}}].

all() ->
    [server_and_client, ex3_connect_init, beyond_sender_dry_flow, beyond_pr_sctp_ttl,
     beyond_reset_stream, beyond_auth].

%%% Test cases

%% sctp_server prints what it receives: the association coming up, "Test 0"
%% on stream 0, and the comm_lost from the client's abort. sctp_client prints
%% the association and the results of send (stream 0: ok; stream 5: einval,
%% since the association has 5 outbound streams) and abort.
server_and_client(_Config) ->
    Port = sctp_test:free_port(),
    Server = start_captured(fun() -> sctp_server:server(any, Port) end),
    try
        ListenLine = "Listening on any:" ++ integer_to_list(Port) ++ ".",
        wait_for_line(Server, fun(L) -> lists:prefix(ListenLine, L) end, 30000),
        Client = start_captured(fun() -> sctp_client:client(localhost, Port) end),
        ok = await(Client, ?LONG),
        wait_for_line(Server, fun(L) -> string:find(L, "comm_lost") =/= nomatch end, 30000),
        check_client_output(lines(Client)),
        check_server_output(lines(Server), ListenLine)
    after
        stop(Server)
    end.

check_client_output(Lines) ->
    ct:pal("client printed:~n~p", [Lines]),
    ["Connection Successful, Assoc=" ++ AssocText, "ok", "{error,einval}", "ok"] = Lines,
    #sctp_assoc_change{state = comm_up, error = 0, outbound_streams = 5} =
        parse_term(AssocText).

check_server_output([Listening | Received], ListenLine) ->
    ct:pal("server printed:~n~p", [[Listening | Received]]),
    true = lists:prefix(ListenLine, Listening),
    %% Only "Received: {ok, ...}" lines: no "SCTP RECV ERROR".
    Terms = [{ok, {_, _, _, _}} = parse_term(Text) || "Received: " ++ Text <- Received],
    true = length(Terms) =:= length(Received),
    %% All from one association with the client on loopback.
    [{?L, ClientPort}] = lists:usort([{IP, P} || {ok, {IP, P, _, _}} <- Terms]),
    true = is_integer(ClientPort),
    %% Linux may add address confirmations (paddr_change) around comm_up.
    [{_, #sctp_assoc_change{state = comm_up, inbound_streams = 5, assoc_id = Id}},
     {[#sctp_sndrcvinfo{stream = 0, assoc_id = Id}], <<"Test 0">>},
     {_, #sctp_assoc_change{state = comm_lost, assoc_id = Id}}] =
        [{Anc, X} || {ok, {_, _, Anc, X}} <- Terms, not is_record(X, sctp_paddr_change)],
    ok.

%% ex3 (with connect_init) opens two associations at once, each to its own
%% one-to-many listener, and prints the comm_up it receives for each.
ex3_connect_init(_Config) ->
    {L1, P1} = listener(),
    {L2, P2} = listener(),
    try
        Ex3 = start_captured(fun() -> ex3:client(?L, P1, ?L, P2) end),
        ok = await(Ex3, 60000),
        Lines = lines(Ex3),
        ct:pal("ex3 printed:~n~p", [Lines]),
        ["Connections initiated" | Results] = Lines,
        ["Association 1 connect result: comm_up. AssocId: " ++ Id1,
         "Association 2 connect result: comm_up. AssocId: " ++ Id2] = lists:sort(Results),
        true = list_to_integer(Id1) =/= list_to_integer(Id2),
        %% And the listeners saw those associations come up.
        [{ok, {?L, _, _, #sctp_assoc_change{state = comm_up, inbound_streams = 5}}} =
             gen_sctp:recv(L, ?T) || L <- [L1, L2]],
        ok
    after
        [gen_sctp:close(L) || L <- [L1, L2]]
    end.

%%% Helpers

listener() ->
    {ok, S} = gen_sctp:open([{ip, ?L}, {active, false}]),
    {ok, Port} = inet:port(S),
    ok = gen_sctp:listen(S, true),
    {S, Port}.

parse_term(Text) ->
    {ok, Tokens, _} = erl_scan:string(Text ++ "."),
    {ok, Term} = erl_parse:parse_term(Tokens),
    Term.

%% Runs Fun in a new process whose group leader keeps everything it prints.
start_captured(Fun) ->
    Capture = spawn_link(fun() -> capture([]) end),
    {Pid, Ref} = spawn_monitor(fun() ->
                                       group_leader(Capture, self()),
                                       exit({result, Fun()})
                               end),
    {Pid, Ref, Capture}.

%% 100 messages in bursts of 8, each burst once the one before is acknowledged:
%% all arrive, in order.
beyond_sender_dry_flow(_Config) ->
    Expected = lists:seq(1, 100),
    Expected = beyond_otp:sender_dry_flow(100, 8).

%% Messages with a 1 s time to live that cannot leave are abandoned; the
%% others, and a last one without a policy, arrive.
beyond_pr_sctp_ttl(_Config) ->
    {Sent, Abandoned, Received} = beyond_otp:pr_sctp_ttl(1000),
    ct:pal("sent ~p, abandoned ~p, received ~p", [Sent, Abandoned, Received]),
    true = Abandoned > 0,
    Sent = Abandoned + Received.

%% Both ends see the reset of the client's outgoing stream 1: the client as
%% outgoing, the server as incoming. The endpoints' sctp_reconfig_supported is
%% what turns reconfiguration on; the sysctl stays as it is.
beyond_reset_stream(_Config) ->
    {Ours, Theirs} = beyond_otp:reset_stream(),
    ct:pal("client: ~p~nserver: ~p", [Ours, Theirs]),
    #sctp_stream_reset_event{flags = [outgoing_ssn], streams = [1]} = Ours,
    #sctp_stream_reset_event{flags = [incoming_ssn], streams = [1]} = Theirs.

%% Both messages arrive, with key 1 and with key 2, and the client's peer requires
%% DATA authenticated.
beyond_auth(_Config) ->
    {[<<"with key 1">>, <<"with key 2">>], Chunks} = beyond_otp:auth(),
    true = lists:member(0, Chunks).

%% What Fun returned; fails if it crashed or took longer than Timeout ms.
await({Pid, Ref, Capture}, Timeout) ->
    receive
        {'DOWN', Ref, process, Pid, {result, Result}} -> Result;
        {'DOWN', Ref, process, Pid, Reason} ->
            ct:fail({crashed, Reason, lines(Capture)})
    after Timeout ->
            ct:fail({timeout, lines(Capture)})
    end.

stop({Pid, _Ref, _Capture}) ->
    Ref = monitor(process, Pid),
    exit(Pid, kill),
    receive {'DOWN', Ref, process, Pid, _} -> ok end.

%% Waits until a printed line satisfies Pred, failing if the process stops
%% first or Timeout ms pass.
wait_for_line({Pid, Ref, _Capture} = Captured, Pred, Timeout) ->
    Printed = fun() ->
                      receive
                          {'DOWN', Ref, process, Pid, Reason} ->
                              ct:fail({stopped, Reason, lines(Captured)})
                      after 0 ->
                              lines(Captured)
                      end
              end,
    _ = sctp_test:poll_until(printed_line, Printed, fun(Lines) -> lists:any(Pred, Lines) end,
                             Timeout),
    ok.

%% The printed lines. ~p continues a long term on indented lines: those are
%% joined back, so each printed term is on one line.
lines({_Pid, _Ref, Capture}) ->
    lines(Capture);
lines(Capture) ->
    Capture ! {get, self()},
    Chunks = receive {Capture, Cs} -> Cs end,
    Joined = [re:replace(C, "\n +", "", [global, unicode, {return, list}]) || C <- Chunks],
    Lines = string:split(lists:append(Joined), "\n", all),
    case lists:last(Lines) of
        "" -> lists:droplast(Lines);
        _ -> Lines
    end.

%% A minimal I/O server that keeps what it is asked to print, one string per
%% request.
capture(Chunks) ->
    receive
        {io_request, From, ReplyAs, Request} ->
            {Reply, Chunks1} = io_request(Request, Chunks),
            From ! {io_reply, ReplyAs, Reply},
            capture(Chunks1);
        {get, From} ->
            From ! {self(), lists:reverse(Chunks)},
            capture(Chunks)
    end.

io_request({put_chars, Encoding, Chars}, Chunks) ->
    {ok, [unicode:characters_to_list(Chars, Encoding) | Chunks]};
io_request({put_chars, Encoding, M, F, A}, Chunks) ->
    try apply(M, F, A) of
        Chars -> io_request({put_chars, Encoding, Chars}, Chunks)
    catch
        _:_ -> {{error, F}, Chunks}
    end;
io_request({requests, Requests}, Chunks) ->
    lists:foldl(fun(R, {ok, Cs}) -> io_request(R, Cs);
                   (_, Error) -> Error
                end, {ok, Chunks}, Requests);
io_request(_, Chunks) ->
    {{error, request}, Chunks}.
