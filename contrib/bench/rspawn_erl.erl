%% SPDX-License-Identifier: MIT
%% Erlang side of bench_rspawn: spawn(Node, M, F, A) round trips (WORKLOADS.md section 8).
-module(rspawn_erl).
-export([main/1, idle/1, reply/2]).

%% Runs on B: the spawned child answers its parent.
reply(Parent, I) -> Parent ! {spawned, I}.

%% B: stay up (bounded) until A halts it.
idle([Secs]) ->
    timer:sleep(list_to_integer(Secs) * 1000),
    halt(1).

%% A: main(Peer, N, Reps, Label) prints one line per repetition.
main([PeerS, NS, RepsS, Label]) ->
    Peer = list_to_atom(PeerS),
    N = list_to_integer(NS),
    pong = wait_peer(Peer, 100),
    _ = timed(Peer, max(1, N div 25)),
    lists:foreach(
      fun(_) ->
              {Ns, Lats} = timed(Peer, N),
              T = list_to_tuple(lists:sort(Lats)),
              io:format("ERLANG ~s n=~b p50us=~.1f p99us=~.1f spawns/s=~b~n",
                        [Label, N, pct(T, 0.50), pct(T, 0.99), round(N / (Ns / 1.0e9))])
      end, lists:seq(1, list_to_integer(RepsS))),
    spawn(Peer, erlang, halt, []),
    halt(0).

wait_peer(_Peer, 0) -> pang;
wait_peer(Peer, K) ->
    case net_adm:ping(Peer) of
        pong -> pong;
        pang -> timer:sleep(50), wait_peer(Peer, K - 1)
    end.

pct(T, P) -> element(min(tuple_size(T), 1 + trunc(P * tuple_size(T))), T) / 1000.

now_ns() -> erlang:monotonic_time(nanosecond).

timed(Peer, N) ->
    T0 = now_ns(),
    Lats = loop(Peer, 1, N, []),
    {now_ns() - T0, Lats}.

loop(_Peer, I, N, Acc) when I > N -> Acc;
loop(Peer, I, N, Acc) ->
    T0 = now_ns(),
    _ = spawn(Peer, ?MODULE, reply, [self(), I]),
    receive
        {spawned, I} -> loop(Peer, I + 1, N, [now_ns() - T0 | Acc])
    after 10000 -> exit(spawn_timeout)
    end.
