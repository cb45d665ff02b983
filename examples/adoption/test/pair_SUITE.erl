%% The sctp_server/sctp_client pair under `rebar3 ct', in a project that has
%% gen_sctp_nif as a dependency. The port is PAIR_PORT, 2006 if unset.
-module(pair_SUITE).

-export([all/0, suite/0, server_and_client/1]).

%% The client sleeps 21 s by design.
suite() -> [{timetrap, {minutes, 5}}].

all() -> [server_and_client].

server_and_client(_Config) ->
    ok = pair_check:run(list_to_integer(os:getenv("PAIR_PORT", "2006"))).
