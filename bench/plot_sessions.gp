# sessions.png from bench/sessions.sh's results.csv: sessions per second (left axis) and
# p99 session latency (right axis, log scale) against the device count, cwmp-acs and the
# bare-stack ceiling.
#   gnuplot -e "csv='results.csv'; out='sessions.png'" bench/plot_sessions.gp
# results.csv columns: 1 devices, 2 acs_sps, 5 acs_p99, 14 bare_sps, 17 bare_p99.
if (!exists("csv")) csv = 'results.csv'
if (!exists("out")) out = 'sessions.png'

# pngcairo when gnuplot has it, the libgd png terminal otherwise.
if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
  set terminal pngcairo size 1000,600 font ',11'
} else {
  set terminal png size 1000,600
}
set output out
set datafile separator ','
set key autotitle columnhead
set key top left box opaque
set title 'Full periodic CWMP sessions (401 + Digest Inform + empty POST, new TCP connection each)'
set xlabel 'simulated devices (each informs every periodic interval)'
set ylabel 'successful sessions per second'
set y2label 'p99 session latency (ms)'
set logscale y2
set ytics nomirror
set y2tics
set yrange [0:*]
set grid ytics
set xtics rotate by 0
plot csv using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'cwmp-acs sessions/s', \
     csv using 1:14 with linespoints lw 2 pt 5 lc rgb '#2ca02c' title 'bare stack sessions/s', \
     csv using 1:5 axes x1y2 with linespoints lw 1 dt 2 pt 7 lc rgb '#1f77b4' title 'cwmp-acs p99 (right)', \
     csv using 1:17 axes x1y2 with linespoints lw 1 dt 2 pt 5 lc rgb '#2ca02c' title 'bare stack p99 (right)'
