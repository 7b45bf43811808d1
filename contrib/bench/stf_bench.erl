%% SPDX-License-Identifier: MIT
%% Erlang side of the STF benchmark: term_to_binary/binary_to_term on the
%% same three terms as bench_stf.c, same output format (prefix "erl").
-module(stf_bench).
-export([main/1]).

main([NStr, RepsStr]) ->
    N = list_to_integer(NStr),
    Reps = list_to_integer(RepsStr),
    Kib = list_to_binary([(I * 7) band 255 || I <- lists:seq(0, 1023)]),
    Map = maps:from_list([{I, iolist_to_binary(io_lib:format("value ~b", [I]))}
                          || I <- lists:seq(1, 100)]),
    run("hello", {42, <<"hello world">>}, N, Reps),
    run("bin1k", Kib, N, Reps),
    run("map100", Map, N, Reps).

run(Name, Term, N, Reps) ->
    Bin = term_to_binary(Term),
    Size = byte_size(Bin),
    Enc = median([N / secs(fun() -> enc(N, Term, 0) end) || _ <- lists:seq(1, Reps)]),
    Dec = median([N / secs(fun() -> dec(N, Bin) end) || _ <- lists:seq(1, Reps)]),
    io:format("erl ~s encode ~b ~.1f ~b~n", [Name, round(Enc), Enc * Size / 1.0e6, Size]),
    io:format("erl ~s decode ~b ~.1f ~b~n", [Name, round(Dec), Dec * Size / 1.0e6, Size]).

%% CPU seconds of the VM (run with +S 1 +sbwt none: see bench_stf.sh),
%% matching bench_stf.c, which counts its process CPU time.
secs(F) ->
    {T0, _} = statistics(runtime),
    F(),
    {T1, _} = statistics(runtime),
    max(T1 - T0, 1) / 1000.0.

%% The byte count keeps the compiler from dropping the call.
enc(0, _, Acc) -> Acc;
enc(N, T, Acc) -> enc(N - 1, T, Acc + byte_size(term_to_binary(T))).

dec(0, _) -> ok;
dec(N, B) -> _ = binary_to_term(B), dec(N - 1, B).

median(L) ->
    S = lists:sort(L),
    Len = length(S),
    case Len rem 2 of
        1 -> lists:nth(Len div 2 + 1, S);
        0 -> (lists:nth(Len div 2, S) + lists:nth(Len div 2 + 1, S)) / 2
    end.
