"""asyncio echo servers, the seed's own library, in three flavours (one per benchmark row):

  --flavor protocol   asyncio.Protocol on the default (selector) loop
  --flavor streams    asyncio streams: async reader/writer with drain()
  --flavor uvloop     the same Protocol on uvloop (libuv under asyncio): the peer to beat

usage: /usr/bin/python3 bench/servers/asyncio-echo.py --flavor F --port N [--host 127.0.0.1]
Prints "listening on <host>:<port>"; SIGTERM/SIGINT stop it.
"""
import argparse
import asyncio
import signal


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def handle_stream(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def serve(flavor, host, port):
    loop = asyncio.get_running_loop()
    if flavor == "streams":
        server = await asyncio.start_server(handle_stream, host, port, backlog=4096)
    else:
        server = await loop.create_server(EchoProtocol, host, port, backlog=4096)
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    print(f"listening on {host}:{port}", flush=True)
    await stop
    server.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--flavor", choices=["protocol", "streams", "uvloop"], required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    if a.flavor == "uvloop":
        import uvloop

        uvloop.install()
    asyncio.run(serve(a.flavor, a.host, a.port))


if __name__ == "__main__":
    main()
