"""B3 peers in Python: the same routes (GET / hello world, GET /big 100 KiB, POST /echo) on
uvicorn (uvloop + httptools, raw ASGI), aiohttp, Tornado's HTTPServer and Twisted web.

    /usr/bin/python3 bench/servers/http-peers.py <uvicorn|aiohttp|tornado|twisted> <port>
"""
import sys

kind, port = sys.argv[1], int(sys.argv[2])
HELLO = b"hello world"
BIG = b"b" * (100 * 1024)

if kind == "uvicorn":
    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope["path"]
        body = b""
        if path == "/echo":
            more = True
            while more:
                msg = await receive()
                body += msg.get("body", b"")
                more = msg.get("more_body", False)
            ctype = b"application/octet-stream"
        elif path == "/":
            body, ctype = HELLO, b"text/plain"
        elif path == "/big":
            body, ctype = BIG, b"application/octet-stream"
        else:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools",
                log_level="warning", access_log=False, lifespan="off")
elif kind == "aiohttp":
    from aiohttp import web

    async def hello(request):
        return web.Response(body=HELLO, content_type="text/plain")

    async def big(request):
        return web.Response(body=BIG, content_type="application/octet-stream")

    async def echo(request):
        return web.Response(body=await request.read(), content_type="application/octet-stream")

    app = web.Application()
    app.add_routes([web.get("/", hello), web.get("/big", big), web.post("/echo", echo)])
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)
elif kind == "tornado":
    import asyncio
    import tornado.web

    class Hello(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "text/plain")
            self.write(HELLO)

    class Big(tornado.web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "application/octet-stream")
            self.write(BIG)

    class Echo(tornado.web.RequestHandler):
        def post(self):
            self.set_header("Content-Type", "application/octet-stream")
            self.write(self.request.body)

    async def main():
        app = tornado.web.Application([(r"/", Hello), (r"/big", Big), (r"/echo", Echo)])
        app.listen(port, address="127.0.0.1")
        await asyncio.Event().wait()

    asyncio.run(main())
elif kind == "twisted":
    from twisted.internet import epollreactor
    epollreactor.install()
    from twisted.internet import reactor
    from twisted.web import resource, server

    class Root(resource.Resource):
        isLeaf = True

        def render_GET(self, request):
            if request.path == b"/":
                request.setHeader(b"content-type", b"text/plain")
                return HELLO
            if request.path == b"/big":
                request.setHeader(b"content-type", b"application/octet-stream")
                return BIG
            request.setResponseCode(404)
            return b""

        def render_POST(self, request):
            request.setHeader(b"content-type", b"application/octet-stream")
            return request.content.read()

    site = server.Site(Root())
    site.displayTracebacks = False
    reactor.listenTCP(port, site, interface="127.0.0.1")
    reactor.run()
else:
    sys.exit(f"unknown peer {kind}")
