%% Walks the table of BAD_INPUT.md on a real SCTP kernel: every row's call is
%% run with this library (this node) and with the running release's own
%% gen_sctp (a peer node started without this application on its code path),
%% and each result must be what its column says: OTP 25's, or on OTP 27 and 29
%% the one the table of later releases gives where it lists the call. The
%% tables are the only list of rows.
-module(bad_input_SUITE).

-include_lib("common_test/include/ct.hrl").
-include("sctp_test.hrl").

-export([all/0, suite/0]).
-export([this_library/1, otp_gen_sctp/1]).

-define(TABLE, "BAD_INPUT.md").
%% The header lines of its two tables: every call, and where OTP 27 and 29 answer
%% otherwise than OTP 25.
-define(MAIN_HEADER, "| Call | This library | OTP 25 |").
-define(LATER_HEADER, "| Call | OTP 27 | OTP 29 |").
%% Evaluated before the rows, in each node: the names the table uses.
-define(SETUP,
        "{ok, S} = gen_sctp:open([{ip, {127, 0, 0, 1}}]),"
        "{ok, Closed} = gen_sctp:open([{ip, {127, 0, 0, 1}}]),"
        "ok = gen_sctp:close(Closed),"
        "{ok, Tcp} = gen_tcp:listen(0, []),"
        "Parent = self(),"
        "{Owner, Mon} = spawn_monitor(fun() ->"
        "    {ok, D} = gen_sctp:open([{ip, {127, 0, 0, 1}}]), Parent ! {dead, D} end),"
        "Dead = receive {dead, D} -> D end,"
        "receive {'DOWN', Mon, process, Owner, _} -> ok end,"
        "timer:sleep(200),").

suite() -> [{ct_hooks, [{sctp_test, [any_mailbox]}]}, {timetrap, {minutes, 3}}].

all() -> [this_library, otp_gen_sctp].

%%% Test cases

this_library(_Config) ->
    Rows = rows(),
    check(Rows, 2, run_here(Rows)).

%% OTP's gen_sctp needs libsctp at run time and a kernel with SCTP, as this one.
otp_gen_sctp(_Config) ->
    Rows = rows(),
    {ok, Peer, _Node} = peer:start_link(#{connection => standard_io,
                                          env => [{"ERL_LIBS", false}],
                                          wait_boot => ?LONG}),
    try
        Which = peer:call(Peer, code, which, [gen_sctp], ?T),
        Kernel = peer:call(Peer, code, lib_dir, [kernel], ?T),
        true = lists:prefix(Kernel, Which),
        {value, Results, _} = peer:call(Peer, erl_eval, exprs, [program(Rows), []], 60000),
        check(Rows, 3, Results)
    after
        peer:stop(Peer)
    end.

%%% The table

%% {Call, ThisLibrary, Otp} for every row, as the table's text, with Otp the answer of
%% the running release's gen_sctp.
rows() ->
    {ok, Text} = file:read_file(table_file()),
    Lines = string:split(unicode:characters_to_list(Text), "\n", all),
    Later = maps:from_list([{Call, {Otp27, Otp29}}
                            || {Call, Otp27, Otp29} <- table(Lines, ?LATER_HEADER)]),
    Rows = [{Call, Ours, otp_answer(Call, Otp25, Later)}
            || {Call, Ours, Otp25} <- table(Lines, ?MAIN_HEADER)],
    true = length(Rows) > 50,
    Rows.

%% OTP 25's answer, unless the table of later releases lists the call.
otp_answer(Call, Otp25, Later) ->
    case {erlang:system_info(otp_release), maps:find(Call, Later)} of
        {"27", {ok, {Otp27, _}}} -> Otp27;
        {"29", {ok, {_, Otp29}}} -> Otp29;
        _ -> Otp25
    end.

%% The rows of the table under the line Header: {Call, Cell, Cell}.
table(Lines, Header) ->
    [Header, _Rule | Rest] = lists:dropwhile(fun(L) -> L =/= Header end, Lines),
    [{Call, unquote(A), unquote(B)}
     || Line <- lists:takewhile(fun(L) -> lists:prefix("| `", L) end, Rest),
        {match, [Call, A, B]} <- [re:run(Line, "^\\| `(.*)` \\| (.*) \\| (.*) \\|$",
                                         [{capture, all_but_first, list}])]].

%% A result cell is code: `term`.
unquote(Cell) ->
    string:trim(Cell, both, "`").

%% The table sits at the project's top; rebar3 builds the application some
%% levels below it (_build/PROFILE/lib/APP, or deeper with REBAR_BASE_DIR).
table_file() ->
    table_file(code:lib_dir(gen_sctp_nif)).

table_file(Dir) ->
    File = filename:join(Dir, ?TABLE),
    Parent = filename:dirname(Dir),
    case filelib:is_regular(File) of
        true -> File;
        false when Parent =/= Dir -> table_file(Parent);
        false -> ct:fail({no_table_above, code:lib_dir(gen_sctp_nif)})
    end.

%% Runs the setup and every row in this node; one result per row.
run_here(Rows) ->
    {value, Results, _} = erl_eval:exprs(program(Rows), []),
    Results.

%% The setup, then a list with each row's outcome: `badarg' for an error:badarg
%% exception, `{raised, Class, Reason}' for any other, the value returned
%% otherwise, but `{returned, Value}' for a value that reads as one of those two.
%% Records are expanded here, so that the other node needs nothing but OTP.
program(Rows) ->
    Outcomes = lists:join(",\n", [outcome(N, Call)
                                  || {N, {Call, _, _}} <- lists:enumerate(Rows)]),
    Source = ?SETUP ++ "[" ++ lists:flatten(Outcomes) ++ "].",
    {ok, Tokens, _} = erl_scan:string(Source),
    {ok, Exprs} = erl_parse:parse_exprs(Tokens),
    expand_records(Exprs).

%% Each row binds its own variables: all rows share one scope.
outcome(N, Call) ->
    io_lib:format("try ~s of badarg -> {returned, badarg};"
                  " {raised, _, _} = R~b -> {returned, R~b}; R~b -> R~b"
                  " catch error:badarg -> badarg; C~b:E~b -> {raised, C~b, E~b} end",
                  [Call, N, N, N, N, N, N, N, N]).

expand_records(Exprs) ->
    Hrl = filename:join([code:lib_dir(kernel), "include", "inet_sctp.hrl"]),
    {ok, HrlForms} = epp:parse_file(Hrl, []),
    Records = [F || {attribute, _, record, _} = F <- HrlForms],
    Forms = [{attribute, 1, module, bad_input_rows}] ++ Records ++
        [{function, 1, rows, 0, [{clause, 1, [], [], Exprs}]}],
    [Body] = [B || {function, _, rows, 0, [{clause, _, [], [], B}]}
                       <- erl_expand_records:module(Forms, [])],
    Body.

%% Compares column Col of every row with the results; on any difference fails
%% with the rows that differ and prints the whole table as it should read.
check(Rows, Col, Results) ->
    Actual = [lists:flatten(io_lib:format("~0p", [R])) || R <- Results],
    Wrong = [{Call, {expected, element(Col, Row)}, {got, Got}}
             || {{Call, _, _} = Row, Got} <- lists:zip(Rows, Actual),
                not same(element(Col, Row), Got)],
    case Wrong of
        [] ->
            ok;
        _ ->
            ct:pal("column ~p as measured:~n~s",
                   [Col, [io_lib:format("| `~s` | ~s |~n", [C, G])
                          || {{C, _, _}, G} <- lists:zip(Rows, Actual)]]),
            ct:fail({rows_differ, Wrong})
    end.

same(Expected, Got) ->
    parse(Expected) =:= parse(Got).

parse(Text) ->
    case erl_scan:string(Text ++ ".") of
        {ok, Tokens, _} ->
            case erl_parse:parse_term(Tokens) of
                {ok, Term} -> Term;
                _ -> {unparsable, Text}
            end;
        _ ->
            {unparsable, Text}
    end.
