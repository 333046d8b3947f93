# Shared style for TreeBench charts. Every template is called as
#   gnuplot -e "data='DATA'; out='OUT.svg'; series=N; heading='TITLE'" plots/<chart>.gp
# where DATA holds N blocks (separated by two blank lines), each starting with a header line whose
# first field is the series name.
set terminal svg size 900,540 dynamic enhanced font "sans,12" background rgb "white"
set output out
set title heading noenhanced
set key below noenhanced
set grid lc rgb "#dddddd"
set border lc rgb "#555555"
