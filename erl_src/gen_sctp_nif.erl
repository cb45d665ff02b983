%% @private
%% The native functions behind gen_sctp. Each stub reports that the library is not loaded.
-module(gen_sctp_nif).

-export([open/4, open_in_netns/5, close/1, listen/2, accept/2, bindx/3, connect/2, connectx/2, family/1,
         send/5, sendmsg/4, recv/2, cancel/1,
         setopts/2, getopts/2, handover_begin/1, handover_end/3,
         sockname/1, peername/1, addresses/3, peeloff/2, peeloff_in_netns/2, getstat/2]).
-export([monitor/1, cancel_monitor/1]).
-export([reset_streams/4, add_streams/4, reset_assoc/2]).
-export([handoff/1]).
%% For the library's own tests only: deliberate faults and counters.
-export([inject_panic/2, poller_panics/0, heap_in_use/0, read_ahead_len/1,
         poller_events/0]).

-on_load(load/0).

-define(NOT_LOADED, erlang:nif_error({not_loaded, [{module, ?MODULE}, {line, ?LINE}]})).

%% The library gets the relay with it: the process that sends an owner the message that
%% ended an `{active, N}' count and `{sctp_passive, S}' after it, back to back from a
%% scheduler, as a port would (the poller's own thread cannot promise that the owner does
%% not run between the two). High priority: an owner may be waiting for the pair.
%% The `pollers' application variable says how many poller threads serve the sockets; the
%% native side checks it and chooses the default from the number of schedulers.
load() ->
    Relay = spawn_opt(fun relay/0, [{priority, high}]),
    LoadInfo = {Relay, application:get_env(gen_sctp_nif, pollers, default),
                erlang:system_info(schedulers)},
    case erlang:load_nif(filename:join(priv_dir(), atom_to_list(?MODULE)), LoadInfo) of
        ok ->
            ok;
        {error, _} = Error ->
            exit(Relay, kill),
            Error
    end.

%% What others may send it is dropped, and cannot stop it.
-spec relay() -> no_return().
relay() ->
    receive
        {'$gen_sctp_handoff', Handle} ->
            try handoff(Handle) catch error:badarg -> ok end;
        _Stray ->
            ok
    end,
    relay().

%% The application's priv folder, or priv/ next to this module's ebin when the library is
%% used straight from a build tree.
priv_dir() ->
    case code:priv_dir(gen_sctp_nif) of
        {error, bad_name} ->
            Ebin = filename:dirname(code:which(?MODULE)),
            filename:join(filename:dirname(Ebin), "priv");
        Dir ->
            Dir
    end.

open(_Family, _Type, _Addrs, _Opts) -> ?NOT_LOADED.
open_in_netns(_Family, _Type, _Netns, _Addrs, _Opts) -> ?NOT_LOADED.
close(_Handle) -> ?NOT_LOADED.
listen(_Handle, _Backlog) -> ?NOT_LOADED.
accept(_Handle, _Tag) -> ?NOT_LOADED.
bindx(_Handle, _Add, _Addrs) -> ?NOT_LOADED.
connect(_Handle, _Peer) -> ?NOT_LOADED.
connectx(_Handle, _Peers) -> ?NOT_LOADED.
family(_Handle) -> ?NOT_LOADED.
send(_Handle, _Tag, _AssocId, _Stream, _Data) -> ?NOT_LOADED.
sendmsg(_Handle, _Tag, _SndRcvInfo, _Data) -> ?NOT_LOADED.
recv(_Handle, _Tag) -> ?NOT_LOADED.
cancel(_Handle) -> ?NOT_LOADED.
setopts(_Handle, _Opts) -> ?NOT_LOADED.
getopts(_Handle, _Opts) -> ?NOT_LOADED.
handover_begin(_Handle) -> ?NOT_LOADED.
handover_end(_Handle, _Pid, _Active) -> ?NOT_LOADED.
sockname(_Handle) -> ?NOT_LOADED.
peername(_Handle) -> ?NOT_LOADED.
addresses(_Handle, _AssocId, _Local) -> ?NOT_LOADED.
peeloff(_Handle, _AssocId) -> ?NOT_LOADED.
peeloff_in_netns(_Handle, _AssocId) -> ?NOT_LOADED.
getstat(_Handle, _Names) -> ?NOT_LOADED.
monitor(_Handle) -> ?NOT_LOADED.
cancel_monitor(_MRef) -> ?NOT_LOADED.
reset_streams(_Handle, _AssocId, _Flags, _Streams) -> ?NOT_LOADED.
add_streams(_Handle, _AssocId, _In, _Out) -> ?NOT_LOADED.
reset_assoc(_Handle, _AssocId) -> ?NOT_LOADED.
handoff(_Handle) -> ?NOT_LOADED.
inject_panic(_Handle, _Place) -> ?NOT_LOADED.
poller_panics() -> ?NOT_LOADED.
heap_in_use() -> ?NOT_LOADED.
read_ahead_len(_Handle) -> ?NOT_LOADED.
poller_events() -> ?NOT_LOADED.
