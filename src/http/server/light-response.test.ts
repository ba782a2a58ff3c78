// LightResponse against Node's own Response: the same status, fields, body and errors for the
// same arguments, whether the fast path took them or the native constructor did; built only when
// asked; bytes kept by reference until built; installLightResponse() and its undo (counted).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { installLightResponse, LightResponse, lightParts } from './light-response.ts';

const Native = globalThis.Response;

type Args = [body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit];

/** Each case makes fresh arguments (a stream can be read once). */
const CASES: [string, () => Args][] = [
  ['no arguments', () => []],
  ['a string', () => ['hello']],
  [
    'a string, status and a fields object',
    () => ['hi', { status: 201, headers: { 'X-A': ' 1 ', 'content-type': 'a/b' } }],
  ],
  ['bytes', () => [new Uint8Array([1, 2, 3])]],
  ['a Buffer', () => [Buffer.from('buf')]],
  ['an ArrayBuffer', () => [new Uint8Array([4, 5]).buffer]],
  ['null body, 204', () => [null, { status: 204 }]],
  [
    'field pairs',
    () => [
      'x',
      {
        headers: [
          ['x-b', '2'],
          ['X-B', '3'],
        ],
      },
    ],
  ],
  ['a Headers', () => ['x', { headers: new Headers({ 'x-c': '3' }) }]],
  ['a statusText', () => ['x', { status: 404, statusText: 'Nope' }]],
  ['a Blob', () => [new Blob(['blob'])]],
  ['URLSearchParams', () => [new URLSearchParams('a=1')]],
  ['a stream', () => [ReadableStream.from([new Uint8Array([9])])]],
];

async function observe(r: Response): Promise<unknown> {
  const fields: [string, string][] = [];
  r.headers.forEach((v, k) => {
    fields.push([k, v]);
  });
  return { status: r.status, ok: r.ok, statusText: r.statusText, type: r.type, fields, body: await r.text() };
}

function light(...args: Args): Response {
  return new LightResponse(...args) as unknown as Response;
}

describe('LightResponse', () => {
  test('is a Response: instanceof, toStringTag, statics', () => {
    const r = light('x');
    assert.ok(r instanceof Native);
    assert.equal(Object.prototype.toString.call(r), '[object Response]');
    assert.equal(LightResponse.error().type, 'error');
    assert.equal(LightResponse.redirect('http://a/', 302).headers.get('location'), 'http://a/');
  });

  for (const [name, args] of CASES) {
    test(`same as Node's Response: ${name}`, async () => {
      assert.deepEqual(await observe(light(...args())), await observe(new Native(...args())));
    });
  }

  test('invalid arguments throw what Node throws', () => {
    const bad: Args[] = [
      ['x', { status: 99 }],
      ['x', { status: 600 }],
      ['x', { status: 204 }],
      [null, { status: 1.5 }],
      ['x', { headers: { 'bad name': '1' } }],
      ['x', { headers: { a: 'x\r\ny' } }],
      ['x', { headers: { a: 'snow ☃' } }],
      ['x', { headers: [['a']] as unknown as [string, string][] }],
    ];
    for (const args of bad) {
      let expected: unknown = null;
      try {
        new Native(...args);
      } catch (e) {
        expected = (e as Error).constructor;
      }
      assert.notEqual(expected, null, `Node rejects ${JSON.stringify(args[1])}`);
      assert.throws(() => light(...args), expected as typeof Error, JSON.stringify(args[1]));
    }
  });

  test('unbuilt until asked: the server gets the parts; reading builds the real one', async () => {
    const r = new LightResponse('hey', { status: 202, headers: { 'x-k': 'v' } });
    const parts = lightParts(r);
    assert.ok(parts !== null && 'light' in parts);
    assert.deepEqual(parts, {
      light: true,
      status: 202,
      headers: [
        ['x-k', 'v'],
        ['content-type', 'text/plain;charset=UTF-8'],
      ],
      body: 'hey',
    });
    assert.equal(r.bodyUsed, false);
    assert.equal(r.ok, true);
    r.headers.set('x-later', '1'); // a Headers, still unbuilt: the server sends it, change included
    const withHeaders = lightParts(r);
    assert.ok(withHeaders !== null && 'light' in withHeaders && withHeaders.headers instanceof Headers);
    assert.equal(withHeaders.headers.get('x-later'), '1');
    assert.equal(withHeaders.headers.get('x-k'), 'v');
    assert.equal(await r.text(), 'hey'); // reading the body builds the real one, from those fields
    const built = lightParts(r);
    assert.ok(built instanceof Native && lightParts(built) === null);
    assert.equal(built.headers.get('x-later'), '1');
    assert.equal(r.headers, built.headers);
    assert.equal(r.bodyUsed, true);
  });

  test("bytes are kept by reference until built (as nbio's write()); the built one is a snapshot", async () => {
    const buf = Buffer.from('abc');
    const parts = lightParts(new LightResponse(buf));
    assert.ok(parts !== null && 'light' in parts);
    assert.equal(parts.body, buf, 'a Uint8Array body is not copied: the server sends those bytes');
    const ab = new Uint8Array([1, 2]).buffer;
    const fromAb = lightParts(new LightResponse(ab));
    assert.ok(fromAb !== null && 'light' in fromAb && fromAb.body instanceof Uint8Array);
    assert.equal(fromAb.body.buffer, ab, 'an ArrayBuffer body is viewed, not copied');
    const r = light(buf);
    buf[0] = 0x7a; // changed before anything built it: the change is what the body holds
    assert.equal(await r.text(), 'zbc');
    const built = light(buf);
    const reading = built.text(); // built now: the native constructor copies
    buf[0] = 0x79;
    assert.equal(await reading, 'zbc');
  });

  test('json(): application/json, the status, unserializable values as Node', async () => {
    const r = LightResponse.json({ a: 1 }, { status: 201, headers: { 'x-j': '1' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('content-type'), 'application/json');
    assert.deepEqual(await r.json(), { a: 1 });
    const own = LightResponse.json([1], { headers: { 'Content-Type': 'application/x-thing' } });
    assert.equal(own.headers.get('content-type'), 'application/x-thing');
    assert.throws(() => LightResponse.json(undefined), TypeError);
    assert.throws(() => LightResponse.json(10n), TypeError);
  });

  test('installLightResponse() replaces the global Response and its undo restores it', () => {
    const undo = installLightResponse();
    try {
      assert.equal(globalThis.Response, LightResponse as unknown);
      const r = new Response('x');
      assert.ok(lightParts(r) !== null && r instanceof Native && r instanceof Response);
      class Mine extends Response {}
      const mine = new Mine('y');
      assert.ok(lightParts(mine) !== null && mine instanceof Mine && mine instanceof Response);
      // Node's own responses (what fetch() answers) are still `instanceof Response`.
      assert.ok(new Native('z') instanceof Response);
      assert.ok(!({} instanceof Response) && lightParts({}) === null);
      installLightResponse()(); // a second install's undo leaves the first one's in place
      assert.equal(globalThis.Response, LightResponse as unknown);
    } finally {
      undo();
    }
    assert.equal(globalThis.Response, Native);
  });

  test('installs are counted: the global comes back after the last undo, each undo counts once', () => {
    const first = installLightResponse();
    const second = installLightResponse();
    first();
    first(); // a second call of the same undo does nothing
    assert.equal(globalThis.Response, LightResponse as unknown);
    second();
    assert.equal(globalThis.Response, Native);
    second();
    assert.equal(globalThis.Response, Native);
  });
});
