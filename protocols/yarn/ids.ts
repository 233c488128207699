import { ConfigError } from '../errors/index.js';
import type { AppAttemptId, ApplicationId, ContainerId } from './types.js';

/**
 * String forms of YARN ids, matching Hadoop's toString/fromString (checked against the 3.5.0
 * classes). Numbers are zero-padded to a minimum width and never truncated:
 *
 *   application_<ts>_<app:4>
 *   appattempt_<ts>_<app:4>_<attempt:6>
 *   container_[e<epoch:2>_]<ts>_<app:4>_<attempt:2>_<seq:6>     (e-part only when epoch > 0)
 *
 * The wire carries a container number as one int64, `(epoch << 40) | seq`.
 */

const SEQUENCE_BITS = 40n;
const SEQUENCE_MASK = (1n << SEQUENCE_BITS) - 1n;
/** Largest sequence number a container id can carry. */
export const MAX_CONTAINER_SEQUENCE = Number(SEQUENCE_MASK);
/** Largest RM epoch that still fits a signed 64-bit container number. */
export const MAX_CONTAINER_EPOCH = 2 ** (63 - Number(SEQUENCE_BITS)) - 1;

const APP_RE = /^application_(\d+)_(\d+)$/;
const ATTEMPT_RE = /^appattempt_(\d+)_(\d+)_(\d+)$/;
const CONTAINER_RE = /^container_(?:e(\d+)_)?(\d+)_(\d+)_(\d+)_(\d+)$/;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function num(text: string, what: string, input: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > max) {
    throw new ConfigError(`invalid ${what} in '${input}': ${text} is out of range`);
  }
  return n;
}

/** `application_1700000000123_0007`. */
export function formatApplicationId(id: ApplicationId): string {
  return `application_${id.clusterTimestamp}_${pad(id.id, 4)}`;
}

/** `appattempt_1700000000123_0007_000001`. */
export function formatAppAttemptId(id: AppAttemptId): string {
  return `appattempt_${id.appId.clusterTimestamp}_${pad(id.appId.id, 4)}_${pad(id.attemptId, 6)}`;
}

function formatContainer(attempt: AppAttemptId, epoch: number, sequence: number): string {
  const e = epoch > 0 ? `e${pad(epoch, 2)}_` : '';
  const { appId } = attempt;
  return `container_${e}${appId.clusterTimestamp}_${pad(appId.id, 4)}_${pad(attempt.attemptId, 2)}_${pad(sequence, 6)}`;
}

/** Parse `application_<ts>_<n>`. @throws ConfigError on anything else. */
export function parseApplicationId(text: string): ApplicationId {
  const m = APP_RE.exec(text);
  if (!m) throw new ConfigError(`invalid application id '${text}': expected application_<clusterTimestamp>_<number>`);
  return { clusterTimestamp: num(m[1]!, 'cluster timestamp', text), id: num(m[2]!, 'application number', text) };
}

/** Parse `appattempt_<ts>_<app>_<attempt>`. @throws ConfigError on anything else. */
export function parseAppAttemptId(text: string): AppAttemptId {
  const m = ATTEMPT_RE.exec(text);
  if (!m) {
    throw new ConfigError(`invalid application attempt id '${text}': expected appattempt_<clusterTimestamp>_<app>_<attempt>`);
  }
  return {
    appId: { clusterTimestamp: num(m[1]!, 'cluster timestamp', text), id: num(m[2]!, 'application number', text) },
    attemptId: num(m[3]!, 'attempt number', text),
  };
}

/**
 * Parse a container id string (e.g. the NodeManager's CONTAINER_ID variable) into its parts.
 * @throws ConfigError on a malformed id or a number out of range.
 */
export function parseContainerId(text: string): ContainerId {
  const m = CONTAINER_RE.exec(text);
  if (!m) {
    throw new ConfigError(`invalid container id '${text}': expected container_[e<epoch>_]<clusterTimestamp>_<app>_<attempt>_<sequence>`);
  }
  const appAttemptId: AppAttemptId = {
    appId: { clusterTimestamp: num(m[2]!, 'cluster timestamp', text), id: num(m[3]!, 'application number', text) },
    attemptId: num(m[4]!, 'attempt number', text),
  };
  const epoch = m[1] === undefined ? 0 : num(m[1], 'epoch', text, MAX_CONTAINER_EPOCH);
  const sequence = num(m[5]!, 'container sequence', text, MAX_CONTAINER_SEQUENCE);
  // Canonical text, not the input: "container_e00_..." and "container_..." name the same container.
  return { appAttemptId, epoch, sequence, text: formatContainer(appAttemptId, epoch, sequence) };
}

/** Build a container id from its parts (the text is computed). */
export function makeContainerId(appAttemptId: AppAttemptId, epoch: number, sequence: number): ContainerId {
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_CONTAINER_EPOCH) {
    throw new ConfigError(`invalid container epoch ${epoch}: must be 0..${MAX_CONTAINER_EPOCH}`);
  }
  if (!Number.isSafeInteger(sequence) || sequence < 0 || sequence > MAX_CONTAINER_SEQUENCE) {
    throw new ConfigError(`invalid container sequence ${sequence}: must be 0..${MAX_CONTAINER_SEQUENCE}`);
  }
  return { appAttemptId, epoch, sequence, text: formatContainer(appAttemptId, epoch, sequence) };
}

/** The wire's 64-bit container number, `(epoch << 40) | sequence`. */
export function containerNumber(id: ContainerId): bigint {
  return (BigInt(id.epoch) << SEQUENCE_BITS) | BigInt(id.sequence);
}

/**
 * Split the wire's 64-bit container number (bigint or its decimal string, as protobuf int64
 * arrives) into a container id of the given attempt.
 */
export function containerIdFromNumber(appAttemptId: AppAttemptId, value: bigint | string | number): ContainerId {
  const n = BigInt(value);
  if (n < 0n) throw new ConfigError(`invalid container number ${n}: negative`);
  return makeContainerId(appAttemptId, Number(n >> SEQUENCE_BITS), Number(n & SEQUENCE_MASK));
}

/** The attempt a container belongs to; the AM learns its own attempt from CONTAINER_ID this way. */
export function attemptIdFromContainerId(id: ContainerId | string): AppAttemptId {
  return (typeof id === 'string' ? parseContainerId(id) : id).appAttemptId;
}

/** Whether two application ids name the same application. */
export function sameApplicationId(a: ApplicationId, b: ApplicationId): boolean {
  return a.clusterTimestamp === b.clusterTimestamp && a.id === b.id;
}
