#!/usr/bin/env python3
"""The instance's answer times as the wire saw them, apart from the load generator's.

Reads a packet capture of the instance's port on loopback (bench/gatling.sh with CAPTURE=file, or
tcpdump -i lo -s 160 -w file 'tcp port 8080 and (tcp[tcpflags] & (tcp-push|tcp-syn)) != 0'),
pairs each request's first data packet with the first packet of its answer on the same connection,
and prints the purchases' answer times over the last SECONDS of purchases (all of them if 0):
percentiles, by status, and second by second with the connections opened in that second.

  bench/wire-latency.py <capture> [seconds] [port]

On loopback a packet is captured as it is sent, so a request's time starts when the client wrote
it and ends when the instance wrote its answer: the kernel's queues and the instance are inside,
the client's own delays (waiting for a connection, reading the answer late) are not. A client's
response time above the wire's is the client's.
"""
import collections
import struct
import sys

path = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0
port = int(sys.argv[3]) if len(sys.argv) > 3 else 8080

with open(path, "rb") as f:
    header = f.read(24)
    nanos = struct.unpack("<I", header[:4])[0] == 0xA1B23C4D
    link = struct.unpack("<I", header[20:24])[0]
    link_header = {1: 14, 113: 16}.get(link, 0)  # Ethernet (Linux loopback), Linux cooked capture
    asked = {}     # client port -> (time, path) of the request awaiting its answer
    answers = []   # (time asked, ms, status, path)
    opened = []    # times of connections opened (SYN)
    while (record := f.read(16)) and len(record) == 16:
        sec, frac, length, _ = struct.unpack("<IIII", record)
        packet = f.read(length)
        at = sec + frac / (1e9 if nanos else 1e6)
        ip = packet[link_header:]
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        tcp = ip[(ip[0] & 15) * 4:]
        source, destination = struct.unpack(">HH", tcp[:4])
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        if destination == port and flags & 0x02 and not flags & 0x10:
            opened.append(at)
        elif destination == port and payload[:4] in (b"POST", b"GET "):
            asked[source] = (at, payload.split(b" ")[1])
        elif source == port and payload.startswith(b"HTTP/1.1 ") and destination in asked:
            asked_at, target = asked.pop(destination)
            answers.append((asked_at, (at - asked_at) * 1000, payload[9:12].decode(), target))

purchases = sorted(a for a in answers if a[3].endswith(b"/sale/purchase"))
if not purchases:
    sys.exit(f"no purchases in {path} ({len(answers)} answers)")
if seconds:
    purchases = [a for a in purchases if a[0] >= purchases[-1][0] - seconds]
start = purchases[0][0]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


times = [a[1] for a in purchases]
print(f"{len(purchases)} purchases over {purchases[-1][0] - start:.1f} s: p50 {percentile(times, .5):.2f} ms, "
      f"p95 {percentile(times, .95):.2f}, p99 {percentile(times, .99):.2f}, p99.9 {percentile(times, .999):.2f}, "
      f"max {max(times):.1f}; over 10 ms: {sum(t > 10 for t in times)}")
for status in sorted({a[2] for a in purchases}):
    of = [a[1] for a in purchases if a[2] == status]
    print(f"  {status}: {len(of)}, p50 {percentile(of, .5):.2f} ms, p99 {percentile(of, .99):.2f}, max {max(of):.1f}, "
          f"over 10 ms: {sum(t > 10 for t in of)}")
by_second = collections.defaultdict(list)
for a in purchases:
    by_second[int(a[0] - start)].append(a[1])
opened_by_second = collections.Counter(int(t - start) for t in opened if t >= start)
for second in sorted(by_second):
    of = by_second[second]
    print(f"  second {second:3d}: {len(of):5d} purchases, p99 {percentile(of, .99):8.2f} ms, max {max(of):8.1f}, "
          f"over 10 ms {sum(t > 10 for t in of):5d}, connections opened {opened_by_second[second]}")
