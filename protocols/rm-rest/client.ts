/**
 * The ResourceManager REST client: cluster facts, application submission, reports, listing and kill.
 * Results are Spindle's own types (types.ts); the REST JSON stays in parse.ts and submission.ts.
 */
import { ConfigError, TimeoutError } from '../errors/index.js';
import { RmEndpoints } from './failover.js';
import { asObject, optString } from './lenient.js';
import { resolveRmRestOptions, type ResolvedRmRestOptions, type RmRestOptions } from './options.js';
import {
  parseAppResponse,
  parseApps,
  parseAppState,
  parseAttempts,
  parseClusterInfo,
  parseClusterMetrics,
  parseContainers,
  parseNewApplication,
  parseNodes,
  xmlElementText,
} from './parse.js';
import { toSubmissionJson } from './submission.js';
import {
  FINAL_APP_STATES,
  type AppAttempt,
  type AppReport,
  type AppSubmission,
  type ClusterInfo,
  type ClusterMetrics,
  type ContainerReport,
  type KillOptions,
  type ListAppsQuery,
  type ListNodesQuery,
  type NewApplication,
  type NodeReport,
  type RmAppState,
  type YarnAppState,
} from './types.js';

const CLUSTER = '/ws/v1/cluster';

/** Options of `waitForState()`. */
export interface WaitOptions {
  /** Give up (TimeoutError) after this long. Default: the client's killTimeoutMs. */
  timeoutMs?: number;
}

function appPath(appId: string, suffix = ''): string {
  return `${CLUSTER}/apps/${encodeURIComponent(appId)}${suffix}`;
}

function csv(values: readonly string[] | undefined): string | undefined {
  return values && values.length > 0 ? values.join(',') : undefined;
}

/** True for FINISHED, FAILED and KILLED. */
export function isFinalState(state: string): boolean {
  return (FINAL_APP_STATES as readonly string[]).includes(state);
}

/** A client for one YARN cluster's ResourceManager(s). Cheap to create; holds no connections itself. */
export class RmRestClient {
  private readonly options: ResolvedRmRestOptions;
  private readonly endpoints: RmEndpoints;

  /** Validates `options` once (ConfigError naming the field). */
  constructor(options: RmRestOptions) {
    this.options = resolveRmRestOptions(options);
    this.endpoints = new RmEndpoints(this.options);
  }

  /** The RM address currently believed active. */
  get activeRmUrl(): string {
    return this.endpoints.current;
  }

  /** Version and HA state of the active RM. */
  async clusterInfo(): Promise<ClusterInfo> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: `${CLUSTER}/info`,
      what: 'cluster info',
      operation: 'clusterInfo',
      isStandbyBody: (body) => optString(asObject(asObject(body)?.clusterInfo), 'haState') === 'STANDBY',
    });
    return parseClusterInfo(json);
  }

  /** Cluster-wide counters: nodes, memory, vcores, applications. */
  async clusterMetrics(): Promise<ClusterMetrics> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: `${CLUSTER}/metrics`,
      what: 'cluster metrics',
      operation: 'clusterMetrics',
    });
    return parseClusterMetrics(json);
  }

  /** NodeManagers known to the RM; by default the RM lists only RUNNING ones. */
  async nodes(query: ListNodesQuery = {}): Promise<NodeReport[]> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: `${CLUSTER}/nodes`,
      query: { states: csv(query.states) },
      what: 'list nodes',
      operation: 'nodes',
    });
    return parseNodes(json);
  }

  /** Reserves an application id and tells the largest container the scheduler grants. */
  async newApplication(): Promise<NewApplication> {
    const { json } = await this.endpoints.call({
      method: 'POST',
      path: `${CLUSTER}/apps/new-application`,
      what: 'new application',
      operation: 'newApplication',
    });
    return parseNewApplication(json);
  }

  /**
   * Submits an application (answer 202 Accepted). The RM validates asynchronously in part, so a
   * submission can still end FAILED/ACCEPTED-forever; follow it with `application()`.
   */
  async submit(submission: AppSubmission): Promise<void> {
    const body = toSubmissionJson(submission);
    await this.endpoints.call({
      method: 'POST',
      path: `${CLUSTER}/apps`,
      body,
      what: `submit ${submission.applicationId} (${submission.resource.memoryMb} MB, ${submission.resource.vcores} vcores)`,
      operation: 'submit',
      appId: submission.applicationId,
      expectStatus: [202],
    });
  }

  /** The report of one application; NotFoundError for an unknown id. */
  async application(appId: string): Promise<AppReport> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: appPath(appId),
      what: `application ${appId}`,
      operation: 'application',
      appId,
    });
    return parseAppResponse(json);
  }

  /** The application's AM attempts, oldest first. */
  async attempts(appId: string): Promise<AppAttempt[]> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: appPath(appId, '/appattempts'),
      what: `attempts of ${appId}`,
      operation: 'attempts',
      appId,
    });
    return parseAttempts(json);
  }

  /**
   * Why an attempt ended, in the RM's words ("AM Container for appattempt_… exited with exitCode:
   * 137 …"), or undefined. The attempt list carries no diagnostics in Hadoop 3.5.0, and the single
   * attempt is answered only in XML.
   * @param attemptId e.g. "appattempt_1700000000000_0001_000001"
   */
  async attemptDiagnostics(appId: string, attemptId: string): Promise<string | undefined> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: appPath(appId, `/appattempts/${encodeURIComponent(attemptId)}`),
      what: `attempt ${attemptId}`,
      operation: 'attempt',
      appId,
      xml: true,
    });
    return typeof json === 'string' ? xmlElementText(json, 'diagnosticsInfo') : undefined;
  }

  /**
   * The live containers of one attempt (the AM's among them), with their NodeManagers. Finished
   * containers are not listed; after the application ended the list is empty.
   * @param attemptId full attempt id, e.g. "appattempt_1700000000000_0001_000001"
   */
  async containers(appId: string, attemptId: string): Promise<ContainerReport[]> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: appPath(appId, `/appattempts/${encodeURIComponent(attemptId)}/containers`),
      what: `containers of ${attemptId}`,
      operation: 'containers',
      appId,
    });
    return parseContainers(json);
  }

  /** Just the application's state; may be an RM-internal one such as KILLING (see RmAppState). */
  async state(appId: string): Promise<RmAppState> {
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: appPath(appId, '/state'),
      what: `state of ${appId}`,
      operation: 'state',
      appId,
    });
    return parseAppState(json);
  }

  /** Applications matching every given filter, as the RM orders them. */
  async list(query: ListAppsQuery = {}): Promise<AppReport[]> {
    if (query.limit !== undefined && !(Number.isInteger(query.limit) && query.limit > 0)) {
      throw new ConfigError(`list applications: limit must be a positive integer (got ${query.limit})`);
    }
    const { json } = await this.endpoints.call({
      method: 'GET',
      path: `${CLUSTER}/apps`,
      query: {
        states: csv(query.states),
        user: query.user,
        queue: query.queue,
        limit: query.limit === undefined ? undefined : String(query.limit),
        applicationTypes: csv(query.applicationTypes),
        applicationTags: csv(query.tags),
      },
      what: 'list applications',
      operation: 'list',
    });
    return parseApps(json);
  }

  /**
   * Kills an application and waits until it is in a final state; resolves with the final report.
   * The RM answers the kill request with 202 while the kill is in progress and 200 once the state
   * is final (also for an application that had already finished, which is not an error here).
   * TimeoutError when the application is not final within `timeoutMs`.
   */
  async kill(appId: string, options: KillOptions = {}): Promise<AppReport> {
    const timeoutMs = options.timeoutMs ?? this.options.killTimeoutMs;
    const { json } = await this.endpoints.call({
      method: 'PUT',
      path: appPath(appId, '/state'),
      body: { state: 'KILLED' },
      what: `kill ${appId}`,
      operation: 'kill',
      appId,
      expectStatus: [200, 202],
    });
    const stateNow = optString(asObject(json), 'state');
    if (stateNow !== undefined && isFinalState(stateNow)) return this.application(appId);
    return this.poll(appId, FINAL_APP_STATES, timeoutMs, `kill ${appId}`);
  }

  /**
   * Polls until the application is in one of `states` or in any final state (so waiting for RUNNING
   * ends when the application fails); resolves with that report. TimeoutError after `timeoutMs`.
   */
  async waitForState(appId: string, states: readonly YarnAppState[], options: WaitOptions = {}): Promise<AppReport> {
    const timeoutMs = options.timeoutMs ?? this.options.killTimeoutMs;
    return this.poll(appId, states, timeoutMs, `wait for ${appId} to be ${states.join('/')}`);
  }

  private async poll(appId: string, states: readonly YarnAppState[], timeoutMs: number, what: string): Promise<AppReport> {
    const { now, sleep, pollIntervalMs } = this.options;
    const deadline = now() + timeoutMs;
    for (;;) {
      const report = await this.application(appId);
      if (states.includes(report.state) || isFinalState(report.state)) return report;
      const left = deadline - now();
      if (left <= 0) {
        throw new TimeoutError(`${what}: still ${report.state} after ${timeoutMs} ms`, {
          operation: 'poll',
          appId,
          server: this.endpoints.current,
        });
      }
      await sleep(Math.min(pollIntervalMs, left));
    }
  }
}
