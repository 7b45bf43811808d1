%% SPDX-License-Identifier: MIT
%% bench_dist: the Erlang/OTP side of Snow's distribution benchmark (run-dist.sh).
%%
%% The same roles and row names as contrib/bench/bench_dist (C): a peer
%% node B with a control process, a driver node A (R1 one-way small, R2
%% 1 KiB / 64 KiB, R3 ping-pong), and fresh nodes that time their first
%% connection (R4). Every wait is bounded; every node halts by itself.
-module(bench_dist).
-export([peer/1, drive/1, conn/1]).
-export([ctl_loop/0, rx/4, echo/1]).

-define(WAIT, 120000).
-define(HELLO, <<"hello world">>).

%% ------------------------------------------------------------------ output
sample(Row, Unit, V) ->
    io:format("SAMPLE|erlang|~ts|~ts|~.4f~n", [Row, Unit, float(V)]).

fail(Fmt, Args) ->
    io:format("ERROR|erlang: " ++ Fmt ++ "~n", Args),
    stop(1).

stop(Code) ->
    timer:sleep(100),              % let the output reach stdout
    erlang:halt(Code).

now_ns() -> erlang:monotonic_time(nanosecond).

%% user+sys CPU of this OS process in microseconds (/proc clock ticks).
cpu_us() ->
    {ok, Stat} = file:read_file("/proc/self/stat"),
    [_, AfterComm] = binary:split(Stat, <<") ">>),
    Fields = binary:split(AfterComm, <<" ">>, [global]),
    %% after "pid (comm) ": state is field 3, utime 14, stime 15
    U = binary_to_integer(lists:nth(12, Fields)),
    S = binary_to_integer(lists:nth(13, Fields)),
    Hz = list_to_integer(os:getenv("BENCH_CLK_TCK", "100")),
    (U + S) * 1000000 div Hz.

pct(Sorted, P) ->
    N = length(Sorted),
    lists:nth(max(1, min(N, ceil(P * N))), Sorted).

%% ------------------------------------------------------------------ peer (B)
peer([Secs]) ->
    Ctl = spawn(?MODULE, ctl_loop, []),
    true = register(bench_ctl, Ctl),
    Ref = monitor(process, Ctl),
    receive {'DOWN', Ref, process, Ctl, _} -> stop(0)
    after list_to_integer(Secs) * 1000 -> fail("peer lifetime over", [])
    end.

ctl_loop() ->
    receive
        stop -> ok;
        {rx, From, N, Size} ->
            spawn(?MODULE, rx, [From, N, Size, bench_rx]),
            ctl_loop();
        {echo, From} ->
            spawn(?MODULE, echo, [From]),
            ctl_loop();
        {ping, From} ->
            From ! pong,
            ctl_loop()
    after 30 * 60 * 1000 -> ok
    end.

rx(From, N, Size, Name) ->
    true = register(Name, self()),
    From ! {rx_ready, self(), cpu_us()},
    rx_check(1, N, Size),
    unregister(Name),
    From ! {rx_done, N, cpu_us()}.

rx_check(Seq, N, _Size) when Seq > N -> ok;
rx_check(Seq, N, Size) ->
    receive
        {Seq, P} when byte_size(P) =:= Size -> rx_check(Seq + 1, N, Size);
        Other -> fail("receiver expected ~p, got ~P", [Seq, Other, 5])
    after ?WAIT -> fail("receiver timed out at ~p", [Seq])
    end.

echo(Pinger) ->
    Pinger ! {echo_ready, self()},
    echo_loop(Pinger).

echo_loop(Pinger) ->
    receive
        stop -> ok;
        M -> Pinger ! M, echo_loop(Pinger)
    after ?WAIT -> ok
    end.

%% ------------------------------------------------------------------ driver (A)
%% drive([Label, Peer, What, Reps, Trips])  What = all | lat
drive([Label, PeerS, What, RepsS, TripsS]) ->
    Peer = list_to_atom(PeerS),
    Reps = list_to_integer(RepsS),
    Trips = list_to_integer(TripsS),
    wait_peer(Peer, 200),
    case What of
        "lat" ->
            pingpong(Label, "pinned to CPU 0", Peer, Reps, Trips);
        _ ->
            one_way(Label, Peer, "{Seq,<<11 B>>} x1M", ?HELLO, 1000000, Reps),
            one_way(Label, Peer, "1 KiB x200k", binary:copy(<<"x">>, 1024), 200000, Reps),
            one_way(Label, Peer, "64 KiB x10k", binary:copy(<<"y">>, 65536), 10000, Reps),
            pingpong(Label, "unpinned", Peer, Reps, Trips)
    end,
    {bench_ctl, Peer} ! stop,
    stop(0).

wait_peer(Peer, 0) -> fail("cannot reach ~p", [Peer]);
wait_peer(Peer, Tries) ->
    case net_adm:ping(Peer) =:= pong andalso
         is_pid(rpc:call(Peer, erlang, whereis, [bench_ctl])) of
        true -> ok;
        false -> timer:sleep(50), wait_peer(Peer, Tries - 1)
    end.

one_way(Label, Peer, What, Payload, N, Reps) ->
    _ = one_way_once(Peer, Payload, max(1, N div 10)),       % warm-up
    Size = byte_size(Payload),
    R = case Size > 11 of true -> "R2"; false -> "R1" end,
    Row = R ++ " " ++ Label ++ " one-way " ++ What,
    lists:foreach(
      fun(_) ->
              {Ns, Cpu} = one_way_once(Peer, Payload, N),
              S = Ns / 1.0e9,
              sample(Row, "msgs/s", N / S),
              Size > 11 andalso sample(Row, "MB/s", N * Size / S / 1.0e6),
              sample(Row ++ ": CPU both nodes", "us/msg", Cpu / N)
      end, lists:seq(1, Reps)).

one_way_once(Peer, Payload, N) ->
    {bench_ctl, Peer} ! {rx, self(), N, byte_size(Payload)},
    CpuB0 = receive {rx_ready, _Rx, C0} -> C0 after ?WAIT -> fail("no rx_ready", []) end,
    CpuA0 = cpu_us(),
    T0 = now_ns(),
    send_seq({bench_rx, Peer}, Payload, 1, N),
    CpuB1 = receive {rx_done, N, C1} -> C1 after ?WAIT -> fail("no rx_done", []) end,
    Ns = now_ns() - T0,
    {Ns, (cpu_us() - CpuA0) + (CpuB1 - CpuB0)}.

send_seq(_Dest, _P, Seq, N) when Seq > N -> ok;
send_seq(Dest, P, Seq, N) ->
    Dest ! {Seq, P},
    send_seq(Dest, P, Seq + 1, N).

pingpong(Label, Placement, Peer, Reps, Trips) ->
    {bench_ctl, Peer} ! {echo, self()},
    Echo = receive {echo_ready, E} -> E after ?WAIT -> fail("no echo", []) end,
    _ = trips(Echo, 1, 2000, []),                              % warm-up
    Row = "R3 " ++ Label ++ " " ++ Placement ++ " ping-pong",
    lists:foreach(
      fun(_) ->
              T0 = now_ns(),
              Lats = lists:sort(trips(Echo, 1, Trips, [])),
              Ns = now_ns() - T0,
              sample(Row, "round-trips/s", Trips / (Ns / 1.0e9)),
              sample(Row ++ " p50", "us", pct(Lats, 0.50) / 1000),
              sample(Row ++ " p99", "us", pct(Lats, 0.99) / 1000)
      end, lists:seq(1, Reps)),
    Echo ! stop.

trips(_Echo, Seq, K, Acc) when Seq > K -> Acc;
trips(Echo, Seq, K, Acc) ->
    T0 = now_ns(),
    Echo ! {Seq, ?HELLO},
    receive
        {Seq, _} -> trips(Echo, Seq + 1, K, [now_ns() - T0 | Acc])
    after ?WAIT -> fail("echo timed out at ~p", [Seq])
    end.

%% ------------------------------------------------------------------ fresh node (R4)
conn([Label, PeerS]) ->
    Peer = list_to_atom(PeerS),
    T0 = now_ns(),
    true = net_kernel:connect_node(Peer),
    T1 = now_ns(),
    {bench_ctl, Peer} ! {ping, self()},
    receive pong -> ok after ?WAIT -> fail("no pong", []) end,
    T2 = now_ns(),
    Row = "R4 " ++ Label ++ " fresh node: connect",
    sample(Row ++ " (transport+handshake+auth)", "ms", (T1 - T0) / 1.0e6),
    sample(Row ++ " + first request/reply", "ms", (T2 - T0) / 1.0e6),
    stop(0).
