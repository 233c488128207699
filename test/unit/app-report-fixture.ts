import type { AppReport } from '../../protocols/rm-rest/index.js';

/** The application the follower's fakes describe, its AM container and the AM's NodeManager. */
export const APP = 'application_1700000000000_0042';
export const AM = 'container_1700000000000_0042_01_000001';
export const NM1 = 'http://nm1:8042';

/** The RM's report of APP in `state` (launched unless ACCEPTED, succeeded when FINISHED), with `over` on top. */
export function followedReport(state: AppReport['state'], over: Partial<AppReport> = {}): AppReport {
  return {
    id: APP,
    user: 'alice',
    name: 'x',
    queue: 'default',
    state,
    finalStatus: state === 'FINISHED' ? 'SUCCEEDED' : 'UNDEFINED',
    progress: 0,
    diagnostics: '',
    applicationType: 'SPINDLE',
    tags: [],
    startedTime: 1000,
    launchTime: state === 'ACCEPTED' ? undefined : 1040,
    finishedTime: state === 'FINISHED' ? 5000 : 0,
    elapsedTime: 0,
    amContainerLogs: state === 'ACCEPTED' ? undefined : `${NM1}/node/containerlogs/${AM}/alice`,
    trackingUrl: `http://rm:8088/proxy/${APP}/`,
    allocatedMb: 0,
    allocatedVcores: 0,
    runningContainers: 0,
    memorySeconds: 0,
    vcoreSeconds: 0,
    unmanagedApplication: false,
    ...over,
  };
}
