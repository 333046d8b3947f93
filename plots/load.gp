# Latency against offered load (open-loop target sweeps): p50 and p99 of the response time
# (from the intended start), one pair of lines per engine and variant.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set logscale y
set xlabel "offered load (ops/s)"
set ylabel "response time (ns)"
set format x "%.0s%c"
set xtics rotate by -30
plot for [i=0:series-1] data index i using 1:2 with linespoints pt 7 lw 2 title columnheader(1), \
     for [i=0:series-1] data index i using 1:3 with linespoints pt 5 dt 2 lw 1 title columnheader(2)
