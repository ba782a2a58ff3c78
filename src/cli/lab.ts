/**
 * `nbio lab`: an echo server with a few talking clients on an nbio loop, and a page that draws
 * that loop live (iterations, descriptors, timers, write buffers) with controls to pause and
 * step it, switch its backend, add idle clients or a slow reader, and block it on purpose. The
 * page is served by nbio's own HTTP server; see src/cli/lab/lab-session.ts and docs/seeing.md.
 *
 * @module
 */
import { allBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { type Command, defineCommand } from './args.ts';
import { Lab } from './lab/lab-session.ts';

/** `nbio lab`. */
export const labCommand: Command = defineCommand(
  {
    name: 'lab',
    summary: 'a live page of a running loop: iterations, descriptors, timers, buffers; pause and step it',
    flags: {
      port: {
        type: 'int',
        min: 0,
        max: 65535,
        default: 8090,
        help: "the page's TCP port; 0 picks a free one",
      },
      host: { type: 'string', default: '127.0.0.1', value: 'ip', help: 'the IP address the page listens on' },
      backend: {
        type: 'choice',
        choices: [...allBackends],
        help: "the workload loop's backend (default: the best here, epoll or kqueue)",
      },
    },
    details:
      'The workload (echo server, 3 talking clients) runs on its own owner-mode loop that the lab drives\none iteration at a time; the page is served from a second loop that is never paused. Ctrl-C stops it.',
  },
  async ({ values }) => {
    const lab = await Lab.start({
      host: values.host,
      port: values.port,
      ...(values.backend === undefined ? {} : { backend: values.backend as SelectorName }),
    });
    console.log(`nbio lab: open ${lab.url} (workload on ${lab.workload.backend}; Ctrl-C stops)`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await lab.close();
    return 0;
  },
);
