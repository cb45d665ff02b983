%% @doc SCTP sockets with OTP's gen_sctp interface, backed by a NIF, on OTP 25 to 29.
%%
%% Every export, option and exported type of OTP 29's `gen_sctp' behaves as documented
%% there, on every release from 25, with the records of `kernel/include/inet_sctp.hrl';
%% where releases differ, this module does what OTP 29 does. A socket is
%% `{'$inet', gen_sctp, Handle}', so `inet:setopts/2', `inet:getopts/2', `inet:sockname/1',
%% `inet:peername/1', `inet:port/1', `inet:getstat/1,2', `inet:socknames/1',
%% `inet:monitor/1', `inet:cancel_monitor/1' and `inet:close/1' work on it.
%%
%% == Options ==
%% Every option can be given to `open/1,2', to `connect/4,5' and the `connect_init' and
%% `connectx_init' functions, and to `inet:setopts/2', and read with `inet:getopts/2', unless
%% marked read-only or open-only. In a record, a field left `undefined' keeps the socket's
%% current value. An unknown option or a bad value gives `{error, einval}', and raises
%% `badarg' in `open', as in OTP.
%% <dl>
%% <dt>`{active, true | false | once | N}'</dt><dd>How messages reach the owner; with `N'
%%     (-32768..32767, added to the current count) `{sctp_passive, S}' follows the last.
%%     Default `false'.</dd>
%% <dt>`binary' | `list' | `{mode, binary | list}'</dt><dd>Data as binaries (default) or
%%     lists.</dd>
%% <dt>`{buffer, Bytes}'</dt><dd>The largest message read in one piece; longer messages are
%%     still delivered whole.</dd>
%% <dt>`{recbuf, Bytes}', `{sndbuf, Bytes}'</dt><dd>The kernel's buffers
%%     (`SO_RCVBUF', `SO_SNDBUF'); the kernel default is kept. Once the owner has taken a
%%     message, the library also reads up to `recbuf' bytes ahead while the socket is
%%     passive, and hands them out first, in order.</dd>
%% <dt>`{send_timeout, Ms | infinity}'</dt><dd>New: how long `send' waits for room in a
%%     full send buffer before `{error, timeout}'. Default `infinity'.</dd>
%% <dt>`{non_block_send, Bool}'</dt><dd>As OTP 26.2.5.4 and 27.1.2+: with `true', a send
%%     that would wait for room returns `{error, eagain}' at once. Default `false'.
%%     `inet:getopts/2' reads it back as `{non_block_send, Bool}' (OTP 29.1.2 returns the
%%     bare value, without the name).</dd>
%% <dt>`{reuseaddr, Bool}', `{dontroute, Bool}', `{linger, {Bool, Secs}}',
%%     `{priority, Int}', `{tos, Int}', `{ttl, Int}', `{tclass, Int}', `{recvtos, Bool}',
%%     `{recvttl, Bool}', `{recvtclass, Bool}', `{ipv6_v6only, Bool}'</dt><dd>The socket-
%%     and IP-level options of the same name. Linux delivers no IP-level ancillary data on
%%     SCTP sockets, so the `recv*' options add nothing to received messages (as with
%%     OTP on Linux).</dd>
%% <dt>`{reuseport, Bool}', `{reuseport_lb, Bool}'</dt><dd>Both are `SO_REUSEPORT' on
%%     Linux, as in OTP's driver: sockets that all set it may bind the same port.</dd>
%% <dt>`{exclusiveaddruse, Bool}'</dt><dd>Windows only: accepted and ignored, and left out
%%     of `inet:getopts/2' results, as OTP does on other systems.</dd>
%% <dt>`{high_msgq_watermark, Bytes}', `{low_msgq_watermark, Bytes}'</dt><dd>Accepted and
%%     read back as OTP does; they have no effect on a NIF socket.</dd>
%% <dt>`{bind_to_device, Ifname}'</dt><dd>`SO_BINDTODEVICE'.</dd>
%% <dt>`{ip, IP}', `{ifaddr, IP | SockAddr}', `{port, Port}', `{type, seqpacket | stream}',
%%     `inet', `inet6', `{sctp_module, inet_sctp | inet6_sctp}', `{netns, File}'</dt><dd>
%%     Open-only. `sctp_module' picks the family over `inet' and `inet6' (any other module's
%%     `open/1' is called, as OTP does). Several `ip'/`ifaddr' bind all the
%%     addresses (multi-homing); `bindx/3' changes them later. An IPv6 sockaddr map's
%%     `scope_id' and `flowinfo' are used as given, here and in `connect', `connectx_init'
%%     and `bindx/3': a link-local address needs the index of its interface as `scope_id'
%%     (as `net:getifaddrs/0' gives it). `netns' opens the socket in
%%     the network namespace that `File' names (such as `"/var/run/netns/blue"'; needs
%%     `CAP_SYS_ADMIN'). `{fd, _}' is not supported.</dd>
%% <dt>`{sctp_rtoinfo, #sctp_rtoinfo{}}'</dt><dd>Retransmission timeout: initial, max,
%%     min (ms).</dd>
%% <dt>`{sctp_associnfo, #sctp_assocparams{}}'</dt><dd>Association parameters: max
%%     retransmissions, cookie life.</dd>
%% <dt>`{sctp_initmsg, #sctp_initmsg{}}'</dt><dd>Streams and attempts for new
%%     associations.</dd>
%% <dt>`{sctp_autoclose, Secs}'</dt><dd>Idle associations are closed after `Secs'
%%     (0: never).</dd>
%% <dt>`{sctp_nodelay, Bool}'</dt><dd>Turns Nagle off.</dd>
%% <dt>`{sctp_disable_fragments, Bool}'</dt><dd>Fail rather than fragment messages larger
%%     than the path MTU.</dd>
%% <dt>`{sctp_i_want_mapped_v4_addr, Bool}'</dt><dd>IPv4 peers of an `inet6' socket as
%%     v4-mapped IPv6 addresses.</dd>
%% <dt>`{sctp_maxseg, Bytes}'</dt><dd>Largest DATA chunk.</dd>
%% <dt>`{sctp_primary_addr, #sctp_prim{}}'</dt><dd>The peer address used as primary path
%%     of an association.</dd>
%% <dt>`{sctp_set_peer_primary_addr, #sctp_setpeerprim{}}'</dt><dd>Asks the peer to use
%%     one of our addresses as its primary (write-only).</dd>
%% <dt>`{sctp_adaptation_layer, #sctp_setadaptation{}}'</dt><dd>Adaptation layer indication
%%     sent at association set-up.</dd>
%% <dt>`{sctp_peer_addr_params, #sctp_paddrparams{}}'</dt><dd>Per path (or socket and
%%     association default): heartbeat interval, path max retransmissions, path MTU, SACK
%%     delay, flags.</dd>
%% <dt>`{sctp_default_send_param, #sctp_sndrcvinfo{}}'</dt><dd>Defaults for `send/4' (see
%%     also `sctp_default_sndinfo').</dd>
%% <dt>`{sctp_events, #sctp_event_subscribe{}}'</dt><dd>Which notifications are
%%     delivered.</dd>
%% <dt>`{sctp_delayed_ack_time, #sctp_assoc_value{}}'</dt><dd>SACK delay (ms).</dd>
%% <dt>`{sctp_status, #sctp_status{assoc_id = Id}}'</dt><dd>Read-only: the association's
%%     state, windows, streams and primary path.</dd>
%% <dt>`{sctp_get_peer_addr_info, #sctp_paddrinfo{assoc_id = Id, address = Addr}}'</dt>
%%     <dd>Read-only: one peer path's state, window, RTT, RTO and MTU.</dd>
%% </dl>
%%
%% == Options beyond OTP ==
%% Linux's options of RFC 6458 and its successors that OTP lacks. The records are in
%% `include/gen_sctp_nif.hrl' (`-include_lib("gen_sctp_nif/include/gen_sctp_nif.hrl")',
%% next to `inet_sctp.hrl'); `#sctp_assoc_value{}' is `inet_sctp.hrl''s.
%%
%% Each of the first nine is a `struct sctp_assoc_value' in the kernel, and takes one of two
%% forms. `{Name, Value}' sets the endpoint's value (assoc id 0, `SCTP_FUTURE_ASSOC': the
%% value associations set up later start with; on a `{type, stream}' socket, its
%% association's), and `inet:getopts(S, [Name])' reads it back as `{Name, Value}'.
%% `{Name, #sctp_assoc_value{assoc_id = Id, assoc_value = Value}}' sets association `Id''s,
%% and `inet:getopts(S, [{Name, #sctp_assoc_value{assoc_id = Id}}])' gives
%% `{Name, #sctp_assoc_value{assoc_id = Id, assoc_value = Value}}'. A `Value' is never
%% `undefined' in the bare form; in the record it keeps the current value.
%% <dl>
%% <dt>`{sctp_pr_supported, Bool}', `{sctp_reconfig_supported, Bool}',
%%     `{sctp_interleaving_supported, Bool}', `{sctp_auth_supported, Bool}',
%%     `{sctp_asconf_supported, Bool}', `{sctp_ecn_supported, Bool}'</dt><dd>Whether the
%%     endpoint offers partial reliability (RFC 3758), stream reconfiguration (RFC 6525),
%%     message interleaving (RFC 8260), authentication (RFC 4895), address reconfiguration
%%     (RFC 5061) and ECN at association set-up. The kernel keeps them per endpoint only:
%%     setting one with an `assoc_id' sets the endpoint's, and reading one of an
%%     association gives what the peer agreed to. Their defaults are the `net.sctp'
%%     sysctls `prsctp_enable', `reconf_enable', `intl_enable', `auth_enable',
%%     `addip_enable' and `ecn_enable'. Linux takes `sctp_interleaving_supported' only
%%     with `net.sctp.intl_enable = 1' and `sctp_fragment_interleave' on (RFC 8260
%%     asks for level 2), and answers `{error, einval}' otherwise, for `false' too. This
%%     library does not turn fragment interleaving on by itself: set
%%     `{sctp_fragment_interleave, 2}' first (before it in the same option list). With
%%     I-DATA agreed, a large message no longer holds back the messages of other streams
%%     sent after it (with a scheduler that takes turns, `rr' or `fc'); each message is
%%     still delivered whole. A peer that does not offer it gets plain DATA.</dd>
%% <dt>`{sctp_expose_potentially_failed_state, unset | disable | enable}'</dt><dd>Whether
%%     the potentially failed state of a path (RFC 7829) shows in `sctp_paddr_change'
%%     events and path information; `unset' follows `net.sctp.pf_expose'.</dd>
%% <dt>`{sctp_enable_stream_reset, [reset_streams | reset_assoc | change_assoc]}'</dt><dd>
%%     Which reconfiguration requests of the peer are accepted (RFC 6525): stream resets,
%%     association resets, adding streams.</dd>
%% <dt>`{sctp_stream_scheduler, fcfs | prio | rr | fc | wfq}'</dt><dd>How the streams of
%%     an association share it (RFC 8260): first come first served, by priority, round
%%     robin, fair capacity, weighted fair queueing. Linux 6.1 has the first three
%%     (`fc' and `wfq' from 6.2; refused with `{error, einval}' before).</dd>
%% <dt>`{sctp_event, #sctp_event{assoc_id = Id, type = Type, on = Bool}}'</dt><dd>RFC 6458:
%%     subscribes to one notification type, `event_type()', for association `Id' (0,
%%     the default: those to come). `inet:getopts(S, [{sctp_event, #sctp_event{type =
%%     Type}}])' reads it back; the type is required.</dd>
%% <dt>`{sctp_recvrcvinfo, Bool}', `{sctp_recvnxtinfo, Bool}'</dt><dd>RFC 6458:
%%     received messages carry `#sctp_rcvinfo{}', and `#sctp_nxtinfo{}' of the next message
%%     when the kernel has it, in their ancillary data, in the kernel's order.</dd>
%% <dt>`{sctp_default_prinfo, #sctp_default_prinfo{assoc_id, policy, value}}'</dt><dd>
%%     The partial reliability of messages sent without their own: `policy' `none',
%%     `ttl' (`value' in ms), `rtx' (`value' retransmissions) or `prio'. The kernel keeps
%%     the `ttl' value in the same place as `sctp_default_send_param''s `timetolive'.
%%     `send/4' sends with it.</dd>
%% <dt>`{sctp_default_sndinfo, #sctp_sndinfo{sid, flags, ppid, context, assoc_id}}'</dt>
%%     <dd>RFC 6458's form of `sctp_default_send_param': the same defaults of the endpoint
%%     (`assoc_id' 0) or of one association, all but `timetolive', set and read in the
%%     same way. `send/4' sends with the defaults as the last set of these options and
%%     `sctp_default_prinfo' left them; a list
%%     given to `send/3' without `#sctp_sndinfo{}' takes them from the kernel. Setting
%%     `flags' keeps the PR-SCTP policy that `sctp_default_prinfo' set.</dd>
%% <dt>`{sctp_stream_scheduler_value, #sctp_stream_value{assoc_id, stream_id,
%%     stream_value}}'</dt><dd>One outgoing stream's value for its association's scheduler
%%     (`prio': the priority, lower first; `wfq': the weight). Needs an association.</dd>
%% <dt>`{sctp_remote_udp_encaps_port, #sctp_udpencaps{assoc_id, address, port}}'</dt><dd>
%%     The peer's UDP port for SCTP over UDP (RFC 6951), 0 for none: of the endpoint
%%     (`assoc_id' 0 and `address' `{any, 0}', the defaults), of an association, or of one
%%     peer address of it. Linux takes encapsulated packets in only on the UDP port
%%     `net.sctp.udp_port' (0, the default, for none; one per network namespace), and sends
%%     them from it; `net.sctp.encap_port' is this option's default. An end that receives
%%     encapsulated packets answers to the port they came from.</dd>
%% <dt>`{sctp_pr_assoc_status, #sctp_prstatus{assoc_id = Id, policy = P}}',
%%     `{sctp_pr_stream_status, #sctp_prstatus{assoc_id = Id, sid = Stream, policy = P}}'
%%     </dt><dd>Read-only: how many messages of the association (or of one of its outgoing
%%     streams) partial reliability abandoned, unsent and sent, for policy `ttl', `rtx' or
%%     `prio', or `all' of them (the default).</dd>
%% <dt>`{sctp_max_burst, Burst}'</dt><dd>A `struct sctp_assoc_value' option as the nine
%%     above: how many packets the endpoint or an association sends at once, 0 for no
%%     limit (default `net.sctp.max_burst', 4).</dd>
%% <dt>`{sctp_context, Context}'</dt><dd>A `struct sctp_assoc_value' option as the nine
%%     above: the `context' of the `#sctp_sndrcvinfo{}' of a received message the sender
%%     gave none (default 0).</dd>
%% <dt>`{sctp_partial_delivery_point, Bytes}'</dt><dd>How much of a message the kernel
%%     holds before it delivers the part it has (0, the default: when the receive buffer
%%     fills). At most half the receive buffer (`recbuf'). This library hands on each
%%     message whole all the same.</dd>
%% <dt>`{sctp_fragment_interleave, 0 | 1 | 2}'</dt><dd>The fragment interleave level of
%%     RFC 6458 8.1.20 (default 0). At 1 the kernel may hand over the parts of messages
%%     of different associations interleaved, at 2 (with I-DATA agreed, see
%%     `sctp_interleaving_supported') those of different streams of one association.
%%     This library puts each message back together by the association, stream and
%%     unordered flag of its parts, and delivers it whole when its last part comes, so
%%     messages of one stream keep their order and a complete message of one stream is
%%     not held back by a partial one of another. It tells the parts apart by their
%%     `#sctp_sndrcvinfo{}' (`data_io_event', on by default) or `#sctp_rcvinfo{}': keep
%%     one of them on at levels 1 and 2. Linux keeps the level as on or off: reading it
%%     gives 1 after 1 or 2. Setting 0 turns `sctp_interleaving_supported' off.</dd>
%% <dt>`{sctp_reuse_port, Bool}'</dt><dd>Whether other `{type, stream}' sockets that set it
%%     too may bind the same port (RFC 6458 8.1.27). One-to-one sockets only, and only
%%     before they are bound, so set it in `open/1,2'; `inet:setopts/2' gives
%%     `{error, einval}' afterwards, and `open' raises `badarg' for a `seqpacket'
%%     socket.</dd>
%% <dt>`{sctp_plpmtud_probe_interval, #sctp_probeinterval{assoc_id, address,
%%     interval}}'</dt><dd>The interval in ms of path MTU probes (RFC 8899), 0 for none,
%%     else at least 5000: of the endpoint, of an association (all its paths), or of one
%%     peer address of it, as `sctp_remote_udp_encaps_port'.</dd>
%% <dt>`{sctp_peer_addr_thlds, #sctp_paddrthlds{assoc_id, address, pathmaxrxt,
%%     pathpfthld, ps_retrans}}'</dt><dd>A path's retransmission thresholds (RFC 7829,
%%     SCTP_PEER_ADDR_THLDS_V2): failed, potentially failed, primary path switched over;
%%     for the endpoint, an association or one of its peer addresses. `pathpfthld'
%%     above `ps_retrans' is `{error, einval}'.</dd>
%% <dt>`sctp_get_assoc_number', `sctp_get_assoc_id_list'</dt><dd>Read-only, one-to-many
%%     sockets only: how many associations the socket has, and their ids, as in the
%%     `assoc_id' of their `#sctp_assoc_change{}' events.</dd>
%% <dt>`{sctp_get_assoc_stats, #sctp_assoc_stats{assoc_id = Id}}'</dt><dd>Read-only: the
%%     association's packet and chunk counters. `max_obs_rto' is the highest RTO since
%%     the previous read, which the kernel resets to the association's minimum RTO.</dd>
%% <dt>`{sctp_auth_chunk, ChunkType}'</dt><dd>SCTP-AUTH (RFC 4895): chunks of type
%%     `ChunkType' must come authenticated from the peer, in the associations set up
%%     later. `ChunkType' is the type's number, 0..255, or its name from the RFCs in
%%     lowercase: `data', `sack', `heartbeat', `heartbeat_ack', `abort', `shutdown',
%%     `shutdown_ack', `error', `cookie_echo', `cookie_ack', `ecne', `cwr',
%%     `shutdown_complete' (RFC 9260), `forward_tsn' (RFC 3758), `pad' (RFC 4820),
%%     `asconf', `asconf_ack' (RFC 5061), `reconf' (RFC 6525), `i_data', `i_forward_tsn'
%%     (RFC 8260); any other atom is `{error, einval}'. `sctp_local_auth_chunks' reads
%%     numbers back. Set-only (left out of `inet:getopts/2'); INIT, INIT ACK,
%%     SHUTDOWN COMPLETE and AUTH (1, 2, 14, 15) are `{error, einval}'. This and the
%%     other SCTP-AUTH options need AUTH on the endpoint: `{sctp_auth_supported, true}',
%%     whose default is `net.sctp.auth_enable'; without it they give `{error, einval}'
%%     and are left out of `inet:getopts/2'.</dd>
%% <dt>`{sctp_hmac_ident, [sha1 | sha256]}'</dt><dd>The HMACs the endpoint offers, in
%%     order of preference; `sha1' must be among them (the default is `[sha1]').</dd>
%% <dt>`{sctp_auth_key, #sctp_authkey{assoc_id, keynumber, key}}'</dt><dd>Adds (or
%%     replaces) shared key `keynumber' (0..65535, required), a binary of up to 65535
%%     bytes, of the endpoint (`assoc_id' 0: the keys of the associations set up later)
%%     or of an association. Key 0, the empty key, is there from the start. Set-only.</dd>
%% <dt>`{sctp_auth_active_key, #sctp_authkeyid{assoc_id, keynumber}}'</dt><dd>The key
%%     that authenticates what the endpoint or an association sends; it must have been
%%     added and not deactivated. Read with `inet:getopts(S, [{sctp_auth_active_key,
%%     #sctp_authkeyid{assoc_id = Id}}])'.</dd>
%% <dt>`{sctp_auth_deactivate_key, #sctp_authkeyid{assoc_id, keynumber}}',
%%     `{sctp_auth_delete_key, #sctp_authkeyid{assoc_id, keynumber}}'</dt><dd>Set-only,
%%     `keynumber' required, never the active key: a deactivated key is no longer used to
%%     send, and once nothing uses it an association with `authentication' subscribed
%%     gets `#sctp_authkey_event{indication = free_key}'; a deleted key is gone. A key
%%     the peer uses that is not this end's active one gives `indication = new_key'.</dd>
%% <dt>`{sctp_peer_auth_chunks, #sctp_authchunks{assoc_id = Id}}',
%%     `{sctp_local_auth_chunks, #sctp_authchunks{assoc_id = Id}}'</dt><dd>Read-only:
%%     `#sctp_authchunks{assoc_id = Id, chunks = Types}', the chunk types the peer of
%%     association `Id' requires authenticated, or that this end requires (of the
%%     endpoint with `assoc_id' 0). Left out when the peer does not do AUTH.</dd>
%% </dl>
%%
%% == Differences from OTP ==
%% <ul>
%% <li>`send' waits for room on a full send buffer, as OTP 26.2.5 and later do, where
%%     OTP 25 returns `{error, eagain}'; `{non_block_send, true}' gives `{error, eagain}'
%%     again. The wait is bounded by the `send_timeout' option (default `infinity') and
%%     blocks no other caller. Other associations of the socket keep sending when the
%%     kernel gives each its own send buffer (`net.sctp.sndbuf_policy = 1'); by default
%%     Linux shares one.</li>
%% <li>The kernel's default receive buffer is kept (OTP's driver shrinks it to 1024 bytes,
%%     25 to 29).</li>
%% <li>`controlling_process/2' also moves already delivered `sctp_error' and
%%     `sctp_passive' messages, in order, not only `sctp' ones.</li>
%% <li>`peeloff/2' gives a socket that starts with the parent's `active' value as
%%     `inet:getopts/2' reports it then (the count left of `{active, N}', or `false' once
%%     it ran out) and, as OTP 27.2 and
%%     later, its `sctp_nodelay', `priority', `linger', `reuseaddr', `tos', `ttl',
%%     `recvtos' and `recvttl' (IPv6: `tclass' and `recvtclass' for the IP-level ones).
%%     OTP 25 gives a passive socket with none of them copied; in OTP 27 the IPv6 copy
%%     sets them back on the parent instead, fixed in 29. `tos' is copied before
%%     `priority', so that the copy keeps the parent's priority (OTP sets `priority' first,
%%     and Linux derives a priority from a new TOS).</li>
%% <li>The options OTP added after 25, `non_block_send', `reuseport', `reuseport_lb' and
%%     `exclusiveaddruse', are accepted on every OTP release; OTP 25 refuses them
%%     (`badarg' in `open', `{error, einval}' in `inet:setopts/2').</li>
%% <li>`inet:peernames/1,2' and `inet:socknames/2' accept only ports in OTP: use
%%     `gen_sctp:peernames/1,2' and `gen_sctp:socknames/1,2'.</li>
%% <li>Malformed option records and send parameters give `{error, einval}', not OTP's
%%     `{error, {type, ...}}'.</li>
%% <li>`open/1,2' returns `{error, einval}' when the kernel refuses to bind the addresses
%%     given with `EINVAL' (such as one address twice), as it returns the kernel's other
%%     refusals; OTP raises `badarg' for every `einval' in `open'. A malformed option or
%%     address, and an option that cannot be set, raise `badarg' as in OTP.</li>
%% <li>A foreign socket or a wrongly typed argument raises `badarg' where OTP 25 fails with
%%     `function_clause', `undef' or similar; `controlling_process/2' on a closed socket
%%     returns `{error, closed}' where OTP 25 crashes. BAD_INPUT.md lists every case.</li>
%% <li>A passive socket that nothing references any more is closed when garbage
%%     collected, unless `inet:monitor/1' monitors it; an OTP port stays open until closed
%%     or its owner exits.</li>
%% <li>`{fd, _}' open option is not supported.</li>
%% <li>`inet:monitor/1' gives `{'DOWN', MRef, socket, S, closed}' as OTP's module-based
%%     sockets do (`nosock' for a socket already closed), not a port's
%%     `{'DOWN', MRef, port, Port, Reason}'.</li>
%% <li>`inet:getopts(S, [non_block_send])' gives `{ok, [{non_block_send, V}]}'; OTP 29's
%%     gives a bare `{ok, [V]}'.</li>
%% <li>`{sctp_passive, S}' follows the message that ended an `{active, N}' count, before
%%     any later message of the socket, but a `receive ... after 0' the moment the data
%%     arrives can miss it. Wait for it with a timeout.</li>
%% </ul>
%%
%% == Beyond OTP ==
%% <ul>
%% <li>`accept/1,2': a one-to-one (`{type, stream}') socket that listens with a backlog
%%     hands out each new association as its own socket, as `gen_tcp:accept/1,2' does.</li>
%% <li>`bindx/3': adds or removes local addresses of an open socket (sctp_bindx(3)).</li>
%% <li>RFC 6458's notifications, with the records of `include/gen_sctp_nif.hrl', each
%%     delivered as an ordinary event (`sctp', `{ok, _}') once subscribed with
%%     `sctp_event': `#sctp_sender_dry_event{}', `#sctp_stream_reset_event{}',
%%     `#sctp_assoc_reset_event{}', `#sctp_stream_change_event{}',
%%     `#sctp_authkey_event{}' and `#sctp_send_failed_event{}'. The last comes next to
%%     OTP's `#sctp_send_failed{}' (an error event, subscribed by default) while both are
%%     subscribed. `#sctp_paddr_change{}' has the state `addr_potentially_failed'
%%     (`net.sctp.pf_expose').</li>
%% <li>`reset_streams/4', `add_streams/4' and `reset_assoc/2': RFC 6525 stream
%%     reconfiguration.</li>
%% <li>`send/3' with a list of RFC 6458's send infos, `#sctp_sndinfo{}', `#sctp_prinfo{}'
%%     (partial reliability of one message) and `#sctp_authinfo{}', in the place of
%%     `#sctp_sndrcvinfo{}'.</li>
%% </ul>
%%
%% == Multi-homing ==
%% An endpoint bound to several addresses (several `ip' options, or `bindx/3') offers all
%% of them to its peers; `connectx_init/3,4,5' reaches a peer at several addresses. Each
%% association then has one path per peer address: `peernames/2' and `socknames/2' list
%% them, `#sctp_paddr_change{}' reports a path going down (`addr_unreachable') and up
%% (`addr_available'), `sctp_primary_addr' chooses the path data goes on, and
%% `sctp_peer_addr_params' sets how fast a dead path is noticed (heartbeat interval,
%% path max retransmissions).
-module(gen_sctp).

-include_lib("kernel/include/inet_sctp.hrl").
%% Relative to this file, so that a plain erlc finds it too.
-include("../include/gen_sctp_nif.hrl").

-export([open/0, open/1, open/2, close/1]).
-export([listen/2, accept/1, accept/2, peeloff/2, bindx/3]).
-export([reset_streams/4, add_streams/4, reset_assoc/2]).
-export([connect/3, connect/4, connect/5,
         connect_init/3, connect_init/4, connect_init/5,
         connectx_init/3, connectx_init/4, connectx_init/5]).
-export([eof/2, abort/2]).
-export([send/3, send/4, recv/1, recv/2]).
-export([error_string/1]).
-export([controlling_process/2]).
-export([peernames/1, peernames/2, socknames/1, socknames/2]).
%% Called by inet for `{'$inet', gen_sctp, _}' sockets.
-export([setopts/2, getopts/2, sockname/1, peername/1, getstat/2]).
-export([monitor/1, cancel_monitor/1]).

%% OTP's gen_sctp exports these types under these names: specs written against it hold
%% for this module too.
-export_type([assoc_id/0, option/0, option_name/0, option_value/0, sctp_socket/0]).
%% This library's own.
-export_type([event_type/0, send_info/0, sctp_chunk_type/0]).

%% A plain tuple, as inet's functions take it (`inet:socket()').
-type sctp_socket() :: {'$inet', gen_sctp, reference()}.
%% The `assoc_id' of the records; 0 stands for the whole endpoint.
-type assoc_id() :: term().
%% The notification types of `#sctp_event{}', as RFC 6458 names them.
-type event_type() :: association_change | peer_addr_change | remote_error | send_failed
                    | shutdown | adaptation_indication | partial_delivery | authentication
                    | sender_dry | stream_reset | assoc_reset | stream_change
                    | send_failed_event.
%% RFC 6458's send parameters of one message, for `send/3'.
-type send_info() :: #sctp_sndinfo{} | #sctp_prinfo{} | #sctp_authinfo{}.
%% The chunk types `sctp_auth_chunk' takes by name, the RFCs' in lowercase.
-type sctp_chunk_type() :: data | sack | heartbeat | heartbeat_ack | abort | shutdown
                         | shutdown_ack | error | cookie_echo | cookie_ack | ecne | cwr
                         | shutdown_complete | forward_tsn | pad | asconf | asconf_ack
                         | reconf | i_data | i_forward_tsn.
%% An option to set, as in the module documentation's list.
-type option() :: elementary_option() | record_option() | assoc_option().
%% What `inet:getopts/2' takes: a name, or a record that names the association.
-type option_name() :: elementary_option_name() | assoc_option_name() | record_option()
                     | assoc_option() | ro_option() | ro_option_name().
%% What `inet:getopts/2' gives.
-type option_value() :: elementary_option() | record_option() | assoc_option()
                      | ro_option().
%% OTP's options, then this library's own.
-type elementary_option() :: {active, boolean() | once | -32768..32767}
                           | {mode, binary | list} | binary | list
                           | {buffer, non_neg_integer()}
                           | {recbuf, non_neg_integer()}
                           | {sndbuf, non_neg_integer()}
                           | {high_msgq_watermark, pos_integer()}
                           | {low_msgq_watermark, pos_integer()}
                           | {non_block_send, boolean()}
                           | {debug, boolean()}
                           | {reuseaddr, boolean()}
                           | {reuseport, boolean()}
                           | {reuseport_lb, boolean()}
                           | {exclusiveaddruse, boolean()}
                           | {dontroute, boolean()}
                           | {linger, {boolean(), non_neg_integer()}}
                           | {priority, non_neg_integer()}
                           | {tos, non_neg_integer()}
                           | {tclass, non_neg_integer()}
                           | {ttl, non_neg_integer()}
                           | {recvtos, boolean()}
                           | {recvtclass, boolean()}
                           | {recvttl, boolean()}
                           | {ipv6_v6only, boolean()}
                           | {sctp_autoclose, non_neg_integer()}
                           | {sctp_disable_fragments, boolean()}
                           | {sctp_i_want_mapped_v4_addr, boolean()}
                           | {sctp_maxseg, non_neg_integer()}
                           | {sctp_nodelay, boolean()}
                           | {send_timeout, timeout()}
                           | {bind_to_device, binary()}
                           | {sctp_recvrcvinfo, boolean()}
                           | {sctp_recvnxtinfo, boolean()}
                           | {sctp_partial_delivery_point, non_neg_integer()}
                           | {sctp_fragment_interleave, 0 | 1 | 2}
                           | {sctp_reuse_port, boolean()}
                           | {sctp_auth_chunk, 0..255 | sctp_chunk_type()}
                           | {sctp_hmac_ident, [sha1 | sha256]}.
-type elementary_option_name() :: active | mode | buffer | recbuf | sndbuf
                                | high_msgq_watermark | low_msgq_watermark
                                | non_block_send | debug
                                | reuseaddr | reuseport | reuseport_lb | exclusiveaddruse
                                | dontroute | linger | priority
                                | tos | tclass | ttl | recvtos | recvtclass | recvttl
                                | ipv6_v6only
                                | sctp_autoclose | sctp_disable_fragments
                                | sctp_i_want_mapped_v4_addr | sctp_maxseg | sctp_nodelay
                                | send_timeout | bind_to_device
                                | sctp_recvrcvinfo | sctp_recvnxtinfo
                                | sctp_partial_delivery_point | sctp_fragment_interleave
                                | sctp_reuse_port | sctp_hmac_ident.
-type record_option() :: {sctp_rtoinfo, #sctp_rtoinfo{}}
                       | {sctp_associnfo, #sctp_assocparams{}}
                       | {sctp_initmsg, #sctp_initmsg{}}
                       | {sctp_primary_addr, #sctp_prim{}}
                       | {sctp_set_peer_primary_addr, #sctp_setpeerprim{}}
                       | {sctp_adaptation_layer, #sctp_setadaptation{}}
                       | {sctp_peer_addr_params, #sctp_paddrparams{}}
                       | {sctp_default_send_param, #sctp_sndrcvinfo{}}
                       | {sctp_default_sndinfo, #sctp_sndinfo{}}
                       | {sctp_events, #sctp_event_subscribe{}}
                       | {sctp_delayed_ack_time, #sctp_assoc_value{}}
                       | {sctp_event, #sctp_event{}}
                       | {sctp_default_prinfo, #sctp_default_prinfo{}}
                       | {sctp_stream_scheduler_value, #sctp_stream_value{}}
                       | {sctp_remote_udp_encaps_port, #sctp_udpencaps{}}
                       | {sctp_plpmtud_probe_interval, #sctp_probeinterval{}}
                       | {sctp_peer_addr_thlds, #sctp_paddrthlds{}}
                       | {sctp_auth_key, #sctp_authkey{}}
                       | {sctp_auth_active_key, #sctp_authkeyid{}}
                       | {sctp_auth_deactivate_key, #sctp_authkeyid{}}
                       | {sctp_auth_delete_key, #sctp_authkeyid{}}.
%% The endpoint's value, or one association's in an `#sctp_assoc_value{}'.
-type assoc_option() :: {sctp_pr_supported, assoc_value(boolean())}
                      | {sctp_reconfig_supported, assoc_value(boolean())}
                      | {sctp_interleaving_supported, assoc_value(boolean())}
                      | {sctp_auth_supported, assoc_value(boolean())}
                      | {sctp_asconf_supported, assoc_value(boolean())}
                      | {sctp_ecn_supported, assoc_value(boolean())}
                      | {sctp_expose_potentially_failed_state,
                         assoc_value(unset | disable | enable)}
                      | {sctp_enable_stream_reset,
                         assoc_value([reset_streams | reset_assoc | change_assoc])}
                      | {sctp_stream_scheduler, assoc_value(fcfs | prio | rr | fc | wfq)}
                      | {sctp_max_burst, assoc_value(non_neg_integer())}
                      | {sctp_context, assoc_value(non_neg_integer())}.
-type assoc_option_name() :: sctp_pr_supported | sctp_reconfig_supported
                           | sctp_interleaving_supported | sctp_auth_supported
                           | sctp_asconf_supported | sctp_ecn_supported
                           | sctp_expose_potentially_failed_state
                           | sctp_enable_stream_reset | sctp_stream_scheduler
                           | sctp_max_burst | sctp_context.
-type assoc_value(Value) :: Value
                          | #sctp_assoc_value{assoc_id :: assoc_id() | undefined,
                                              assoc_value :: Value | undefined}.
%% Read-only.
-type ro_option() :: {sctp_status, #sctp_status{}}
                   | {sctp_get_peer_addr_info, #sctp_paddrinfo{}}
                   | {sctp_pr_assoc_status, #sctp_prstatus{}}
                   | {sctp_pr_stream_status, #sctp_prstatus{}}
                   | {sctp_get_assoc_stats, #sctp_assoc_stats{}}
                   | {sctp_get_assoc_number, non_neg_integer()}
                   | {sctp_get_assoc_id_list, [assoc_id()]}
                   | {sctp_peer_auth_chunks, #sctp_authchunks{}}
                   | {sctp_local_auth_chunks, #sctp_authchunks{}}.
-type ro_option_name() :: sctp_get_assoc_number | sctp_get_assoc_id_list
                        | sctp_peer_auth_chunks | sctp_local_auth_chunks.
%% What `open/1,2' take besides the options to set.
-type open_option() :: {ip, inet:ip_address() | any | loopback}
                     | {ifaddr, inet:ip_address() | any | loopback | sockaddr()}
                     | {port, inet:port_number()}
                     | inet:address_family()
                     | {type, seqpacket | stream}
                     | {netns, file:filename_all()}
                     | {sctp_module, module()}
                     | option().
-type sockaddr() :: socket:sockaddr_in() | socket:sockaddr_in6().
-type host() :: inet:ip_address() | inet:hostname().
%% `cant_assoc' when the association could not be set up; otherwise, for example, another
%% event or message from the peer, `closed', `timeout' or what the name lookup gives.
-type connect_result() :: {ok, #sctp_assoc_change{state :: comm_up}}
                        | {error, #sctp_assoc_change{state :: cant_assoc}}
                        | {error, term()}.
-type addresses_result() :: {ok, [{inet:ip_address(), inet:port_number()}]}
                          | {error, inet:posix()}.

-define(IS_SOCKET(S), (is_tuple(S) andalso tuple_size(S) =:= 3
                       andalso element(1, S) =:= '$inet'
                       andalso element(2, S) =:= gen_sctp
                       andalso is_reference(element(3, S)))).
%% The poller's wake-up of a waiting call: a pair whose second element is the call's tag,
%% a reference that only the call and the NIF hold. The NIF names the pair; the tag alone
%% tells it apart.
-define(READY(Tag), {_, Tag}).
%% A waiting `recv' is handed its answer instead, read by the poller: a triple, the
%% call's tag second and the answer third.
-define(HANDED(Tag, Reply), {_, Tag, Reply}).
%% prim_inet's backlog for `listen(S, true)'.
-define(LISTEN_BACKLOG, 5).

%%% Opening and closing

%% @doc Opens a one-to-many SCTP socket on any address and port.
-spec open() -> {ok, sctp_socket()} | {error, inet:posix()}.
open() ->
    open([]).

%% @doc Opens a socket bound to `Port', or with the options `Opts': `{ip, IP}' and
%% `{ifaddr, IP | SockAddr}' (repeatable, for multi-homing), `{port, Port}',
%% `{type, seqpacket | stream}', `inet | inet6', `{netns, File}', and any socket option.
-spec open(inet:port_number() | [open_option()]) -> {ok, sctp_socket()} | {error, inet:posix()}.
open(Opts0) when is_list(Opts0) ->
    case sctp_module(Opts0) of
        {default, Opts} -> open_family(Opts, default);
        {inet_sctp, Opts} -> open_family(Opts, inet);
        {inet6_sctp, Opts} -> open_family(Opts, inet6);
        %% As OTP: any other module's open/1 is called.
        {Mod, Opts} -> other_module_open(Mod, Opts)
    end;
open(Port) when is_integer(Port) ->
    open([{port, Port}]);
open(X) ->
    erlang:error(badarg, [X]).

other_module_open(Mod, Opts) ->
    case Mod:open(Opts) of
        {error, badarg} -> erlang:error(badarg, [Opts]);
        {error, einval} -> erlang:error(badarg, [Opts]);
        Result -> Result
    end.

%% `{sctp_module, Mod}' as OTP's inet:sctp_module/1 reads it: the last one wins, and
%% takes the place of the `inet' and `inet6' options, which are dropped.
sctp_module(Opts) ->
    case [M || {sctp_module, M} <- Opts] of
        [] -> {default, Opts};
        Mods -> {lists:last(Mods), [O || O <- Opts, not module_opt(O)]}
    end.

module_opt({sctp_module, _}) -> true;
module_opt(Family) -> Family =:= inet orelse Family =:= inet6.

%% A malformed option raises badarg, and so does one that cannot be set (the NIF tells);
%% the kernel's answer to creating and binding the socket is the result.
open_family(Opts, Forced) ->
    case open_opts(Opts, Forced) of
        {ok, Family, Type, Netns, Addrs, SockOpts} ->
            case open_nif(Family, Type, Netns, Addrs, SockOpts) of
                {ok, Handle} -> {ok, socket(Handle)};
                {error, badarg} -> erlang:error(badarg, [Opts]);
                {error, _} = Error -> Error
            end;
        badarg ->
            erlang:error(badarg, [Opts])
    end.

%% A socket in another network namespace takes a thread of its own to create: a NIF on a
%% dirty scheduler makes it.
open_nif(Family, Type, undefined, Addrs, SockOpts) ->
    gen_sctp_nif:open(Family, Type, Addrs, SockOpts);
open_nif(Family, Type, Netns, Addrs, SockOpts) ->
    gen_sctp_nif:open_in_netns(Family, Type, Netns, Addrs, SockOpts).

%% @doc Opens a socket bound to `Port' with the options `Opts'.
-spec open(inet:port_number(), [open_option()]) -> {ok, sctp_socket()} | {error, inet:posix()}.
open(Port, Opts) when is_integer(Port), is_list(Opts) ->
    open([{port, Port} | Opts]);
open(Port, Opts) ->
    erlang:error(badarg, [Port, Opts]).

%% @doc Closes the socket; `ok' also for a socket already closed. (OTP's close may also
%% return an error.)
-spec close(sctp_socket()) -> ok | {error, inet:posix()}.
close(S) when ?IS_SOCKET(S) ->
    gen_sctp_nif:close(handle(S));
close(S) ->
    erlang:error(badarg, [S]).

%%% Associations

%% @doc Makes the socket accept associations (`true', or a backlog), or stop (`false').
-spec listen(sctp_socket(), boolean() | integer()) -> ok | {error, term()}.
listen(S, true) when ?IS_SOCKET(S) ->
    listen(S, ?LISTEN_BACKLOG);
listen(S, false) when ?IS_SOCKET(S) ->
    listen(S, 0);
listen(S, Backlog) when ?IS_SOCKET(S), is_integer(Backlog) ->
    gen_sctp_nif:listen(handle(S), Backlog);
listen(S, Flag) ->
    erlang:error(badarg, [S, Flag]).

%% @equiv accept(S, infinity)
-spec accept(sctp_socket()) -> {ok, sctp_socket()} | {error, closed | inet:posix()}.
accept(S) ->
    accept(S, infinity).

%% @doc Accepts the next association on a listening one-to-one socket (opened with
%% `{type, stream}', then `listen/2' with `true' or a backlog) as a new one-to-one socket,
%% shaped like `gen_tcp:accept/2'. Not in OTP. The caller owns the new socket, which
%% inherits the listening socket's options (`active' included); its first message is the
%% association's `#sctp_assoc_change{state = comm_up}'. `{error, timeout}' when none
%% arrives within `Timeout' ms, `{error, closed}' when the socket is closed, also while
%% waiting; one process waits at a time (`{error, ealready}' for a second one).
-spec accept(sctp_socket(), timeout()) ->
          {ok, sctp_socket()} | {error, closed | timeout | inet:posix()}.
accept(S, Timeout) when ?IS_SOCKET(S) ->
    case valid_timeout(Timeout) of
        true ->
            Handle = handle(S),
            Accept = fun(Tag) ->
                             case gen_sctp_nif:accept(Handle, Tag) of
                                 {ok, New} -> {ok, socket(New)};
                                 Result -> Result
                             end
                     end,
            call_waiting(Handle, Timeout, Accept);
        false ->
            erlang:error(badarg, [S, Timeout])
    end;
accept(S, Timeout) ->
    erlang:error(badarg, [S, Timeout]).

%% @doc Adds (`add') or removes (`remove') local addresses of an open socket, as
%% sctp_bindx(3) does. Not in OTP, which fixes the addresses at `open'. `Addrs' are IP
%% tuples, `{IP, Port}' or sockaddr maps; port 0 or none means the socket's port, the only
%% one it has. New associations use the new set at once; existing ones learn of it only when
%% both ends have ASCONF enabled (`net.sctp.addip_enable'), and then get an
%% `#sctp_paddr_change{}' with `addr_added' or `addr_removed'. `{error, Posix}' when the
%% kernel refuses, for example `eaddrnotavail' for an address that is not local.
-spec bindx(sctp_socket(), add | remove,
            [inet:ip_address() | {inet:ip_address(), inet:port_number()}
             | socket:sockaddr_in() | socket:sockaddr_in6()]) ->
          ok | {error, closed | inet:posix()}.
bindx(S, Op, Addrs) when ?IS_SOCKET(S), (Op =:= add orelse Op =:= remove),
                         is_list(Addrs), Addrs =/= [] ->
    Handle = handle(S),
    Family = gen_sctp_nif:family(Handle),
    Bindx = case sockaddrs(fun(A) -> bindx_addr(Family, A) end, Addrs) of
                {ok, SockAddrs} -> gen_sctp_nif:bindx(Handle, Op =:= add, SockAddrs);
                badarg -> {error, badarg}
            end,
    case Bindx of
        {error, badarg} -> erlang:error(badarg, [S, Op, Addrs]);
        Result -> Result
    end;
bindx(S, Op, Addrs) ->
    erlang:error(badarg, [S, Op, Addrs]).

bindx_addr(_Family, IP) when is_tuple(IP), tuple_size(IP) =/= 2 -> {IP, 0};
bindx_addr(Family, SockAddr) -> sockaddr(Family, SockAddr).

%% @doc Asks the peer to reset streams of association `AssocId' (RFC 6525, the kernel's
%% SCTP_RESET_STREAMS): their sequence numbers start again at 0. `Flags' names the
%% direction, `[outgoing]', `[incoming]' or both; `Streams' lists the stream numbers, `[]'
%% for all. Not in OTP. Both ends need `net.sctp.reconf_enable = 1' when the association
%% starts, and `{sctp_enable_stream_reset, [reset_streams]}'; the
%% outcome arrives as `#sctp_stream_reset_event{}' (include `gen_sctp_nif.hrl'), to those
%% that subscribed with `{sctp_event, #sctp_event{type = stream_reset, on = true}}'.
%% `{error, Posix}' when the kernel refuses, such as `enoprotoopt' when reconfiguration is
%% off and `einprogress' while a request is outstanding.
-spec reset_streams(sctp_socket(), assoc_id() | #sctp_assoc_change{}, [incoming | outgoing],
                    [0..65535]) -> ok | {error, closed | inet:posix()}.
reset_streams(S, Assoc, Flags, Streams) when is_list(Flags), is_list(Streams) ->
    reconfigure(S, Assoc, fun(Handle, Id) ->
                                  gen_sctp_nif:reset_streams(Handle, Id, Flags, Streams)
                          end, [S, Assoc, Flags, Streams]);
reset_streams(S, Assoc, Flags, Streams) ->
    erlang:error(badarg, [S, Assoc, Flags, Streams]).

%% @doc Asks for `In' more incoming and `Out' more outgoing streams on association
%% `AssocId' (RFC 6525, the kernel's SCTP_ADD_STREAMS). Not in OTP. Needs what
%% reset_streams/4 needs, with `change_assoc' in
%% `sctp_enable_stream_reset'; the outcome arrives as `#sctp_stream_change_event{}'.
-spec add_streams(sctp_socket(), assoc_id() | #sctp_assoc_change{}, 0..65535, 0..65535) ->
          ok | {error, closed | inet:posix()}.
add_streams(S, Assoc, In, Out) when is_integer(In), is_integer(Out) ->
    reconfigure(S, Assoc, fun(Handle, Id) -> gen_sctp_nif:add_streams(Handle, Id, In, Out) end,
                [S, Assoc, In, Out]);
add_streams(S, Assoc, In, Out) ->
    erlang:error(badarg, [S, Assoc, In, Out]).

%% @doc Asks the peer to reset association `AssocId' (RFC 6525 SSN/TSN reset, the kernel's
%% SCTP_RESET_ASSOC): both ends' TSNs start again from new values, and the sequence
%% numbers of all streams at 0. Not in OTP. Needs what reset_streams/4 needs, with
%% `reset_assoc' in `sctp_enable_stream_reset' on both ends (the peer denies it
%% otherwise); the outcome arrives as `#sctp_assoc_reset_event{}' (its `local_tsn' and
%% `remote_tsn' the new TSNs) to those that subscribed with
%% `{sctp_event, #sctp_event{type = assoc_reset, on = true}}'. `{error, Posix}' when the
%% kernel refuses: those of reset_streams/4, and `eagain' while data sent on the
%% association is not yet acknowledged.
-spec reset_assoc(sctp_socket(), assoc_id() | #sctp_assoc_change{}) ->
          ok | {error, closed | inet:posix()}.
reset_assoc(S, Assoc) ->
    reconfigure(S, Assoc, fun gen_sctp_nif:reset_assoc/2, [S, Assoc]).

%% An RFC 6525 request, Request(Handle, AssocId), for association Assoc (its id or its
%% #sctp_assoc_change{}). A malformed argument raises badarg with Args, the caller's
%% arguments, as OTP's functions do.
reconfigure(S, #sctp_assoc_change{assoc_id = AssocId}, Request, Args) ->
    reconfigure(S, AssocId, Request, Args);
reconfigure(S, AssocId, Request, Args) when ?IS_SOCKET(S), is_integer(AssocId) ->
    case Request(handle(S), AssocId) of
        {error, badarg} -> erlang:error(badarg, Args);
        Result -> Result
    end;
reconfigure(_S, _AssocId, _Request, Args) ->
    erlang:error(badarg, Args).

%% @doc Branches association `Assoc' off into a new one-to-one socket owned by the caller.
-spec peeloff(sctp_socket(), #sctp_assoc_change{} | assoc_id()) ->
          {ok, sctp_socket()} | {error, term()}.
peeloff(S, #sctp_assoc_change{assoc_id = AssocId}) when ?IS_SOCKET(S) ->
    peeloff(S, AssocId);
peeloff(S, AssocId) when ?IS_SOCKET(S), is_integer(AssocId) ->
    Handle = handle(S),
    %% A socket of another network namespace is peeled off from within it, by a thread of
    %% its own: a NIF on a dirty scheduler does that.
    Peeled = case gen_sctp_nif:peeloff(Handle, AssocId) of
                 other_netns -> gen_sctp_nif:peeloff_in_netns(Handle, AssocId);
                 Result -> Result
             end,
    case Peeled of
        {ok, New} -> {ok, socket(New)};
        Error -> Error
    end;
peeloff(S, Assoc) ->
    erlang:error(badarg, [S, Assoc]).

%% @equiv connect(S, SockAddr, Opts, infinity)
-spec connect(sctp_socket(), sockaddr(), [option()]) -> connect_result().
connect(S, SockAddr, Opts) ->
    connect(S, SockAddr, Opts, infinity).

%% @doc Sets up an association and waits for its `#sctp_assoc_change{}'. Either
%% `connect(S, SockAddr, Opts, Timeout)' or `connect(S, Addr, Port, Opts)'.
-spec connect(sctp_socket(), sockaddr(), [option()], timeout()) -> connect_result();
             (sctp_socket(), host(), inet:port_number(), [option()]) -> connect_result().
connect(S, SockAddr, Opts, Timeout) when is_map(SockAddr), is_list(Opts) ->
    associate_or_raise(S, SockAddr, Opts, Timeout, wait, [S, SockAddr, Opts, Timeout]);
connect(S, Addr, Port, Opts) ->
    connect(S, Addr, Port, Opts, infinity).

%% @doc Sets up an association to `Addr':`Port' and waits for its `#sctp_assoc_change{}':
%% `{ok, Event}' for `comm_up', `{error, Event}' otherwise. `Timeout' bounds the name
%% lookup and the wait together.
-spec connect(sctp_socket(), host(), inet:port_number(), [option()], timeout()) ->
          connect_result().
connect(S, Addr, Port, Opts, Timeout) ->
    associate_or_raise(S, {Addr, Port}, Opts, Timeout, wait, [S, Addr, Port, Opts, Timeout]).

%% @equiv connect_init(S, SockAddr, Opts, infinity)
-spec connect_init(sctp_socket(), sockaddr(), [option()]) -> ok | {error, term()}.
connect_init(S, SockAddr, Opts) ->
    connect_init(S, SockAddr, Opts, infinity).

%% @doc Starts setting up an association and returns at once; the outcome arrives as an
%% `#sctp_assoc_change{}' event. Either `connect_init(S, SockAddr, Opts, Timeout)' or
%% `connect_init(S, Addr, Port, Opts)'.
-spec connect_init(sctp_socket(), sockaddr(), [option()], timeout()) -> ok | {error, term()};
                  (sctp_socket(), host(), inet:port_number(), [option()]) ->
          ok | {error, term()}.
connect_init(S, SockAddr, Opts, Timeout) when is_map(SockAddr), is_list(Opts) ->
    associate_or_raise(S, SockAddr, Opts, Timeout, nowait, [S, SockAddr, Opts, Timeout]);
connect_init(S, Addr, Port, Opts) ->
    connect_init(S, Addr, Port, Opts, infinity).

%% @doc As `connect_init/4'; `Timeout' bounds the name lookup.
-spec connect_init(sctp_socket(), host(), inet:port_number(), [option()], timeout()) ->
          ok | {error, term()}.
connect_init(S, Addr, Port, Opts, Timeout) ->
    associate_or_raise(S, {Addr, Port}, Opts, Timeout, nowait, [S, Addr, Port, Opts, Timeout]).

%% The one path of connect and connect_init, to `Peer', a sockaddr map or `{Addr,
%% Service}'. As OTP, a closed socket is found first, then a bad port (`{error, einval}'),
%% then a bad timeout or address (`badarg'). The options are set, the association started
%% and, with `wait', its event awaited; `Timeout' bounds the name lookup and that wait.
associate(S, Peer, Opts, Timeout, Wait) when ?IS_SOCKET(S), is_list(Opts) ->
    Handle = handle(S),
    case peer_port(Handle, Peer) of
        {ok, Peer1} ->
            case valid_timeout(Timeout) of
                true -> associate(S, Handle, Peer1, Opts, deadline(Timeout), Wait);
                false -> badarg
            end;
        {error, _} = Error ->
            Error
    end;
associate(_S, _Peer, _Opts, _Timeout, _Wait) ->
    badarg.

%% associate/5 for connect/4,5 and connect_init/4,5: `badarg' is raised with the caller's
%% arguments `Args'.
associate_or_raise(S, Peer, Opts, Timeout, Wait, Args) ->
    case associate(S, Peer, Opts, Timeout, Wait) of
        badarg -> erlang:error(badarg, Args);
        Result -> Result
    end.

associate(S, Handle, Peer, Opts, Deadline, Wait) ->
    case resolve_peer(Handle, Peer, Deadline) of
        {ok, Addr} ->
            case change_opts(Handle, Opts) of
                ok -> start_assoc(S, Handle, Addr, Deadline, Wait);
                Error -> Error
            end;
        Other ->
            Other
    end.

%% `{error, closed}' for a closed socket; else `Peer', with the port number that its
%% service names.
peer_port(Handle, {Addr, Service}) ->
    case open_service(Handle, Service) of
        {ok, Port} -> {ok, {Addr, Port}};
        {error, _} = Error -> Error
    end;
peer_port(Handle, SockAddr) ->
    case check_open(Handle) of
        ok -> {ok, SockAddr};
        {error, _} = Error -> Error
    end.

%% `{error, closed}' for a closed socket, else the port that `Service' names.
open_service(Handle, Service) ->
    case check_open(Handle) of
        ok -> service(Service);
        {error, _} = Error -> Error
    end.

check_open(Handle) ->
    case gen_sctp_nif:getopts(Handle, []) of
        {ok, []} -> ok;
        {error, _} = Error -> Error
    end.

%% A port, or a service name looked up for sctp; as OTP's inet_sctp:getserv/1, anything
%% else is {error, einval}.
service(Port) when is_integer(Port) -> {ok, Port};
service(Name) when is_atom(Name) -> inet:getservbyname(Name, sctp);
service(_) -> {error, einval}.

%% The mode is read before connecting, as OTP does: a comm_up that arrives at once turns
%% an {active, once} socket passive.
%% `Addr' is `{IP, Port}', or `{IP, Port, FlowInfo, ScopeId}' for an IPv6 sockaddr map.
start_assoc(S, Handle, Addr, Deadline, Wait) ->
    case gen_sctp_nif:getopts(Handle, [active]) of
        {ok, [{active, Active}]} ->
            case gen_sctp_nif:connect(Handle, Addr) of
                ok when Wait =:= wait ->
                    connect_wait(S, Active, element(1, Addr), element(2, Addr), Deadline);
                Result -> Result
            end;
        Error ->
            Error
    end.

%% As OTP: a passive socket receives the first message and expects the association's
%% event; an active one waits for that event in the mailbox. `Active' is the mode the
%% socket had before connecting.
connect_wait(S, Active, IP, Port, Deadline) ->
    case Active of
        false ->
            case recv(S, remaining(Deadline)) of
                {ok, {IP, Port, _, #sctp_assoc_change{state = comm_up} = Ev}} -> {ok, Ev};
                {ok, {IP, Port, _, #sctp_assoc_change{} = Ev}} -> {error, Ev};
                {ok, Msg} -> {error, Msg};
                {error, _} = Error -> Error
            end;
        _ ->
            receive
                {sctp, S, IP, Port, {_, #sctp_assoc_change{state = State} = Ev}} ->
                    Restored = case Active of
                                   once -> setopts(S, [{active, once}]);
                                   _ -> ok
                               end,
                    case {State, Restored} of
                        {comm_up, ok} -> {ok, Ev};
                        {_, ok} -> {error, Ev};
                        {_, Error} -> Error
                    end
            after remaining(Deadline) ->
                    {error, timeout}
            end
    end.

%% @doc Starts an association to several addresses of one peer (multi-homing) and returns
%% its id at once: `connectx_init(S, SockAddrs, Opts)' with `{IP, Port}', `{Family, {IP,
%% Port}}' or sockaddr maps.
-spec connectx_init(sctp_socket(), [sockaddr() | {inet:ip_address(), inet:port_number()} |
                                    inet:family_address()],
                    [option()]) -> {ok, assoc_id()} | {error, term()}.
connectx_init(S, SockAddrs, Opts)
  when ?IS_SOCKET(S), is_list(SockAddrs), SockAddrs =/= [], is_list(Opts) ->
    Handle = handle(S),
    Family = gen_sctp_nif:family(Handle),
    case sockaddrs(fun(A) -> sockaddr(Family, A) end, SockAddrs) of
        {ok, Peers} ->
            case lists:max([element(2, P) || P <- Peers]) of
                0 -> erlang:error(badarg, [S, SockAddrs, Opts]);
                Port -> connectx(Handle, [setelement(2, P, Port) || P <- Peers], Opts)
            end;
        badarg ->
            erlang:error(badarg, [S, SockAddrs, Opts])
    end;
connectx_init(S, SockAddrs, Opts) ->
    erlang:error(badarg, [S, SockAddrs, Opts]).

%% @equiv connectx_init(S, Addrs, Port, Opts, infinity)
-spec connectx_init(sctp_socket(), [host()], inet:port_number() | atom(), [option()]) ->
          {ok, assoc_id()} | {error, term()}.
connectx_init(S, Addrs, Port, Opts) ->
    connectx_init(S, Addrs, Port, Opts, infinity).

%% @doc Starts an association to the addresses `Addrs' (IPs or host names) of one peer at
%% `Port' (a number or a service name) and returns its id at once. `Timeout' bounds the
%% name lookups, together.
-spec connectx_init(sctp_socket(), [host()], inet:port_number() | atom(), [option()],
                    timeout()) -> {ok, assoc_id()} | {error, term()}.
connectx_init(S, Addrs, Service, Opts, Timeout)
  when ?IS_SOCKET(S), is_list(Addrs), is_list(Opts) ->
    Handle = handle(S),
    Family = gen_sctp_nif:family(Handle),
    %% As OTP: a closed socket first, then the port ({error, einval} for one that is no
    %% port or service name), then the timeout and the addresses (badarg, also for a name
    %% that is not found).
    case open_service(Handle, Service) of
        {ok, Port} ->
            case valid_timeout(Timeout) andalso lookup(Addrs, Family, deadline(Timeout)) of
                {ok, [_ | _] = IPs} -> connectx(Handle, [{IP, Port} || IP <- IPs], Opts);
                _ -> erlang:error(badarg, [S, Addrs, Service, Opts, Timeout])
            end;
        {error, _} = Error ->
            Error
    end;
connectx_init(S, Addrs, Port, Opts, Timeout) ->
    erlang:error(badarg, [S, Addrs, Port, Opts, Timeout]).

connectx(Handle, Peers, Opts) ->
    case change_opts(Handle, Opts) of
        ok -> gen_sctp_nif:connectx(Handle, Peers);
        Error -> Error
    end.

%% The addresses of `Names', looked up in order within what is left until `Deadline';
%% `error' at the first that is not found.
lookup(Names, Family, Deadline) ->
    lookup(Names, Family, Deadline, []).

lookup([Name | Names], Family, Deadline, IPs) ->
    case inet:getaddr(Name, Family, remaining(Deadline)) of
        {ok, IP} -> lookup(Names, Family, Deadline, [IP | IPs]);
        {error, _} -> error
    end;
lookup([], _Family, _Deadline, IPs) ->
    {ok, lists:reverse(IPs)};
lookup(_Improper, _Family, _Deadline, _IPs) ->
    error.

%% @doc Shuts the association down gracefully.
-spec eof(sctp_socket(), #sctp_assoc_change{}) -> ok | {error, term()}.
eof(S, #sctp_assoc_change{assoc_id = AssocId}) when ?IS_SOCKET(S) ->
    send(S, #sctp_sndrcvinfo{assoc_id = AssocId, flags = [eof]}, <<>>);
eof(S, Assoc) ->
    erlang:error(badarg, [S, Assoc]).

%% @doc Aborts the association.
-spec abort(sctp_socket(), #sctp_assoc_change{}) -> ok | {error, term()}.
abort(S, #sctp_assoc_change{assoc_id = AssocId}) when ?IS_SOCKET(S) ->
    send(S, #sctp_sndrcvinfo{assoc_id = AssocId, flags = [abort]}, <<>>);
abort(S, Assoc) ->
    erlang:error(badarg, [S, Assoc]).

%%% Data

%% @doc Sends `Data' with the parameters of `SndRcvInfo', or of RFC 6458's send infos: a
%% list of at most one each of `#sctp_sndinfo{}' (stream, flags, ppid, context, association;
%% SCTP_SNDINFO), `#sctp_prinfo{}' (the message's partial reliability policy, SCTP_PRINFO)
%% and `#sctp_authinfo{}' (the shared key to authenticate it with, SCTP_AUTHINFO), records
%% of `include/gen_sctp_nif.hrl'. Their `undefined' fields are 0. What the list leaves out
%% the kernel takes from the association's defaults: without `#sctp_sndinfo{}' its stream,
%% flags, ppid and context (`sctp_default_sndinfo'), and with `#sctp_sndinfo{}' but no
%% `#sctp_prinfo{}' its `timetolive' (but not the policy of `sctp_default_prinfo'). A
%% one-to-many socket needs the association's id, in `#sctp_sndinfo{}'. With
%% `#sctp_prinfo{policy = ttl, value = Ms}' a message not sent or not acknowledged within
%% `Ms' is abandoned (RFC 3758; `sctp_pr_assoc_status' counts it), with `rtx' one
%% retransmitted more than `value' times, and with `prio' one still in a full send buffer
%% is dropped to make room for a later message of a higher priority (a lower `value'):
%% the kernel abandons the oldest such messages, only as many as the new one needs room
%% for, and counts them in `sctp_pr_assoc_status'.
%% A malformed record or
%% list is `{error, einval}'. Waits while the send buffer is full, at most the socket's
%% `send_timeout'.
-spec send(sctp_socket(), #sctp_sndrcvinfo{} | [send_info()], iodata()) ->
          ok | {error, term()}.
send(S, Info, Data) when ?IS_SOCKET(S), is_record(Info, sctp_sndrcvinfo);
                         ?IS_SOCKET(S), is_list(Info) ->
    Handle = handle(S),
    case retry_send(Handle, fun(Tag) -> gen_sctp_nif:sendmsg(Handle, Tag, Info, Data) end) of
        {error, badarg} -> erlang:error(badarg, [S, Info, Data]);
        Result -> Result
    end;
send(S, Info, Data) ->
    erlang:error(badarg, [S, Info, Data]).

%% @doc Sends `Data' on stream `Stream' of association `Assoc', with the association's
%% default send parameters (`sctp_default_send_param').
-spec send(sctp_socket(), #sctp_assoc_change{} | assoc_id(), integer(), iodata()) ->
          ok | {error, term()}.
send(S, #sctp_assoc_change{assoc_id = AssocId}, Stream, Data)
  when ?IS_SOCKET(S), is_integer(Stream) ->
    send(S, AssocId, Stream, Data);
send(S, AssocId, Stream, Data) when ?IS_SOCKET(S), is_integer(AssocId), is_integer(Stream) ->
    Handle = handle(S),
    retry_send(Handle,
               fun(Tag) -> gen_sctp_nif:send(Handle, Tag, AssocId, Stream, Data) end);
send(S, Assoc, Stream, Data) ->
    erlang:error(badarg, [S, Assoc, Stream, Data]).

%% `Send' answers `{wait, SendTimeout}' on a full buffer, with the caller registered for
%% a wake-up: then the send is retried until it goes out, for at most the socket's
%% `send_timeout'. A socket closed meanwhile wakes the sender, whose retry gives
%% `{error, closed}'.
retry_send(Handle, Send) ->
    Tag = make_ref(),
    case Send(Tag) of
        {wait, Timeout} -> wait_ready(Handle, Tag, deadline(Timeout), Send);
        Result -> Result
    end.

%% @equiv recv(S, infinity)
-spec recv(sctp_socket()) -> {ok, term()} | {error, term()}.
recv(S) ->
    recv(S, infinity).

%% @doc Receives one message from a passive socket: `{ok, {FromIP, FromPort, AncData,
%% Data}}', where `Data' is a binary (a list in list mode) or a notification record.
%% Error notifications come back as OTP returns them: `{error, {[Family, PortHi, PortLo |
%% IPBytes], AncData, Event}}'.
-spec recv(sctp_socket(), timeout()) -> {ok, term()} | {error, term()}.
recv(S, Timeout) when ?IS_SOCKET(S) ->
    %% As OTP: a bad timeout is an error result, not an exception.
    case valid_timeout(Timeout) of
        true ->
            Handle = handle(S),
            call_waiting(Handle, Timeout, fun(Tag) -> gen_sctp_nif:recv(Handle, Tag) end);
        false ->
            {error, einval}
    end;
recv(S, Timeout) ->
    erlang:error(badarg, [S, Timeout]).

%% Calls `Call' with a fresh tag; while it answers `wait', waits for the wake-up and calls
%% again, for at most `Timeout' ms in all.
call_waiting(Handle, Timeout, Call) ->
    Tag = make_ref(),
    case Call(Tag) of
        wait -> wait_ready(Handle, Tag, deadline(Timeout), Call);
        Result -> Result
    end.

%% Waits for the poller's wake-up and retries, or for the answer it hands a `recv'; on
%% timeout withdraws the wait. If the wake-up or answer was already under way it is
%% taken, so no internal message is left in the mailbox and no message is lost.
wait_ready(Handle, Tag, Deadline, Retry) ->
    receive
        ?READY(Tag) -> retry(Handle, Tag, Deadline, Retry);
        ?HANDED(Tag, Reply) -> Reply
    after remaining(Deadline) ->
            case gen_sctp_nif:cancel(Handle) of
                true ->
                    {error, timeout};
                false ->
                    receive
                        ?READY(Tag) -> retry(Handle, Tag, Deadline, Retry);
                        ?HANDED(Tag, Reply) -> Reply
                    end
            end
    end.

retry(Handle, Tag, Deadline, Retry) ->
    case Retry(Tag) of
        wait -> wait_ready(Handle, Tag, Deadline, Retry);
        {wait, _SendTimeout} -> wait_ready(Handle, Tag, Deadline, Retry);
        Result -> Result
    end.

deadline(infinity) -> infinity;
deadline(Ms) -> erlang:monotonic_time(millisecond) + Ms.

remaining(infinity) -> infinity;
remaining(Deadline) -> max(0, Deadline - erlang:monotonic_time(millisecond)).

%%% Ownership

%% @doc Makes `Pid' the socket's owner. Only the owner may call this. Messages already
%% delivered to the caller for this socket move to `Pid', in order.
-spec controlling_process(sctp_socket(), pid()) -> ok | {error, term()}.
controlling_process(S, Pid) when ?IS_SOCKET(S), is_pid(Pid) ->
    Handle = handle(S),
    case gen_sctp_nif:handover_begin(Handle) of
        {ok, Active} ->
            %% Messages already delivered follow the socket to its new owner.
            ok = case Pid =:= self() of
                     true -> ok;
                     false -> move_messages(S, Pid)
                 end,
            gen_sctp_nif:handover_end(Handle, Pid, Active);
        Error ->
            Error
    end;
controlling_process(S, Pid) ->
    erlang:error(badarg, [S, Pid]).

move_messages(S, Pid) ->
    receive
        {sctp, S, _, _, _} = Msg -> Pid ! Msg, move_messages(S, Pid);
        {sctp_error, S, _, _, _} = Msg -> Pid ! Msg, move_messages(S, Pid);
        {sctp_error, S, _} = Msg -> Pid ! Msg, move_messages(S, Pid);
        {sctp_passive, S} = Msg -> Pid ! Msg, move_messages(S, Pid)
    after 0 ->
            ok
    end.

%%% Socket monitors (reached through inet:monitor/1 and inet:cancel_monitor/1)

%% @doc Starts a monitor of the socket. When it closes, in any way (`close/1', its owner's
%% exit), the caller gets `{'DOWN', MRef, socket, S, closed}' once, as from OTP's
%% module-based sockets; a socket already closed gives `{'DOWN', MRef, socket, S, nosock}'
%% at once. One monitor per call; a monitored socket is not closed by garbage collection.
-spec monitor(sctp_socket()) -> reference().
monitor(S) when ?IS_SOCKET(S) ->
    gen_sctp_nif:monitor(handle(S));
monitor(S) ->
    erlang:error(badarg, [S]).

%% @doc Removes the caller's monitor `MRef': `true' if it had not fired (no `'DOWN'' comes),
%% `false' otherwise, also for another process's monitor or an unknown reference.
-spec cancel_monitor(reference()) -> boolean().
cancel_monitor(MRef) when is_reference(MRef) ->
    gen_sctp_nif:cancel_monitor(MRef);
cancel_monitor(MRef) ->
    erlang:error(badarg, [MRef]).

%%% Options and addresses (also reached through inet)

%% @doc Sets socket options; `{error, einval}' for an unknown option or a bad value.
-spec setopts(sctp_socket(), [term()]) -> ok | {error, term()}.
setopts(S, Opts) when ?IS_SOCKET(S), is_list(Opts) ->
    inet_reply(gen_sctp_nif:setopts(handle(S), Opts));
setopts(S, Opts) ->
    erlang:error(badarg, [S, Opts]).

%% @doc Reads socket options: names, or `{Name, Record}' for options read per association.
-spec getopts(sctp_socket(), [term()]) -> {ok, [term()]} | {error, term()}.
getopts(S, Opts) when ?IS_SOCKET(S), is_list(Opts) ->
    inet_reply(gen_sctp_nif:getopts(handle(S), Opts));
getopts(S, Opts) ->
    erlang:error(badarg, [S, Opts]).

%% @doc The socket's local address.
-spec sockname(sctp_socket()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, inet:posix()}.
sockname(S) when ?IS_SOCKET(S) ->
    inet_reply(gen_sctp_nif:sockname(handle(S))).

%% @doc The peer address of a one-to-one socket.
-spec peername(sctp_socket()) ->
          {ok, {inet:ip_address(), inet:port_number()}} | {error, inet:posix()}.
peername(S) when ?IS_SOCKET(S) ->
    inet_reply(gen_sctp_nif:peername(handle(S))).

%% @doc Traffic counters of user data, as `inet:getstat/2' (`recv_dvi' and `send_pend'
%% are always 0).
-spec getstat(sctp_socket(), [inet:stat_option()]) ->
          {ok, [{inet:stat_option(), integer()}]} | {error, inet:posix()}.
getstat(S, What) when ?IS_SOCKET(S), is_list(What) ->
    inet_reply(gen_sctp_nif:getstat(handle(S), What));
getstat(S, What) ->
    erlang:error(badarg, [S, What]).

%% @equiv socknames(S, 0)
-spec socknames(sctp_socket()) -> addresses_result().
socknames(S) -> socknames(S, 0).

%% @doc The local addresses of the socket (`Assoc' 0) or of an association.
-spec socknames(sctp_socket(), assoc_id() | #sctp_assoc_change{}) -> addresses_result().
socknames(S, Assoc) -> addresses(S, Assoc, true).

%% @equiv peernames(S, 0)
-spec peernames(sctp_socket()) -> addresses_result().
peernames(S) -> peernames(S, 0).

%% @doc The peer addresses of an association (0: the only one of a one-to-one socket).
-spec peernames(sctp_socket(), assoc_id() | #sctp_assoc_change{}) -> addresses_result().
peernames(S, Assoc) -> addresses(S, Assoc, false).

addresses(S, #sctp_assoc_change{assoc_id = AssocId}, Local) ->
    addresses(S, AssocId, Local);
addresses(S, AssocId, Local) when ?IS_SOCKET(S), is_integer(AssocId) ->
    inet_reply(gen_sctp_nif:addresses(handle(S), AssocId, Local));
addresses(S, Assoc, _Local) ->
    erlang:error(badarg, [S, Assoc]).

%% The functions inet calls answer `{error, einval}' for a closed socket, as OTP's
%% prim_inet does for a closed port; gen_sctp's own answer `{error, closed}'.
inet_reply({error, closed}) -> {error, einval};
inet_reply(Reply) -> Reply.

%%% Errors

%% @doc The text of an SCTP error cause code; `ok' for 0, `unknown_error' for other codes.
-spec error_string(integer()) -> ok | string() | unknown_error.
error_string(0) -> ok;
error_string(1) -> "Invalid Stream Identifier";
error_string(2) -> "Missing Mandatory Parameter";
error_string(3) -> "Stale Cookie Error";
error_string(4) -> "Out of Resource";
error_string(5) -> "Unresolvable Address";
error_string(6) -> "Unrecognized Chunk Type";
error_string(7) -> "Invalid Mandatory Parameter";
error_string(8) -> "Unrecognized Parameters";
error_string(9) -> "No User Data";
error_string(10) -> "Cookie Received While Shutting Down";
error_string(11) -> "Restart of an Association with New Addresses";
error_string(12) -> "User Initiated Abort";
error_string(13) -> "Protocol Violation";
error_string(N) when is_integer(N) -> unknown_error;
error_string(X) -> erlang:error(badarg, [X]).

%%% Helpers

socket(Handle) -> {'$inet', ?MODULE, Handle}.

handle({'$inet', ?MODULE, Handle}) -> Handle.

valid_timeout(infinity) -> true;
valid_timeout(T) -> is_integer(T) andalso T >= 0.

%% Options given to connect and connectx_init, set before the association starts; record
%% fields left `undefined' keep the socket's values.
change_opts(_Handle, []) -> ok;
change_opts(Handle, Opts) -> gen_sctp_nif:setopts(Handle, Opts).

%% `{Addr, Port}' or a sockaddr map to `{ok, {IP, Port}}', the name looked up within what is
%% left until `Deadline'; an IPv6 map keeps its flow label and scope:
%% `{ok, {IP, Port, FlowInfo, ScopeId}}'.
resolve_peer(Handle, #{} = SockAddr, Deadline) ->
    case sockaddr_map(SockAddr) of
        #{family := inet6, addr := IP, port := Port, flowinfo := Flow, scope_id := Scope} ->
            case resolve_peer(Handle, {IP, Port}, Deadline) of
                {ok, {IP6, Port}} -> {ok, {IP6, Port, Flow, Scope}};
                Other -> Other
            end;
        #{addr := IP, port := Port} ->
            resolve_peer(Handle, {IP, Port}, Deadline);
        badarg ->
            badarg
    end;
resolve_peer(Handle, {Addr, Port}, Deadline) when is_integer(Port), Port >= 0, Port =< 65535 ->
    Family = gen_sctp_nif:family(Handle),
    case inet:getaddr(translate(Addr, Family), Family, remaining(Deadline)) of
        {ok, IP} -> {ok, {IP, Port}};
        {error, _} = Error -> Error
    end;
resolve_peer(_Handle, {_Addr, Port}, _Deadline) when is_integer(Port) ->
    {error, einval};
resolve_peer(_Handle, _Peer, _Deadline) ->
    badarg.

%% A sockaddr map of family inet or inet6 with the defaults filled in, as
%% inet:ensure_sockaddr/1 makes it; `badarg' for another family or a key that it refuses.
sockaddr_map(#{family := inet} = SockAddr) ->
    known_keys(SockAddr, [family, addr, port]);
sockaddr_map(#{family := inet6} = SockAddr) ->
    known_keys(SockAddr, [family, addr, port, flowinfo, scope_id]);
sockaddr_map(_SockAddr) ->
    badarg.

known_keys(SockAddr, Keys) ->
    case map_size(maps:without(Keys, SockAddr)) of
        0 -> inet:ensure_sockaddr(SockAddr);
        _ -> badarg
    end.

translate(any, inet) -> {0, 0, 0, 0};
translate(loopback, inet) -> {127, 0, 0, 1};
translate(any, inet6) -> {0, 0, 0, 0, 0, 0, 0, 0};
translate(loopback, inet6) -> {0, 0, 0, 0, 0, 0, 0, 1};
translate(Addr, _) -> Addr.

%% `{IP, Port}', `{Family, {IP, Port}}' or a sockaddr map as the NIF takes an address:
%% `{IP, Port}', or `{IP, Port, FlowInfo, ScopeId}' from an IPv6 map; `badarg' for any other
%% term.
sockaddr(_Family, {IP, Port}) when is_tuple(IP), is_integer(Port) -> {IP, Port};
sockaddr(_Family, {F, {IP, Port}}) when F =:= inet; F =:= inet6 -> {IP, Port};
sockaddr(Family, #{} = SockAddr) ->
    case sockaddr_map(SockAddr) of
        #{family := inet6, addr := IP, port := Port, flowinfo := Flow, scope_id := Scope} ->
            {translate(IP, Family), Port, Flow, Scope};
        #{addr := IP, port := Port} ->
            {translate(IP, Family), Port};
        badarg ->
            badarg
    end;
sockaddr(_Family, _Addr) ->
    badarg.

%% `{ok, [ToAddr(A) || A <- Addrs]}', or `badarg' if `ToAddr' finds one bad.
sockaddrs(ToAddr, Addrs) ->
    sockaddrs(ToAddr, Addrs, []).

sockaddrs(ToAddr, [A | As], Acc) ->
    case ToAddr(A) of
        badarg -> badarg;
        Addr -> sockaddrs(ToAddr, As, [Addr | Acc])
    end;
sockaddrs(_ToAddr, [], Acc) ->
    {ok, lists:reverse(Acc)};
sockaddrs(_ToAddr, _Improper, _Acc) ->
    badarg.

%% Splits open/1's options into the family, type, bind addresses and socket options;
%% `badarg' for a malformed one.
open_opts(Opts, Forced) ->
    case fold_open_opts(Opts, {inet, seqpacket, [], 0, []}) of
        {Chosen, Type, IPs, Port, AllOpts} ->
            Family = case Forced of
                         default -> Chosen;
                         _ -> Forced
                     end,
            {Netns, SockOpts} = netns(AllOpts),
            %% Each address is `{IP, Port}', or `{IP, Port, FlowInfo, ScopeId}' from an
            %% IPv6 sockaddr map.
            Addrs = case IPs of
                        [] -> [{translate(any, Family), Port}];
                        _ -> [setelement(1, A, translate(element(1, A), Family))
                              || A <- lists:reverse(IPs)]
                    end,
            {ok, Family, Type, Netns,
             [setelement(2, A, default_port(element(2, A), Port)) || A <- Addrs],
             lists:reverse(SockOpts)};
        badarg ->
            badarg
    end.

fold_open_opts([Opt | Opts], Acc) ->
    case open_opt(Opt, Acc) of
        badarg -> badarg;
        Acc1 -> fold_open_opts(Opts, Acc1)
    end;
fold_open_opts([], Acc) ->
    Acc.

%% Takes the `{netns, Name}' options (names already made binaries) out of the socket
%% options; the last one wins, as in OTP.
netns(Opts) ->
    case lists:partition(fun(O) -> is_tuple(O) andalso element(1, O) =:= netns end, Opts) of
        {[], Rest} -> {undefined, Rest};
        {[{netns, Name} | _], Rest} -> {Name, Rest}
    end.

%% The namespace file's name as the NIF takes it: a binary in the file name encoding;
%% `badarg' for a term that names no file.
netns_file(File) ->
    Encoding = file:native_name_encoding(),
    case is_chardata(File) andalso unicode:characters_to_binary(File, unicode, Encoding) of
        <<_, _/binary>> = Name -> Name;
        _ -> badarg
    end.

%% What unicode:characters_to_binary/3 takes without raising: binaries, integers and lists
%% of them, a binary in a list's tail too.
is_chardata(Bin) when is_binary(Bin) -> true;
is_chardata([C | Rest]) when is_integer(C) -> is_chardata(Rest);
is_chardata([Part | Rest]) -> is_chardata(Part) andalso is_chardata(Rest);
is_chardata([]) -> true;
is_chardata(_) -> false.

default_port(undefined, Port) -> Port;
default_port(P, _Port) -> P.

open_opt(inet, {_, Type, IPs, Port, SO}) -> {inet, Type, IPs, Port, SO};
open_opt(inet6, {_, Type, IPs, Port, SO}) -> {inet6, Type, IPs, Port, SO};
open_opt({type, Type}, {F, _, IPs, Port, SO}) when Type =:= seqpacket; Type =:= stream ->
    {F, Type, IPs, Port, SO};
open_opt({port, Port}, {F, Type, IPs, _, SO})
  when is_integer(Port), Port >= 0, Port =< 65535 ->
    {F, Type, IPs, Port, SO};
open_opt({Key, #{family := _} = SockAddr}, {_, Type, IPs, Port, SO})
  when Key =:= ifaddr ->
    Addr = case inet:ensure_sockaddr(SockAddr) of
               #{family := inet6, addr := IP, port := P, flowinfo := Flow, scope_id := Scope} ->
                   {IP, P, Flow, Scope};
               #{addr := IP} = Map ->
                   {IP, maps:get(port, Map, undefined)}
           end,
    {maps:get(family, SockAddr), Type, [Addr | IPs], Port, SO};
open_opt({Key, IP}, {F, Type, IPs, Port, SO}) when Key =:= ip; Key =:= ifaddr ->
    case IP of
        {_, _, _, _, _, _, _, _} -> {inet6, Type, [{IP, undefined} | IPs], Port, SO};
        _ when is_tuple(IP); IP =:= any; IP =:= loopback ->
            {F, Type, [{IP, undefined} | IPs], Port, SO};
        _ -> badarg
    end;
open_opt({netns, File}, {F, Type, IPs, Port, SO}) ->
    case netns_file(File) of
        badarg -> badarg;
        Name -> {F, Type, IPs, Port, [{netns, Name} | SO]}
    end;
open_opt(Opt, {F, Type, IPs, Port, SO}) ->
    {F, Type, IPs, Port, [Opt | SO]}.
