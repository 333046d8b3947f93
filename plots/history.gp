# Nightly history: run-phase throughput per night (x: night number, oldest first), one line per
# workload / engine / variant / threads; relative to the first night so every series fits one axis.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set xlabel "night"
set ylabel "ops/s relative to the first night"
set xtics 1
set key outside right top vertical font ",9"
plot for [i=0:series-1] data index i using 1:2 with linespoints pt 7 lw 2 title columnheader(1)
