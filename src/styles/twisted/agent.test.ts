import assert from 'node:assert/strict';
import { test } from 'node:test';
import { miniHttpServer } from '../../http/client/test-support.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs, runFor } from '../../testing/loop-configs.ts';
import { Agent, type AgentResponse, FileBodyProducer, Headers, readBody, UNKNOWN_LENGTH } from './agent.ts';
import { Deferred } from './deferred.ts';
import { Protocol } from './protocol.ts';

for (const config of loopConfigs()) {
  test(`Agent.request: headers, producers, deliverBody, readBody, cancel (${config.backend} ${config.mode})`, async () => {
    const fds = fdSnapshot();
    const loop = new EventLoop({ selector: config.backend, mode: config.mode });
    try {
      await runFor(loop, async () => {
        const mini = miniHttpServer(loop, (req) => {
          if (req.path === '/hang') return { status: 200, body: '' };
          return {
            status: 200,
            headers: { 'x-seen-agent': req.headers['user-agent'] ?? '-', 'set-cookie': 'a=1' },
            body: `${req.method} ${req.body.toString()}`,
          };
        });
        const agent = new Agent(loop);
        try {
          const headers = new Headers({ 'User-Agent': ['nbio-twisted'] });
          const res = await agent.request('GET', `${mini.base}/x`, headers).asPromise();
          assert.equal(res.code, 200);
          assert.equal(res.phrase, 'X');
          assert.deepEqual(res.version, ['HTTP', 1, 1]);
          assert.deepEqual(res.headers.getRawHeaders('X-Seen-Agent'), ['nbio-twisted']);
          assert.equal(res.headers.getRawHeaders('missing', null), null);
          assert.equal(res.length, 4);
          assert.equal((await readBody(res).asPromise()).toString(), 'GET ');

          const posted = await agent
            .request('POST', `${mini.base}/p`, null, new FileBodyProducer('hello'))
            .asPromise();
          const events: string[] = [];
          const ended = new Deferred<undefined>();
          class Collect extends Protocol {
            override connectionMade() {
              events.push('made');
            }
            override dataReceived(data: Buffer) {
              events.push(`data ${data.toString()}`);
            }
            override connectionLost(reason?: Error) {
              events.push(`lost ${reason === undefined ? 'clean' : reason.name}`);
              ended.callback(undefined);
            }
          }
          posted.deliverBody(new Collect());
          await ended.asPromise();
          assert.deepEqual(events, ['made', 'data POST hello', 'lost clean']);
          assert.throws(() => posted.deliverBody(new Collect()), { code: 'NBIO_INVALID_ARGUMENT' });

          // A producer of unknown length, writing later: sent chunked (the tiny server reads
          // Content-Length bodies only, so it is given one here through the headers).
          const later = {
            length: UNKNOWN_LENGTH,
            startProducing(consumer: { write(d: string): void }) {
              const d = new Deferred<undefined>();
              loop.callLater(5, () => {
                consumer.write('late');
                d.callback(undefined);
              });
              return d;
            },
          };
          const withLength = new Headers({ 'content-length': ['4'] });
          const r3: AgentResponse = await agent
            .request('PUT', `${mini.base}/l`, withLength, later)
            .asPromise();
          assert.equal((await readBody(r3).asPromise()).toString(), 'PUT late');

          const pending = agent.request('GET', 'http://127.0.0.1:9/never'); // refused, or cancelled first
          pending.cancel();
          await assert.rejects(pending.asPromise(), { name: 'CancelledError' });

          await assert.rejects(agent.request('GET', 'ftp://x/').asPromise(), { code: 'NBIO_UNSUPPORTED' });
          assert.equal(mini.connections(), 1, 'one keep-alive connection carried every request');
        } finally {
          agent.closeCachedConnections();
          mini.server.close();
        }
      });
    } finally {
      loop.close();
    }
    assert.deepEqual(fdsOpenedSince(fds), []);
  });
}
