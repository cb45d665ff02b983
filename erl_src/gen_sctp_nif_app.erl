%% @private
%% The application: it makes sure that the node runs this library's gen_sctp, not kernel's.
%%
%% Which of the two modules named gen_sctp a node loads depends on the order of its code
%% path. rebar3 and `erl -pa' put dependencies first, but Mix (Elixir 1.15 and later)
%% appends them after OTP's own applications, so kernel's copy would be found first. When
%% the application starts, this library's gen_sctp is loaded unless it already is the one
%% the node would use. The application has no processes: its supervisor has no children.
-module(gen_sctp_nif_app).
-behaviour(application).
-behaviour(supervisor).

-export([start/2, stop/1]).
-export([init/1]).

start(_Type, _Args) ->
    case load_our_gen_sctp() of
        ok -> supervisor:start_link(?MODULE, []);
        {error, _} = Error -> Error
    end.

stop(_State) ->
    ok.

init([]) ->
    {ok, {#{}, []}}.

%% A cover-compiled gen_sctp (code:which/1 gives an atom then) is left as it is.
load_our_gen_sctp() ->
    Ours = filename:join([code:lib_dir(gen_sctp_nif), "ebin", "gen_sctp"]),
    case code:which(gen_sctp) of
        Path when is_list(Path) ->
            case filename:rootname(Path) =:= Ours of
                true -> ok;
                false -> load(Ours)
            end;
        non_existing ->
            load(Ours);
        _CoverCompiledOrPreloaded ->
            ok
    end.

load(Ours) ->
    case code:load_abs(Ours) of
        {module, gen_sctp} -> ok;
        {error, Reason} -> {error, {cannot_load_gen_sctp, Ours, Reason}}
    end.
