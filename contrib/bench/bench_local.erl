#!/usr/bin/env escript
%% SPDX-License-Identifier: MIT
%% bench_local.erl: the local workloads L1-L4 on Erlang/OTP, for comparison
%% with contrib/bench/bench_local. Same sizes, warm-up and statistics
%% (median/min/max of REPS runs after one run at 1/10 size). Prints
%% RESULT|Id|Unit|Median|Min|Max lines on standard output.
%%
%% Usage: escript bench_local.erl [Reps [IdleN [Only]]]
-mode(compile).

main(Args) ->
    {Reps, Idle, Only} =
        case Args of
            [] -> {5, 100000, "L1,L2,L3,L4"};
            [R] -> {list_to_integer(R), 100000, "L1,L2,L3,L4"};
            [R, I] -> {list_to_integer(R), list_to_integer(I), "L1,L2,L3,L4"};
            [R, I, O | _] -> {list_to_integer(R), list_to_integer(I), O}
        end,
    Work = [{"L1", "msgs/s", fun one_way/1, 2000000},
            {"L2", "round trips/s", fun ping_pong/1, 1000000},
            {"L3", "us/op", fun spawn_reply/1, 100000},
            {"L4", "bytes/process", fun idle_memory/1, Idle},
            {"L4rss", "bytes/process", fun idle_rss/1, Idle}],
    [report(Id, Unit, Fun, N, Reps) || {Id, Unit, Fun, N} <- Work,
                                       string:find(Only, lists:sublist(Id, 2)) =/= nomatch],
    ok.

report(Id, Unit, Fun, N, Reps) ->
    _ = run(Fun, max(1, N div 10)),
    Vs = lists:sort([run(Fun, N) || _ <- lists:seq(1, Reps)]),
    io:format("RESULT|~s|~s|~.6g|~.6g|~.6g~n",
              [Id, Unit, float(median(Vs)), float(hd(Vs)), float(lists:last(Vs))]).

median(Vs) ->
    L = length(Vs),
    case L rem 2 of
        1 -> lists:nth(L div 2 + 1, Vs);
        0 -> (lists:nth(L div 2, Vs) + lists:nth(L div 2 + 1, Vs)) / 2
    end.

%% Each run happens in a fresh process so the driver's heap starts small.
run(Fun, N) ->
    Self = self(),
    {Pid, Ref} = spawn_monitor(fun() -> Self ! {result, self(), Fun(N)} end),
    receive
        {result, Pid, V} ->
            receive {'DOWN', Ref, process, Pid, _} -> ok end,
            V;
        {'DOWN', Ref, process, Pid, Why} ->
            io:format("ERROR|~p~n", [Why]),
            halt(1)
    end.

now_ns() -> erlang:monotonic_time(nanosecond).

%% ---- L1: one-way ----
one_way(N) ->
    Payload = <<"hello world">>,
    Self = self(),
    Rx = spawn_link(fun() -> rx(1, N, Self) end),
    T0 = now_ns(),
    tx(Rx, 1, N, Payload),
    receive {rx_done, N} -> ok end,
    T1 = now_ns(),
    N / ((T1 - T0) / 1.0e9).

tx(_Rx, Seq, N, _P) when Seq > N -> ok;
tx(Rx, Seq, N, P) -> Rx ! {Seq, P}, tx(Rx, Seq + 1, N, P).

rx(Seq, N, From) when Seq > N -> From ! {rx_done, N};
rx(Seq, N, From) ->
    receive
        {Seq, <<"hello world">>} -> rx(Seq + 1, N, From);
        Other -> io:format("ERROR|L1 got ~p, want ~p~n", [Other, Seq]), halt(1)
    end.

%% ---- L2: ping-pong ----
ping_pong(N) ->
    Payload = <<"hello world">>,
    Self = self(),
    Echo = spawn_link(fun() -> echo(Self) end),
    T0 = now_ns(),
    ping(Echo, 1, N, Payload),
    T1 = now_ns(),
    Echo ! stop,
    N / ((T1 - T0) / 1.0e9).

ping(_Echo, Seq, N, _P) when Seq > N -> ok;
ping(Echo, Seq, N, P) ->
    Echo ! {Seq, P},
    receive {Seq, _} -> ping(Echo, Seq + 1, N, P) end.

echo(To) ->
    receive
        stop -> ok;
        M -> To ! M, echo(To)
    end.

%% ---- L3: spawn + reply ----
spawn_reply(N) ->
    Self = self(),
    T0 = now_ns(),
    spawn_loop(Self, 1, N),
    T1 = now_ns(),
    (T1 - T0) / 1000 / N.

spawn_loop(_Self, I, N) when I > N -> ok;
spawn_loop(Self, I, N) ->
    spawn(fun() -> Self ! {spawned, I} end),
    receive {spawned, I} -> spawn_loop(Self, I + 1, N) end.

%% ---- L4: idle processes, two measures ----
%% L4: erlang:memory(processes) growth (the WORKLOADS.md definition).
%% L4rss: resident set growth of the whole VM, the measure Snow reports.
idle_memory(N) -> idle(N, fun() -> erlang:memory(processes) end).
idle_rss(N) -> idle(N, fun rss/0).

idle(N, Measure) ->
    Tab = ets:new(pids, [set, private]),
    erlang:garbage_collect(),
    M0 = Measure(),
    Self = self(),
    spawn_idle(Tab, Self, 0, N),
    wait_idle(),
    M1 = Measure(),
    ets:foldl(fun({_, P}, _) -> P ! stop, ok end, ok, Tab),
    ets:delete(Tab),
    (M1 - M0) / N.

spawn_idle(_Tab, _Self, I, N) when I >= N -> ok;
spawn_idle(Tab, Self, I, N) ->
    P = spawn(fun() -> receive stop -> ok end end),
    ets:insert(Tab, {I, P}),
    spawn_idle(Tab, Self, I + 1, N).

%% Until every new process has run and blocked in receive.
wait_idle() ->
    case erlang:statistics(total_run_queue_lengths_all) of
        0 -> ok;
        _ -> receive after 1 -> wait_idle() end
    end.

rss() ->
    {ok, Bin} = file:read_file("/proc/self/statm"),
    [_Size, Rss | _] = string:lexemes(binary_to_list(Bin), " \n"),
    list_to_integer(Rss) * 4096.
