import { isBlockServerThread, runBlockServerThread } from '../../executor/block-server-thread.js';

// The module a test starts block server threads from (the executor's own entry does the same).
if (isBlockServerThread()) await runBlockServerThread();
