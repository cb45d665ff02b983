%% The constants the Common Test suites and their helper module sctp_test share.

%% Every suite's sockets live on the loopback address.
-define(L, {127, 0, 0, 1}).
%% How long to wait for something that should happen (the VM is slow).
-define(T, 10000).
%% For what moves thousands of messages, or starts a service, through the (slow) VM.
-define(LONG, 120000).
%% The streams each way of the associations sctp_test:pair/1 sets up.
-define(STREAMS, 5).
