// Protocol.copiesData (issue 10): a protocol that copies what it keeps may be handed a view of
// the transport's read buffer instead of a fresh copy per read. Every backend delivers every
// byte in order to such a protocol; SocketTransport (readiness backends) passes views of its
// one read buffer (no copy), io_uring's transport its fresh copies (also valid for the flag).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  forEachBackend,
  pattern,
  Recorder,
  transferTo,
} from '../../test/integration/fixtures/net-harness.ts';
import { READ_BUFFER_SIZE, SocketTransport } from './socket-transport.ts';

/** Copies each read (as the flag requires) and notes the buffers it was given. */
class CopyingRecorder extends Recorder {
  readonly copiesData = true;
  readonly given = new Set<ArrayBufferLike>();
  override dataReceived(data: Buffer): void {
    this.given.add(data.buffer);
    super.dataReceived(Buffer.from(data));
  }
}

forEachBackend('Protocol.copiesData', (backend) => {
  test('a copying protocol gets every byte in order; a SocketTransport lends its read buffer', async () => {
    const sent = pattern(4 * READ_BUFFER_SIZE + 123, 5);
    const errors = await transferTo(
      backend,
      () => new CopyingRecorder(),
      sent,
      (s) => {
        assert.ok(s.data.equals(sent), 'the bytes arrived in order');
        if (s.transport instanceof SocketTransport) {
          assert.equal(s.given.size, 1, 'every read was a view of the same buffer');
          const [only] = s.given;
          assert.equal(only?.byteLength, READ_BUFFER_SIZE, 'the read buffer itself, not a copy');
        } else assert.ok(s.given.size >= 1, 'fresh copies (io_uring)');
      },
    );
    assert.deepEqual(errors, []);
  });
});
