/**
 * How the flight recorder and the watchdog name a connection: `"transport 127.0.0.1:5123→:7000"`
 * (peer → local port; a Unix socket's local side is its path).
 *
 * @module
 */
import { describe } from '../sys/socket.ts';
import type { Transport } from './transport.ts';

/** The label of `transport`'s connection, from its peer and local addresses (`?` when unknown). */
export function transportLabel(transport: Pick<Transport, 'getExtraInfo'>): string {
  const peer = transport.getExtraInfo('peername');
  const local = transport.getExtraInfo('sockname');
  const localText =
    local === null
      ? '?'
      : local.family === 'unix'
        ? describe(local)
        : `:${describe(local).replace(/^.*:/, '')}`;
  return `transport ${peer === null ? '?' : describe(peer)}→${localText}`;
}
