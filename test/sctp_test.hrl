%% The constants the Common Test suites and their helper module sctp_test share.

%% Every suite's sockets live on the loopback address.
-define(L, {127, 0, 0, 1}).
%% How long to wait for something that should happen. The VM is slow, and under
%% load a message can come more than 10 s late: a CI run once saw the last of
%% three tiny messages on loopback arrive 14 s after it was sent.
-define(T, 30000).
%% For what moves thousands of messages, or starts a service, through the (slow) VM.
-define(LONG, 120000).
%% The streams each way of the associations sctp_test:pair/1 sets up.
-define(STREAMS, 5).
%% A second loopback address, so that a server on both is multi-homed, and the
%% commands that drop every packet to it and let them through again.
-define(L2, {127, 0, 0, 2}).
-define(BLACKHOLE_L2, "ip route add blackhole 127.0.0.2/32 table local").
-define(UNBLACKHOLE_L2, "ip route del blackhole 127.0.0.2/32 table local").
%% Retransmission timeouts short enough to lose a path within a second or two,
%% and to reopen a closed window soon: on loopback a receiver sends no window
%% update smaller than its path MTU (64 KB), so a sender whose peer's window
%% closed waits for its next window probe, which Linux backs off to 3, 6, 12 s.
-define(FAST_RTO, [{sctp_rtoinfo, #sctp_rtoinfo{initial = 300, max = 600, min = 100}}]).
