# Shared style for TreeBench charts. Every template is called as
#   gnuplot -c plots/<chart>.gp DATA OUT.svg N TITLE
# where DATA holds N blocks (separated by two blank lines), each starting with a header line whose
# first field is the series name. The arguments are string data: a template never splices them
# into a command (no eval, no @macro), so a path or title cannot run anything.
set terminal svg size 900,540 dynamic enhanced font "sans,12" background rgb "white"
set output out
set title heading noenhanced
set key below noenhanced
set grid lc rgb "#dddddd"
set border lc rgb "#555555"
# Series 9-16 repeat the 8 colours dashed (templates pass dt 1 + (i / 8) % 4), so no two lines of
# a chart with up to 32 series look the same.
