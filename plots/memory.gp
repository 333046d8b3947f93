# Bytes per key after the load phase (allocator growth ÷ keys), one bar per cell: the median of
# the repeats, with a min–max error bar (a flat tick with one repeat). The axis starts at zero.
# Columns: name, median, min, max.
data = ARG1; out = ARG2; series = ARG3 + 0; heading = ARG4
load "plots/common.gp"
set style fill solid 0.8 border -1
set boxwidth 0.6
set ylabel "bytes per key"
set yrange [0:*]
stats data index 0 using 2 nooutput
# The header line is line 0, so the bars stand at x = 1 … N.
set xrange [0.4:STATS_records + 0.6]
set xtics rotate by -30 noenhanced
set key off
plot data index 0 using 0:2:xtic(1) with boxes lc rgb "#4477aa", \
     data index 0 using 0:2:3:4 with yerrorbars lc rgb "#222222" pt 0 lw 1.5
