# Bytes per key after the load phase (jemalloc allocated growth ÷ keys), one bar per cell.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set ylabel "bytes per key"
set xtics rotate by -30 noenhanced
set key off
plot data index 0 using 2:xtic(1) lc rgb "#4477aa"
