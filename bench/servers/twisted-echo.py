"""Twisted echo server: a Protocol whose dataReceived writes the data back, on the default
reactor (epoll on Linux).

usage: /usr/bin/python3 bench/servers/twisted-echo.py --port N [--host 127.0.0.1]
Prints "listening on <host>:<port>"; SIGTERM/SIGINT stop it (the reactor handles them).
"""
import argparse

from twisted.internet import protocol, reactor


class Echo(protocol.Protocol):
    def connectionMade(self):
        self.transport.setTcpNoDelay(True)

    def dataReceived(self, data):
        self.transport.write(data)


class EchoFactory(protocol.Factory):
    protocol = Echo


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    a = p.parse_args()
    reactor.listenTCP(a.port, EchoFactory(), backlog=4096, interface=a.host)
    reactor.callWhenRunning(lambda: print(f"listening on {a.host}:{a.port}", flush=True))
    reactor.run()


if __name__ == "__main__":
    main()
