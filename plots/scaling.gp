# Throughput against client threads (run phase), one line per engine and variant: the median of
# the repeats, with min–max error bars (equal to the point with one repeat). The axis starts at 0.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set xlabel "client threads"
set ylabel "ops/s"
set format y "%.1s%c"
set yrange [0:*]
set xtics 1
set offsets 0.2, 0.2, 0, 0
plot for [i=0:series-1] data index i using 1:2:3:4 with yerrorlines pt 7 lw 2 dt 1 + (i / 8) % 4 title columnheader(1)
