# Throughput against client threads (run phase), one line per engine and variant.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set xlabel "client threads"
set ylabel "ops/s"
set format y "%.1s%c"
set xtics 1
plot for [i=0:series-1] data index i using 1:2 with linespoints pt 7 lw 2 title columnheader(1)
