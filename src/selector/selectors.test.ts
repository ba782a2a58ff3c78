// Runs the shared Selector contract against every backend; kqueue is skipped on Linux with its
// reason printed unless NBIO_KQUEUE_LIBRARY names a userspace kqueue library.

import { allBackends } from './default-selector.ts';
import { selectorContract } from './selector.contract.ts';

for (const name of allBackends) selectorContract(name);
