%% Runs OTP's sctp_server and sctp_client examples (this project's src/,
%% copied unchanged from gen_sctp_nif's examples/) against each other and checks
%% what the server printed. The same check runs from `rebar3 shell', from
%% `rebar3 ct' and in the release.
-module(pair_check).

-export([run/1]).

%% The client sleeps 21 s by design; everything else may be slow too.
-define(WAIT_MS, 120000).

%% Starts sctp_server:server(loopback, Port), runs sctp_client:client(localhost,
%% Port), and returns ok once the server has printed the "Test 0" data with its
%% #sctp_sndrcvinfo{} and the comm_lost that the client's abort causes. Fails
%% unless gen_sctp is gen_sctp_nif's.
run(Port) ->
    Which = code:which(gen_sctp),
    io:format("gen_sctp: ~s (code loading mode: ~s)~n", [Which, code:get_mode()]),
    Ours = filename:join([code:lib_dir(gen_sctp_nif), "ebin", "gen_sctp.beam"]),
    Which =:= Ours orelse error({not_gen_sctp_nif, Which}),
    Capture = spawn_link(fun() -> capture([]) end),
    Server = spawn(fun() ->
                           group_leader(Capture, self()),
                           sctp_server:server(loopback, Port)
                   end),
    try
        wait_for(Capture, "^Listening on", ?WAIT_MS),
        ok = sctp_client:client(localhost, Port),
        wait_for(Capture, "^Received: .*sctp_assoc_change,comm_lost", ?WAIT_MS),
        io:format("sctp_server printed:~n~s", [text(Capture)]),
        wait_for(Capture, "^Received: \\{ok,\\{\\{127,0,0,1\\},[0-9]+,"
                 "\\[\\{sctp_sndrcvinfo,0,[^}]*\\}\\],<<\"Test 0\">>\\}\\}$", 0),
        io:format("pair_check: OK~n")
    after
        exit(Server, kill),
        unlink(Capture),
        exit(Capture, kill)
    end.

%% Waits until a line the server printed matches Regex.
wait_for(Capture, Regex, Ms) ->
    case re:run(text(Capture), Regex, [multiline]) of
        {match, _} -> ok;
        nomatch when Ms =< 0 -> error({not_printed, Regex, text(Capture)});
        nomatch -> timer:sleep(100), wait_for(Capture, Regex, Ms - 100)
    end.

%% What the server printed, each ~p term joined back onto one line.
text(Capture) ->
    Capture ! {get, self()},
    receive
        {Capture, Text} -> re:replace(Text, "\n +", "", [global, {return, list}])
    end.

%% An I/O server that keeps what it is asked to print.
capture(Acc) ->
    receive
        {io_request, From, ReplyAs, {put_chars, Enc, Chars}} ->
            From ! {io_reply, ReplyAs, ok},
            capture([unicode:characters_to_list(Chars, Enc) | Acc]);
        {io_request, From, ReplyAs, {put_chars, Enc, M, F, A}} ->
            From ! {io_reply, ReplyAs, ok},
            capture([unicode:characters_to_list(apply(M, F, A), Enc) | Acc]);
        {io_request, From, ReplyAs, _} ->
            From ! {io_reply, ReplyAs, {error, request}},
            capture(Acc);
        {get, From} ->
            From ! {self(), lists:append(lists:reverse(Acc))},
            capture(Acc)
    end.
