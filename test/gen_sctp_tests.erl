%% EUnit: argument checking that happens before any socket exists, and the pure helpers.
-module(gen_sctp_tests).

-include_lib("eunit/include/eunit.hrl").
-include_lib("kernel/include/inet_sctp.hrl").

-define(FAKE, {'$inet', gen_sctp, make_ref()}).

%% Not kernel's gen_sctp, nor a stale copy elsewhere on the code path.
ours_test() ->
    ?assertEqual(filename:join([code:lib_dir(gen_sctp_nif), "ebin", "gen_sctp.beam"]),
                 code:which(gen_sctp)).

error_string_test_() ->
    [?_assertEqual(ok, gen_sctp:error_string(0)),
     ?_assertEqual("Invalid Stream Identifier", gen_sctp:error_string(1)),
     ?_assertEqual("Protocol Violation", gen_sctp:error_string(13)),
     ?_assertEqual(unknown_error, gen_sctp:error_string(14)),
     ?_assertError(badarg, gen_sctp:error_string(foo))].

open_badarg_test_() ->
    [?_assertError(badarg, gen_sctp:open(foo)),
     ?_assertError(badarg, gen_sctp:open(1, foo)),
     ?_assertError(badarg, gen_sctp:open(foo, [])),
     ?_assertError(badarg, gen_sctp:open([{port, -1}])),
     ?_assertError(badarg, gen_sctp:open([{port, 65536}])),
     ?_assertError(badarg, gen_sctp:open([{type, dgram}])),
     ?_assertError(badarg, gen_sctp:open([{ip, "not an address"}]))].

not_a_socket_test_() ->
    Port = erlang:list_to_port("#Port<0.1>"),
    [?_assertError(badarg, gen_sctp:close(Port)),
     ?_assertError(badarg, gen_sctp:listen(Port, true)),
     ?_assertError(badarg, gen_sctp:listen(?FAKE, 'maybe')),
     ?_assertError(badarg, gen_sctp:recv(Port)),
     ?_assertEqual({error, einval}, gen_sctp:recv(?FAKE, -1)),
     ?_assertError(badarg, gen_sctp:send(Port, 1, 0, <<>>)),
     ?_assertError(badarg, gen_sctp:send(?FAKE, one, 0, <<>>)),
     ?_assertError(badarg, gen_sctp:send(?FAKE, #sctp_sndrcvinfo{}, <<>>, extra)),
     ?_assertError(badarg, gen_sctp:eof(?FAKE, 1)),
     ?_assertError(badarg, gen_sctp:abort(?FAKE, 1)),
     ?_assertError(badarg, gen_sctp:peeloff(?FAKE, one)),
     ?_assertError(badarg, gen_sctp:controlling_process(?FAKE, not_a_pid)),
     ?_assertError(badarg, gen_sctp:connect(Port, {127, 0, 0, 1}, 1, [])),
     ?_assertError(badarg, gen_sctp:connect_init(?FAKE, {127, 0, 0, 1}, 1, [], -5)),
     ?_assertError(badarg, gen_sctp:connectx_init(?FAKE, [], 1, []))].
