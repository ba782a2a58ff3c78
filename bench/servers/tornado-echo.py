"""Tornado echo server: a TCPServer whose handle_stream reads what is there and writes it back.

usage: /usr/bin/python3 bench/servers/tornado-echo.py --port N [--host 127.0.0.1]
Prints "listening on <host>:<port>"; SIGTERM/SIGINT stop it.
"""
import argparse
import asyncio
import signal

from tornado.iostream import StreamClosedError
from tornado.tcpserver import TCPServer


class EchoServer(TCPServer):
    async def handle_stream(self, stream, address):
        try:
            while True:
                data = await stream.read_bytes(65536, partial=True)
                await stream.write(data)
        except StreamClosedError:
            pass


async def serve(host, port):
    server = EchoServer()
    server.listen(port, address=host, backlog=4096)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    print(f"listening on {host}:{port}", flush=True)
    await stop
    server.stop()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    asyncio.run(serve(a.host, a.port))


if __name__ == "__main__":
    main()
