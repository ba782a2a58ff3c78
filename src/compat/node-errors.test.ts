// Node's argument errors where net throws them: the code, the class, Node's message, and an
// nbio InvalidArgumentError kept as the cause. Nothing is opened (bad input throws first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.ts';
import type { LookupFunction } from './connect-args.ts';
import { connect } from './create-connection.ts';
import { NodeRangeError, NodeTypeError } from './node-errors.ts';
import { Socket } from './socket.ts';
import { describeWithFdCheck } from './test-support.ts';

function nodeError(code: string, name: 'TypeError' | 'RangeError', message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof (name === 'TypeError' ? NodeTypeError : NodeRangeError), String(e));
    assert.equal(e.code, code);
    assert.equal(e.name, name);
    if (message !== undefined) assert.match(e.message, message);
    assert.ok(e.cause instanceof InvalidArgumentError, 'the nbio error is the cause');
    return true;
  };
}

describeWithFdCheck('compat: Node’s argument errors', () => {
  test('no target: ERR_MISSING_ARGS with Node’s message', () => {
    const missing = nodeError(
      'ERR_MISSING_ARGS',
      'TypeError',
      /^The "options" or "port" or "path" argument must be specified$/,
    );
    assert.throws(() => (connect as () => Socket)(), missing);
    assert.throws(() => connect({}), missing);
    const s = new Socket();
    assert.throws(() => (s.connect as () => Socket)(), missing);
    assert.throws(() => s.connect({}), missing);
    s.destroy();
  });

  test('a bad port: ERR_INVALID_ARG_TYPE for the type, ERR_SOCKET_BAD_PORT for the value', () => {
    assert.throws(
      () => connect({ port: true as unknown as number }),
      nodeError(
        'ERR_INVALID_ARG_TYPE',
        'TypeError',
        /"options\.port" property must be of type number or string/,
      ),
    );
    for (const port of [65536, -1, 1.5, 'http', ' '] as (number | string)[]) {
      assert.throws(
        () => connect({ port, host: '127.0.0.1' }),
        nodeError('ERR_SOCKET_BAD_PORT', 'RangeError', /^Port should be >= 0 and < 65536\. Received type/),
      );
    }
    assert.throws(
      () => connect({ port: 80, host: '127.0.0.1', lookup: 'x' as unknown as LookupFunction }),
      nodeError('ERR_INVALID_ARG_TYPE', 'TypeError', /"options\.lookup"/),
    );
  });

  test('object modes: ERR_INVALID_ARG_VALUE; autoSelectFamilyAttemptTimeout below 1: ERR_OUT_OF_RANGE', () => {
    for (const key of ['objectMode', 'readableObjectMode', 'writableObjectMode']) {
      assert.throws(
        () => connect({ port: 8080, [key]: true }),
        nodeError(
          'ERR_INVALID_ARG_VALUE',
          'TypeError',
          new RegExp(`The property 'options.${key}' is not supported. Received true`),
        ),
      );
    }
    for (const ms of [-10, 0, 1.5]) {
      assert.throws(
        () => connect({ port: 8080, autoSelectFamilyAttemptTimeout: ms }),
        nodeError('ERR_OUT_OF_RANGE', 'RangeError', /options\.autoSelectFamilyAttemptTimeout/),
      );
    }
  });

  test('setTimeout: ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE, and a callback that is not a function', () => {
    const s = new Socket();
    for (const ms of ['100', true, undefined, null, {}]) {
      assert.throws(() => s.setTimeout(ms as number), nodeError('ERR_INVALID_ARG_TYPE', 'TypeError'));
    }
    for (const ms of [-1, -0.001, Infinity, Number.NaN]) {
      assert.throws(() => s.setTimeout(ms), nodeError('ERR_OUT_OF_RANGE', 'RangeError'));
    }
    for (const cb of [1, null, 'x']) {
      assert.throws(
        () => s.setTimeout(1, cb as unknown as () => void),
        nodeError('ERR_INVALID_ARG_TYPE', 'TypeError', /"callback" argument must be of type function/),
      );
    }
    assert.equal(s.setTimeout(0.001), s);
    assert.equal(s.setTimeout(0), s);
    s.destroy();
  });
});
