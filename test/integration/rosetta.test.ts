// The Rosetta (examples/rosetta/): every style of the chat server gives the client script the
// same transcript, on every backend, closing every descriptor it opened; each example runs on
// its own as a user runs it; and `nbio rosetta` measures the styles and prints its table.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StartChat } from '../../examples/rosetta/chat-server.ts';
import { runTranscript } from '../../examples/rosetta/client.ts';
import { openConnection } from '../../src/async/index.ts';
import { countCodeLines, parseRosettaArgs, rosetta, STYLES, type StyleName } from '../../src/cli/rosetta.ts';
import { InvalidArgumentError } from '../../src/errors.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import type { ExceptionContext } from '../../src/loop/exceptions.ts';
import { availableBackends } from '../../src/selector/default-selector.ts';
import type { SelectorName } from '../../src/selector/selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const X1024 = 'x'.repeat(1024);

/** What the three clients must see, whatever the style (one round of chat). */
const EXPECTED = [
  'A> (connects)',
  'A< welcome guest1',
  'B> (connects)',
  'B< welcome guest2',
  'C> (connects)',
  'C< welcome guest3',
  'A> hello',
  'B< guest1: hello',
  'C< guest1: hello',
  'B> /nick bob',
  'B< you are bob',
  'B> hi alice',
  'A< bob: hi alice',
  'C< bob: hi alice',
  'C> hey all',
  'A< guest3: hey all',
  'B< guest3: hey all',
  `B> ${X1024}`,
  `A< bob: ${X1024}`,
  `C< bob: ${X1024}`,
  'A> /quit',
  'A< bye',
  'A< (closed by the server)',
  'B< * guest1 left',
  'C< * guest1 left',
  'C> (disconnects)',
  'B< * guest3 left',
  `B> ${X1024}y`,
  'B< error: line too long',
  'B< (closed by the server)',
];

const load = async (style: StyleName): Promise<StartChat> =>
  (await import(`../../examples/rosetta/${style}.ts`)).start as StartChat;

/** Runs `body(port, loop)` against `style` on a fresh `backend` loop; checks fds and exceptions. */
async function withChat(
  style: StyleName,
  backend: SelectorName,
  body: (port: number, loop: EventLoop) => Promise<void>,
): Promise<void> {
  const start = await load(style);
  const before = fdSnapshot();
  const errors: ExceptionContext[] = [];
  const loop = new EventLoop({ selector: backend, exceptionHandler: (ctx) => errors.push(ctx) });
  try {
    await loop.runUntilComplete(async () => {
      const server = await start(loop, 0);
      try {
        await body(server.port, loop);
      } finally {
        server.close();
      }
    });
  } finally {
    loop.close();
  }
  assert.deepEqual(
    errors.map((e) => `${e.message}: ${String(e.error)}`),
    [],
    'no callback threw',
  );
  assert.deepEqual(fdsOpenedSince(before), [], 'every descriptor was closed');
}

for (const backend of availableBackends()) {
  describe(`rosetta on ${backend}`, () => {
    for (const style of STYLES) {
      test(`${style}: the same transcript`, async () => {
        await withChat(style, backend, async (port, loop) => {
          assert.deepEqual(await runTranscript(port, { loop, timeoutMs: 10_000 }), EXPECTED);
        });
      });

      test(`${style}: several lines in one segment; a long line with no newline yet`, async () => {
        await withChat(style, backend, async (port, loop) => {
          const [r1, w1] = await openConnection(loop, { host: '127.0.0.1', port, timeoutMs: 5000 });
          const [r2, w2] = await openConnection(loop, { host: '127.0.0.1', port, timeoutMs: 5000 });
          try {
            assert.equal((await r1.readLine()).toString(), 'welcome guest1\n');
            assert.equal((await r2.readLine()).toString(), 'welcome guest2\n');
            w1.write('one\n/nick two\nthree\n');
            assert.equal((await r1.readLine()).toString(), 'you are two\n');
            assert.equal((await r2.readLine()).toString(), 'guest1: one\n');
            assert.equal((await r2.readLine()).toString(), 'two: three\n');
            if (style === 'tornado') return; // answers a long line once its '\n' is in (see tornado.ts)
            w2.write(`${X1024}z`); // one byte too many, and no newline: refused at once
            assert.equal((await r2.readLine()).toString(), 'error: line too long\n');
            assert.equal((await r2.readLine()).length, 0, 'then the server closes');
            w2.close(); // our side too: the server's close() lingers until it sees our EOF
            assert.equal((await r1.readLine()).toString(), '* guest2 left\n');
          } finally {
            w1.abort();
            w2.abort();
            await Promise.all([w1.waitClosed(), w2.waitClosed()]);
          }
        });
      });
    }
  });
}

describe('each example runs on its own', () => {
  for (const style of STYLES) {
    test(`npx tsx examples/rosetta/${style}.ts 0`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', `examples/rosetta/${style}.ts`, '0'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
            if (m) resolve(Number(m[1]));
          });
          child.on('exit', (code) => reject(new Error(`${style} exited early with ${code}`)));
        });
        assert.deepEqual(await runTranscript(port, { timeoutMs: 10_000 }), EXPECTED);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, 'SIGTERM stops it cleanly');
    });
  }
});

describe('nbio rosetta', () => {
  test('measures two styles and prints the table', async () => {
    const out: string[] = [];
    const code = await rosetta(['--style', 'raw-callbacks,protocol', '--rounds', '2'], (l) => out.push(l));
    const text = out.join('\n');
    assert.equal(code, 0, text);
    const rows = out.filter((l) => /^(raw-callbacks|protocol) /.test(l)).map((l) => l.split(/\s+/));
    assert.equal(rows.length, 2, text);
    for (const [style, lines, iterations, waits, ctl, reads, writes, perMsg, cbPerMsg, same] of rows) {
      const messages = 2 * 5 + 2; // rounds × 5 chat lines, then /quit and the too-long line
      assert.equal(same, 'same', `${style}: the clients saw the reference transcript`);
      assert.ok(Number(lines) > 20, `${style}: lines of code counted`);
      // The clients wait for each answer before sending on: every line wakes the server.
      assert.ok(Number(iterations) >= messages && Number(waits) >= messages, `${style}: ${text}`);
      assert.ok(Number(reads) >= messages, `${style}: at least one recv per line`);
      // 3 welcomes, 9 lines per round, bye + 2 "left", 1 "left", 1 error: one send each.
      assert.equal(Number(writes), 3 + 9 * 2 + 3 + 1 + 1, `${style}: one send per line delivered`);
      assert.equal(Number(ctl), 6, `${style}: each connection registered and unregistered once`);
      assert.ok(Number(perMsg) >= 3 && Number(cbPerMsg) >= 1, `${style}: per-message figures`);
    }
  });

  test('bad arguments are typed errors that say what to do', () => {
    assert.throws(
      () => parseRosettaArgs(['--style', 'cobol']),
      (e: unknown) => {
        assert.ok(e instanceof InvalidArgumentError);
        assert.match(e.message, /--style must be one of raw-callbacks, protocol/);
        return true;
      },
    );
    assert.throws(() => parseRosettaArgs(['--rounds', '0']), InvalidArgumentError);
    assert.throws(() => parseRosettaArgs(['--backend', 'iocp']), InvalidArgumentError);
    assert.throws(() => parseRosettaArgs(['--rounds']), /--rounds needs a value/);
    assert.deepEqual(parseRosettaArgs([]).styles, [...STYLES]);
  });

  test('lines of code: blank lines and comments do not count', () => {
    const source = [
      '// a comment',
      '/**',
      ' * TSDoc',
      ' */',
      'const a = 1; // code with a comment counts',
      '',
      '/* one-line block */',
      'export { a };',
    ].join('\n');
    assert.equal(countCodeLines(source), 2);
  });
});
