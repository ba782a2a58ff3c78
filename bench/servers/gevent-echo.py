"""gevent echo server: a StreamServer with one greenlet per connection doing blocking-style
recv/sendall on gevent's cooperative sockets.

usage: /usr/bin/python3 bench/servers/gevent-echo.py --port N [--host 127.0.0.1]
Prints "listening on <host>:<port>"; SIGTERM/SIGINT stop it.
"""
import argparse
import signal
import socket

import gevent
from gevent.server import StreamServer


def handle(sock, address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    server = StreamServer((a.host, a.port), handle, backlog=4096)
    server.start()
    for sig in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(sig, server.close)
    print(f"listening on {a.host}:{a.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
