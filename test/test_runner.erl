%% Runs EUnit or Common Test on the test profile that `rebar3 as test compile`
%% built, in a plain `erl`, without rebar3. tools/erlang-tests calls it inside
%% the test VM, where rebar3's own start and dependency check take longer than
%% most suites.
%%
%%   erl -noshell -pa EBIN... -run test_runner main -extra eunit [--module M,...]
%%   erl -noshell -pa EBIN... -run test_runner main -extra ct LOGDIR
%%       [--suite S,...] [--group G,...] [--case C,...]
%%
%% The arguments are rebar3's, so CT_ARGS and EUNIT_ARGS read the same: a
%% suite may be given as test/api_SUITE or api_SUITE.erl. The last line printed
%% is "test_runner: RUNNER: P passed, F failed, S skipped"; the node halts with
%% 0 when nothing failed or was skipped and something ran, 1 otherwise, and 2
%% on arguments it does not know.
-module(test_runner).

-behaviour(eunit_listener).

-export([main/0]).
%% EUnit listener callbacks: the counts of a run, sent to the runner.
-export([start/1, init/1, handle_begin/3, handle_end/3, handle_cancel/3, terminate/2]).

main() ->
    Status = try run(init:get_plain_arguments())
             catch throw:{usage, Why} ->
                     io:format("test_runner: ~ts~n", [Why]),
                     2
             end,
    halt(Status).

run(["eunit" | Args]) ->
    Opts = options(Args, [module]),
    Modules = case proplists:get_value(module, Opts) of
                  undefined -> test_modules();
                  Named -> Named
              end,
    %% EUnit prints its own report; the counts come from this module as a listener.
    _ = eunit:test(Modules, [{report, {?MODULE, [{runner, self()}]}}]),
    receive
        {eunit_counts, Passed, Failed, Skipped} -> report("eunit", Passed, Failed, Skipped)
    after 0 ->
            io:format("test_runner: eunit: no result~n"),
            1
    end;
run(["ct", LogDir | Args]) ->
    Opts = options(Args, [suite, group, 'case']),
    Dir = filename:dirname(code:which(?MODULE)),
    Select = [{suite, proplists:get_value(suite, Opts, all_suites(Dir))}]
        ++ [{ct_option(K), V} || {K, V} <- Opts, K =/= suite],
    ok = filelib:ensure_path(LogDir),
    %% No HTML copy of each suite's source: in the VM that took seconds per suite.
    Run = [{dir, Dir}, {logdir, LogDir}, {auto_compile, false}, {logopts, [no_src]}],
    case ct:run_test(Run ++ Select) of
        {Passed, Failed, {UserSkipped, AutoSkipped}} ->
            report("ct", Passed, Failed, UserSkipped + AutoSkipped);
        Error ->
            io:format("test_runner: ct: did not run: ~tp~n", [Error]),
            1
    end;
run(Args) ->
    throw({usage, io_lib:format("unknown arguments ~tp", [Args])}).

report(Runner, Passed, Failed, Skipped) ->
    io:format("test_runner: ~s: ~b passed, ~b failed, ~b skipped~n",
              [Runner, Passed, Failed, Skipped]),
    case Passed > 0 andalso Failed + Skipped =:= 0 of
        true -> 0;
        false -> 1
    end.

%% rebar3's `--name value` pairs, for the names Known; values are comma lists.
options([], _Known) ->
    [];
options(["--" ++ Name, Value | Rest], Known) ->
    Key = list_to_atom(Name),
    lists:member(Key, Known) orelse throw({usage, "unknown option --" ++ Name}),
    [{Key, [item(Key, V) || V <- string:lexemes(Value, ",")]} | options(Rest, Known)];
options(Args, _Known) ->
    throw({usage, io_lib:format("cannot read ~tp", [Args])}).

ct_option('case') -> testcase;
ct_option(group) -> group.

item(suite, Suite) -> list_to_atom(filename:basename(Suite, ".erl"));
item(_Key, Name) -> list_to_atom(Name).

all_suites(Dir) ->
    lists:sort([list_to_atom(filename:basename(F, ".beam"))
                || F <- filelib:wildcard("*_SUITE.beam", Dir)]).

%% The modules next to this one named *_tests, as rebar3 eunit finds them.
test_modules() ->
    Dir = filename:dirname(code:which(?MODULE)),
    lists:sort([list_to_atom(filename:basename(F, ".beam"))
                || F <- filelib:wildcard("*_tests.beam", Dir)]).

%%% EUnit listener: eunit:test/2 returns once its listeners have ended, so the
%%% counts are in the runner's mailbox by then.

start(Options) ->
    eunit_listener:start(?MODULE, Options).

init(Options) ->
    proplists:get_value(runner, Options).

handle_begin(_Kind, _Data, Runner) -> Runner.

handle_end(_Kind, _Data, Runner) -> Runner.

handle_cancel(_Kind, _Data, Runner) -> Runner.

terminate({ok, Data}, Runner) ->
    Count = fun(Key) -> proplists:get_value(Key, Data, 0) end,
    Runner ! {eunit_counts, Count(pass), Count(fail), Count(skip) + Count(cancel)},
    ok;
terminate({error, _Reason}, _Runner) ->
    ok.
