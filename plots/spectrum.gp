# Latency percentile spectrum (HdrHistogram style): x = 1/(1-percentile), log scale.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set logscale x
set logscale y
set xlabel "percentile"
set ylabel "latency (ns)"
set xtics ("0%%" 1, "90%%" 10, "99%%" 100, "99.9%%" 1000, "99.99%%" 10000, "99.999%%" 100000)
set xrange [1:*]
plot for [i=0:series-1] data index i using 1:2 with lines lw 2 dt 1 + (i / 8) % 4 title columnheader(1)
