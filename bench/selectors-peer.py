"""CPython's `selectors` in the shape of B2, the peer of nbio's selector scaling benchmark.

N idle socketpairs plus A active ones (a byte waiting, never read, so level-triggered
readiness reports them on every call); one end of each registered for EVENT_READ; then
select(0) in a loop bounded in count and time, per selector class, rounds alternating
between the classes. SelectSelector refuses descriptors past FD_SETSIZE (1023): recorded.

usage: /usr/bin/python3 bench/selectors-peer.py --idle N --active 1,100 --runs R --time-ms T --max-iter M
Prints one JSON object per (selector, active count) on stdout.
"""
import argparse
import json
import resource
import selectors
import socket
import time

CLASSES = [
    ("select", selectors.SelectSelector),
    ("poll", getattr(selectors, "PollSelector", None)),
    ("epoll", getattr(selectors, "EpollSelector", None)),
]
WARMUP_ITERS = 20


def measure(cls, socks, time_ms, max_iter):
    sel = cls()
    try:
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        try:
            events = 0
            for _ in range(WARMUP_ITERS):
                events = len(sel.select(0))
        except ValueError as e:  # select(): "filedescriptor out of range in select()"
            return {"refused": str(e)}
        iters = 0
        t0 = time.perf_counter()
        deadline = t0 + time_ms / 1000
        while True:
            sel.select(0)
            iters += 1
            if iters & 15 == 0 and (iters >= max_iter or time.perf_counter() >= deadline):
                break
        elapsed = time.perf_counter() - t0
        return {"us": elapsed / iters * 1e6, "iters": iters, "events": events}
    finally:
        sel.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--idle", type=int, required=True)
    p.add_argument("--active", default="1,100")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--time-ms", type=float, default=100)
    p.add_argument("--max-iter", type=int, default=200000)
    a = p.parse_args()
    actives = [int(x) for x in a.active.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    pairs = [socket.socketpair() for _ in range(a.idle + max(actives))]
    try:
        for active in actives:
            for _, writer in pairs[a.idle : a.idle + active]:
                writer.send(b"x")
            socks = [r for r, _ in pairs[: a.idle + active]]
            runs = {name: [] for name, cls in CLASSES if cls is not None}
            for _ in range(a.runs):
                for name, cls in CLASSES:
                    if cls is not None:
                        runs[name].append(measure(cls, socks, a.time_ms, a.max_iter))
            for name, rs in runs.items():
                print(json.dumps({"impl": "python-" + name, "idle": a.idle, "active": active, "runs": rs}), flush=True)
            for reader, _ in pairs[a.idle : a.idle + active]:
                reader.recv(1)
    finally:
        for r, w in pairs:
            r.close()
            w.close()


if __name__ == "__main__":
    main()
