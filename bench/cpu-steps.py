#!/usr/bin/env python3
"""Where a sale's opening spends the CPU: per-thread CPU time in short steps.

    bench/cpu-steps.py <seconds> [step_ms] [steps_shown]

Reads every step_ms (20) the CPU time (/proc/.../schedstat, in nanoseconds) of each thread of the
instance (the java process whose command line names flash-sale or JAR), of every PostgreSQL
process and of Redis, for <seconds>. Then prints, from just before the first two steps in a row in
which PostgreSQL used more than a fifth of the step (a sale's first commits), steps_shown (40) rows:
milliseconds of CPU per group of threads (JVM threads grouped by name without their number:
carriers, compiler threads, GC workers, ...). Start it, then open the sale (bench/rate.sh).
It prints where its first row starts on the monotonic clock, as bench/rate.sh prints when its
sale began: the rows line up with rate.sh's per-attempt dump (RATE_DUMP), timed from that start.
The reader itself takes a few percent of a core; on a saturated machine its steps stretch.
"""
import os
import re
import sys
import time
from collections import Counter


def processes(name):
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/comm') as comm:
                if comm.read().strip() == name:
                    found.append(pid)
        except OSError:
            pass
    return found


def instance():
    for pid in processes('java'):
        with open(f'/proc/{pid}/cmdline') as cmdline:
            line = cmdline.read()
        if 'flash-sale' in line or os.environ.get('JAR', '\0') in line:
            return pid
    sys.exit('no running instance found')


def group(thread):
    return re.sub(r'[#-]?\d+$', '', thread)


def sources(jvm):
    found = {}
    for tid in os.listdir(f'/proc/{jvm}/task'):
        try:
            with open(f'/proc/{jvm}/task/{tid}/comm') as comm:
                found[f'/proc/{jvm}/task/{tid}/schedstat'] = 'jvm:' + group(comm.read().strip())
        except OSError:
            pass
    for pid in processes('postgres'):
        found[f'/proc/{pid}/schedstat'] = 'postgres'
    for pid in processes('redis-server'):
        found[f'/proc/{pid}/schedstat'] = 'redis'
    return found


def read(paths):
    values = {}
    for path in paths:
        try:
            with open(path) as stat:
                values[path] = int(stat.read().split()[0])
        except OSError:
            pass
    return values


def main():
    seconds = float(sys.argv[1])
    step = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.02
    shown = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    jvm = instance()
    paths = sources(jvm)
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        now = time.monotonic()
        if len(samples) % 50 == 0:  # threads and backends come and go
            paths.update(sources(jvm))
        samples.append((now, read(paths), dict(paths)))
        time.sleep(max(0.0, step - (time.monotonic() - now)))
    rows = []
    for (t0, before, _), (t1, after, names) in zip(samples, samples[1:]):
        used = Counter()
        for path, value in after.items():
            if path in before:
                used[names[path]] += (value - before[path]) / 1e6
        rows.append((t1, (t1 - t0) * 1000, used))
    # two busy steps in a row: a lone commit (rate.sh's warm-up sale sells one unit) is not an opening
    busy = [used['postgres'] > length / 5 for _, length, used in rows]
    opening = next((i for i in range(len(rows) - 1) if busy[i] and busy[i + 1]), None)
    if opening is None:
        sys.exit('no opening seen: PostgreSQL never used a fifth of two steps in a row')
    window = rows[max(0, opening - 3):opening + shown]
    totals = Counter()
    for _, _, used in window:
        totals.update(used)
    columns = [name for name, _ in totals.most_common(10)]
    print('ms from opening, step ms, then CPU ms per group:', ' | '.join(columns))
    start = rows[opening][0] - rows[opening][1] / 1000
    print(f'the first row starts at {start:.3f} s on the monotonic clock')
    for t, length, used in window:
        print(f'{(t - start) * 1000:6.0f} {length:4.0f} ' + ' '.join(f'{used[name]:7.1f}' for name in columns)
              + f'   all {sum(used.values()):6.1f}')
    print('sums over the rows:', ', '.join(f'{name} {totals[name]:.0f} ms' for name in columns))


if __name__ == '__main__':
    main()
