# Runs a command and writes "wall_ms cpu_ms peak_kib" to the file named first: CPU (user + system) and
# peak memory from wait4's rusage, in microseconds, which GNU time prints only to 10 ms.
#   python3 bench/rusage.py OUT COMMAND...
import os, sys, time

out, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.posix_spawnp(command[0], command, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = (time.perf_counter() - started) * 1000
with open(out, 'w') as f:
    f.write(f'{wall} {(usage.ru_utime + usage.ru_stime) * 1000} {usage.ru_maxrss}\n')
sys.exit(os.waitstatus_to_exitcode(status))
