#!/usr/bin/env python3
"""Live sale streams under load: N browsers watch one sale while units sell.

Opens N server-sent-event streams (GET /api/v1/sale/stream/{id}) to a running instance, waits for
each stream's first event, then buys one unit every PERIOD seconds, K times, and measures for every
watcher how long after the purchase's 201 it saw the new stock. Prints the delivery delays
(p50/p99/max over all watchers and purchases), events received per watcher, and misses.

  bench/watchers.py [watchers] [purchases]      (BASE_URL, ADMIN_KEY, PERIOD in the environment)
LOCAL_ADDRESS (e.g. 127.0.0.2) binds the streams to another loopback address than the crowd's.
A sale's audience held open while its crowd buys is bench/audience.sh, with the cheaper client
bench/watchers.c.

The instance must run in trusted-header mode (bench/app.sh).
"""
import asyncio, json, os, sys, time, urllib.request

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8080")
ADMIN_KEY = os.environ.get("ADMIN_KEY", "bench-admin-key-0123456789")
PERIOD = float(os.environ.get("PERIOD", "1.0"))
HOST, PORT = BASE.split("//")[1].split(":")[0], int(BASE.rsplit(":", 1)[1])
LOCAL = (os.environ["LOCAL_ADDRESS"], 0) if os.environ.get("LOCAL_ADDRESS") else None


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req) as r:
        return r.status, json.loads(r.read() or b"null")


class Watcher:
    def __init__(self):
        self.seen = {}       # availableQuantity -> monotonic time first seen
        self.events = 0
        self.ready = asyncio.Event()

    async def run(self, product):
        reader, writer = await asyncio.open_connection(HOST, PORT, limit=1 << 20, local_addr=LOCAL)
        writer.write(f"GET /api/v1/sale/stream/{product} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data:"):
                now = time.monotonic()
                sale = json.loads(line[5:])["sale"]
                self.events += 1
                self.seen.setdefault(sale["availableQuantity"], now)
                self.ready.set()


async def main(n, k):
    status, created = http("POST", "/api/v1/admin/products",
                           {"name": f"watchers {time.time_ns()}", "price": 9.99, "totalQuantity": k + 10, "perUserLimit": 1},
                           {"X-Admin-Key": ADMIN_KEY})
    product, total = created["data"]["id"], k + 10
    watchers = [Watcher() for _ in range(n)]
    tasks = [asyncio.create_task(w.run(product)) for w in watchers]
    t0 = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in watchers)), timeout=120)
    print(f"{n} streams open and first event received in {time.monotonic() - t0:.1f} s")
    bought_at = {}
    loop = asyncio.get_running_loop()
    for i in range(k):
        await asyncio.sleep(PERIOD)
        status, _ = await loop.run_in_executor(None, lambda: http(
            "POST", "/api/v1/sale/purchase", {"productId": product}, {"X-User-Id": f"watch-{i}-{time.time_ns()}"}))
        bought_at[total - i - 1] = time.monotonic()
    await asyncio.sleep(2)
    delays, misses = [], 0
    for w in watchers:
        for left, at in bought_at.items():
            if left in w.seen:
                delays.append(max(0.0, w.seen[left] - at) * 1000)
            else:
                misses += 1  # coalesced away (two changes inside one interval) or not delivered
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))] if delays else float("nan")
    events = sorted(w.events for w in watchers)
    print(f"purchases {k}, one every {PERIOD} s; stock changes seen by watchers: {len(delays)} of {n * k}, missed {misses}")
    print(f"delay after the 201: p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, max {delays[-1] if delays else float('nan'):.0f} ms")
    print(f"events per watcher: min {events[0]}, max {events[-1]}")
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 10))
