// A listener that throws on a compat socket is an uncaught exception, as it is on a Node
// socket, and never lands in the loop's exception handler. Run in a child process (an
// uncaught exception is what we provoke), on the default guest loop and owner-mode loops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const here = new URL('.', import.meta.url).href;
const loopUrl = new URL('../loop/event-loop.ts', import.meta.url).href;

const CHILD = `
import { EventLoop } from '${loopUrl}';
import { createServer } from '${here}server.ts';
import { connect } from '${here}create-connection.ts';
import { getDefaultLoop, setDefaultLoop } from '${here}default-loop.ts';

const caught = [];
process.on('uncaughtException', (err) => caught.push(err.message));
const loopErrors = [];
const onLoopError = (ctx) => loopErrors.push(String(ctx.error?.message ?? ctx.message));

async function scenario(name, loop) {
  const server = createServer({ loop }, (s) => s.write('x'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const client = connect({ loop, port: server.address().port, host: '127.0.0.1' });
  client.on('connect', () => { throw new Error('connect-' + name); });
  client.on('data', () => { throw new Error('data-' + name); });
  client.setTimeout(20, () => { throw new Error('timeout-' + name); });
  await new Promise((resolve, reject) => {
    const deadline = loop.time() + 3000;
    const check = () => {
      if (caught.filter((m) => m.endsWith('-' + name)).length >= 3) resolve();
      else if (loop.time() > deadline) reject(new Error('timed out: ' + JSON.stringify(caught)));
      else loop.callLater(5, check);
    };
    check();
  });
  client.destroy();
  await new Promise((r) => server.close(r));
}

const guest = getDefaultLoop();
guest.setExceptionHandler(onLoopError);
await scenario('guest', guest);
setDefaultLoop(null)?.close();
for (const selector of ['select', 'poll']) {
  const loop = new EventLoop({ selector, mode: 'owner', exceptionHandler: onLoopError });
  await loop.runUntilComplete(() => scenario(selector, loop));
  loop.close();
}
console.log(JSON.stringify({ caught: caught.sort(), loopErrors }));
`;

test('exceptions from connect, data and timeout listeners are uncaught exceptions, not loop-handled', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    caught: string[];
    loopErrors: string[];
  };
  assert.deepEqual(out.loopErrors, [], 'nothing reached the loop’s exception handler');
  const expected = ['guest', 'select', 'poll'].flatMap((n) => [`connect-${n}`, `data-${n}`, `timeout-${n}`]);
  assert.deepEqual(out.caught, expected.sort());
  assert.doesNotMatch(r.stderr, /nbio: Exception in/);
});
