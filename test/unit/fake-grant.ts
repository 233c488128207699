import { ASK_TAG } from '../../appmaster/allocator.js';
import { createToken } from '../../protocols/credentials/index.js';
import { makeContainerId, type AppAttemptId, type ContainerGrant } from '../../protocols/yarn/index.js';

/** A container the RM granted for our ask (our tag and priority) on `host:port`, as tests fabricate them. */
export function fakeGrant(attempt: AppAttemptId, seq: number, host: string, port = 45451): ContainerGrant {
  return {
    id: makeContainerId(attempt, 0, seq),
    nodeId: { host, port },
    nodeHttpAddress: `${host}:8042`,
    resource: { memoryMb: 256, vcores: 1 },
    priority: 1,
    allocationRequestId: ASK_TAG,
    executionType: 'guaranteed',
    containerToken: createToken({ identifier: Buffer.from('id'), password: Buffer.from('pw'), kind: 'ContainerToken', service: '' }),
  };
}
