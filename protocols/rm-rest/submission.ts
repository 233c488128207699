/**
 * `AppSubmission` → the body of `POST /ws/v1/cluster/apps`. The one place that knows the REST names.
 *
 *   {
 *     "application-id": "application_1700000000000_0001",
 *     "application-name": "wordcount",
 *     "queue": "default",                      (optional)
 *     "priority": 0,                           (optional)
 *     "am-container-spec": {
 *       "local-resources": {"entry": [{"key": "am.js",
 *           "value": {"resource": "hdfs://…", "type": "FILE", "visibility": "APPLICATION",
 *                     "size": 123, "timestamp": 1700000000000}}]},
 *       "environment": {"entry": [{"key": "K", "value": "V"}]},
 *       "commands": {"command": "node am.js 1><LOG_DIR>/stdout"},
 *       "credentials": {"tokens":  {"entry": [{"key": alias, "value": urlSafeToken}]},
 *                       "secrets": {"entry": [{"key": alias, "value": base64}]}}
 *     },
 *     "resource": {"memory": 256, "vCores": 1},
 *     "application-type": "SPINDLE",
 *     "max-app-attempts": 1,
 *     "keep-containers-across-application-attempts": false,
 *     "application-tags": {"tag": ["a", "b"]},
 *     "unmanaged-AM": false,
 *     "attempt-failures-validity-interval": 60000,
 *     "log-aggregation-context": {"log-include-pattern": …},
 *     "app-node-label-expression": "…", "am-container-node-label-expression": "…"
 *   }
 *
 * Maps are JAXB `entry` lists. Optional fields are left out so the RM applies its own defaults.
 */
import { ConfigError } from '../errors/index.js';
import type { AppSubmission, LocalResource } from './types.js';

const APP_ID_PATTERN = /^application_\d+_\d+$/;
const RESOURCE_TYPES = new Set(['file', 'archive', 'pattern']);
const VISIBILITIES = new Set(['public', 'private', 'application']);

type Entry<V> = { key: string; value: V };

function entries<V, W>(map: Record<string, V> | undefined, f: (v: V) => W): { entry: Entry<W>[] } {
  return { entry: Object.entries(map ?? {}).map(([key, value]) => ({ key, value: f(value) })) };
}

/**
 * Checks the fields the RM would otherwise reject with a less helpful message (or accept and fail
 * later, like a bad local resource). Throws ConfigError naming the field.
 */
export function validateSubmission(s: AppSubmission): void {
  const bad = (field: string, why: string): never => {
    throw new ConfigError(`submit ${s.applicationId || '(no id)'}: ${field} ${why}`, {
      operation: 'submit',
      appId: s.applicationId,
    });
  };
  if (!APP_ID_PATTERN.test(s.applicationId ?? '')) bad('applicationId', 'must look like application_<ts>_<n> (from newApplication())');
  if (typeof s.name !== 'string' || s.name === '') bad('name', 'must be a non-empty string');
  if (!s.amContainerSpec || !Array.isArray(s.amContainerSpec.commands)) bad('amContainerSpec.commands', 'must be an array of strings');
  if (!s.unmanagedAm && s.amContainerSpec.commands.join('').trim() === '') bad('amContainerSpec.commands', 'must not be empty');
  if (!(Number.isInteger(s.resource?.memoryMb) && s.resource.memoryMb > 0)) bad('resource.memoryMb', 'must be a positive integer');
  if (!(Number.isInteger(s.resource?.vcores) && s.resource.vcores > 0)) bad('resource.vcores', 'must be a positive integer');
  if (s.maxAppAttempts !== undefined && !(Number.isInteger(s.maxAppAttempts) && s.maxAppAttempts > 0)) {
    bad('maxAppAttempts', 'must be a positive integer');
  }
  if (s.priority !== undefined && !Number.isInteger(s.priority)) bad('priority', 'must be an integer');
  for (const [name, r] of Object.entries(s.amContainerSpec.localResources ?? {})) {
    const at = `amContainerSpec.localResources["${name}"]`;
    if (typeof r.url !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(r.url)) bad(`${at}.url`, 'must be an absolute URL');
    if (!RESOURCE_TYPES.has(r.type)) bad(`${at}.type`, 'must be file, archive or pattern');
    if (!VISIBILITIES.has(r.visibility)) bad(`${at}.visibility`, 'must be public, private or application');
    if (!(Number.isInteger(r.size) && r.size >= 0)) bad(`${at}.size`, 'must be a non-negative integer');
    if (!(Number.isInteger(r.timestamp) && r.timestamp > 0)) bad(`${at}.timestamp`, "must be the file's modification time in ms");
  }
  for (const tag of s.tags ?? []) {
    if (typeof tag !== 'string' || tag === '' || tag.includes(','))
      bad('tags', `entry ${JSON.stringify(tag)} must be a non-empty string without commas`);
  }
}

/** The REST form spells the enums as Java does (FILE, APPLICATION). */
function localResource(r: LocalResource): Record<string, unknown> {
  return { resource: r.url, type: r.type.toUpperCase(), visibility: r.visibility.toUpperCase(), size: r.size, timestamp: r.timestamp };
}

/** The REST JSON body for `submission`. Validates first (ConfigError on bad input). */
export function toSubmissionJson(s: AppSubmission): Record<string, unknown> {
  validateSubmission(s);
  const spec = s.amContainerSpec;
  const amSpec: Record<string, unknown> = {
    'local-resources': entries(spec.localResources, localResource),
    environment: entries(spec.environment, (v) => v),
    // The server keeps a list, but the NodeManager joins it with spaces anyway; one string is the
    // form every Hadoop version's JSON reader accepts.
    commands: { command: spec.commands.join(' ') },
  };
  if (spec.credentials) {
    amSpec.credentials = {
      tokens: entries(spec.credentials.tokens, (v) => v),
      secrets: entries(spec.credentials.secrets, (v) => Buffer.from(v).toString('base64')),
    };
  }
  const body: Record<string, unknown> = {
    'application-id': s.applicationId,
    'application-name': s.name,
    'am-container-spec': amSpec,
    resource: { memory: s.resource.memoryMb, vCores: s.resource.vcores },
  };
  if (s.queue !== undefined) body.queue = s.queue;
  if (s.priority !== undefined) body.priority = s.priority;
  if (s.applicationType !== undefined) body['application-type'] = s.applicationType;
  if (s.maxAppAttempts !== undefined) body['max-app-attempts'] = s.maxAppAttempts;
  if (s.keepContainers !== undefined) body['keep-containers-across-application-attempts'] = s.keepContainers;
  if (s.tags !== undefined && s.tags.length > 0) body['application-tags'] = { tag: [...s.tags] };
  if (s.unmanagedAm !== undefined) body['unmanaged-AM'] = s.unmanagedAm;
  if (s.attemptFailuresValidityIntervalMs !== undefined) {
    body['attempt-failures-validity-interval'] = s.attemptFailuresValidityIntervalMs;
  }
  if (s.logAggregationContext) {
    const l = s.logAggregationContext;
    const lac: Record<string, string> = {};
    if (l.includePattern !== undefined) lac['log-include-pattern'] = l.includePattern;
    if (l.excludePattern !== undefined) lac['log-exclude-pattern'] = l.excludePattern;
    if (l.rolledIncludePattern !== undefined) lac['rolled-log-include-pattern'] = l.rolledIncludePattern;
    if (l.rolledExcludePattern !== undefined) lac['rolled-log-exclude-pattern'] = l.rolledExcludePattern;
    if (l.policyClassName !== undefined) lac['log-aggregation-policy-class-name'] = l.policyClassName;
    if (l.policyParameters !== undefined) lac['log-aggregation-policy-parameters'] = l.policyParameters;
    body['log-aggregation-context'] = lac;
  }
  if (s.nodeLabel !== undefined) body['app-node-label-expression'] = s.nodeLabel;
  if (s.amNodeLabel !== undefined) body['am-container-node-label-expression'] = s.amNodeLabel;
  return body;
}
