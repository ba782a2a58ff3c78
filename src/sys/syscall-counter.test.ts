import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { close } from './fd.ts';
import { recv, send, socketpair } from './socket.ts';
import {
  countSyscall,
  Sc,
  SYSCALL_KINDS,
  startCountingSyscalls,
  syscallBytes,
  syscallCalls,
  syscallCounter,
} from './syscall-counter.ts';

test('counts are interleaved: kind k has its calls at 2k and its bytes at 2k + 1', () => {
  assert.equal(syscallCounter.counts.length, 2 * SYSCALL_KINDS.length);
  const calls0 = syscallCalls(Sc.sendto);
  const bytes0 = syscallBytes(Sc.sendto);
  const total0 = syscallCalls();
  countSyscall(Sc.sendto, 40);
  countSyscall(Sc.sendto, -1); // a failed call: counted, no bytes
  assert.equal(syscallCounter.counts[2 * Sc.sendto], calls0 + 2);
  assert.equal(syscallCounter.counts[2 * Sc.sendto + 1], bytes0 + 40);
  assert.equal(syscallCalls(Sc.sendto), calls0 + 2);
  assert.equal(syscallBytes(Sc.sendto), bytes0 + 40);
  assert.equal(syscallCalls(), total0 + 2, 'the sum over kinds counts calls, not bytes');
  assert.notEqual(syscallCounter.used & (1 << Sc.sendto), 0);
});

test('real calls are counted only while some user counts, with their bytes', () => {
  const fds0 = fdSnapshot();
  const [a, b] = socketpair();
  try {
    const msg = new Uint8Array(7);
    const buf = new Uint8Array(64);
    const send0 = syscallCalls(Sc.send);
    send(a, msg); // nobody counts
    assert.equal(syscallCalls(Sc.send), send0);
    const stopOne = startCountingSyscalls();
    const stopTwo = startCountingSyscalls();
    const sendBytes0 = syscallBytes(Sc.send);
    const recvBytes0 = syscallBytes(Sc.recv);
    send(a, msg);
    assert.equal(recv(b, buf), 14);
    assert.equal(syscallCalls(Sc.send), send0 + 1);
    assert.equal(syscallBytes(Sc.send), sendBytes0 + 7);
    assert.equal(syscallBytes(Sc.recv), recvBytes0 + 14);
    stopOne();
    stopOne(); // once per user
    assert.equal(syscallCounter.on, true, 'the second user still counts');
    stopTwo();
    assert.equal(syscallCounter.on, false);
  } finally {
    close(a);
    close(b);
  }
  assert.deepEqual(fdsOpenedSince(fds0), []);
});
