# Throughput over time: ops/s per interval of the run phase, one line per cell (repeat 0). The
# axis starts at zero. Columns: seconds since the phase started, ops/s.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set xlabel "seconds since the phase started"
set ylabel "ops/s"
set format y "%.1s%c"
set yrange [0:*]
plot for [i=0:series-1] data index i using 1:2 with linespoints pt 7 ps 0.4 dt 1 + (i / 8) % 4 title columnheader(1)
