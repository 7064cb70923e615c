#!/usr/bin/env python3
"""Peak memory of a whole command, all its processes together.

    peak-rss.py OUT_FILE COMMAND...

Runs COMMAND in a new session and, every 5 ms, sums the resident memory of
every process of that session (read from /proc/PID/statm). Writes to
OUT_FILE one line of figures in MB:

    max_process_rss=.. summed_rss=.. summed_anon=..

max_process_rss: the largest RSS any one process reached (what
/usr/bin/time -v reports for a pipeline). summed_rss: the peak of the sum
over the processes alive at the same moment. summed_anon: the same without
file-backed pages (shared libraries, the program itself), which two
processes of one program share. Peaks shorter than the poll interval can be
missed; the per-process figure also comes from VmHWM, which the kernel
keeps exactly. Exits with the command's status.
"""

import os
import subprocess
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def session_pids(sid):
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces).
        fields = stat[stat.rfind(b")") + 2 :].split()
        if int(fields[3]) == sid:
            pids.append(name)
    return pids


def main():
    out, cmd = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(cmd, start_new_session=True)
    max_proc = max_sum = max_anon = 0
    hwm = {}
    while child.poll() is None:
        total = anon = 0
        for pid in session_pids(child.pid):
            try:
                with open(f"/proc/{pid}/statm", "rb") as f:
                    _size, resident, shared = map(int, f.read().split()[:3])
                with open(f"/proc/{pid}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"VmHWM:"):
                            hwm[pid] = int(line.split()[1]) * 1024
                            break
            except (OSError, ValueError):
                continue
            total += resident * PAGE
            anon += (resident - shared) * PAGE
            max_proc = max(max_proc, resident * PAGE)
        max_sum = max(max_sum, total)
        max_anon = max(max_anon, anon)
        time.sleep(0.005)
    max_proc = max([max_proc, *hwm.values()])
    mb = 1024 * 1024
    with open(out, "w") as f:
        f.write(
            f"max_process_rss={max_proc / mb:.0f} "
            f"summed_rss={max_sum / mb:.0f} summed_anon={max_anon / mb:.0f}\n"
        )
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
