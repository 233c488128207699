/**
 * One HTTP answer from an RM → parsed JSON or a typed error. Pure; no I/O.
 *
 * Error bodies look like
 *   {"RemoteException":{"exception":"NotFoundException",
 *                       "message":"java.lang.Exception: app with id: application_1_0001 not found",
 *                       "javaClassName":"org.apache.hadoop.yarn.webapp.NotFoundException"}}
 *
 * A standby RM answers everything but /ws/v1/cluster/info with
 *   307 + Location: <active RM>   body "This is standby RM. The redirect url is: …"
 * or, when it knows no active RM, a text body "Can not find any active RM…" / "There is no active RM
 * right now." (status 307 with a Refresh header, or 200). Both become StandbyError.
 */
import {
  AccessDeniedError,
  InvalidRequestError,
  NotFoundError,
  ProtocolError,
  RemoteError,
  StandbyError,
  errorClassFor,
  type SpindleErrorOptions,
} from '../errors/index.js';
import { asObject, optString } from './lenient.js';
import type { HttpResponse } from './transport.js';

/** Who asked: names the operation and its target in every message, e.g. "kill application_1_0001". */
export interface CallContext {
  /** e.g. "kill application_1_0001", "submit application_1_0001", "cluster info". */
  what: string;
  operation: string;
  server: string;
  appId?: string;
}

const STANDBY_TEXT = /standby RM|no active RM|any active RM/i;
const MAX_SNIPPET = 200;

/** True when the answer is a standby RM's redirect or "no active RM" page rather than an API answer. */
export function isStandbyAnswer(res: HttpResponse): boolean {
  if (res.status >= 300 && res.status < 400) return true;
  const type = res.headers['content-type'] ?? '';
  return !type.includes('json') && STANDBY_TEXT.test(res.body.slice(0, 500));
}

/** Java exception classes the RM web layer throws, by HTTP status, for when the class is unknown. */
function classForStatus(status: number): typeof RemoteError {
  if (status === 404) return NotFoundError;
  if (status === 400) return InvalidRequestError;
  if (status === 401 || status === 403) return AccessDeniedError;
  return RemoteError;
}

/** Remove the "java.lang.Exception: " style prefixes the RM puts in front of its messages. */
function tidy(message: string): string {
  return message.replace(/^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): /, '').trim();
}

/**
 * The parsed JSON body of a successful answer (undefined for an empty body), or throws the typed
 * error the answer stands for.
 */
export function interpretResponse(res: HttpResponse, ctx: CallContext): unknown {
  const base: SpindleErrorOptions = {
    operation: ctx.operation,
    server: ctx.server,
    status: res.status,
    ...(ctx.appId !== undefined && { appId: ctx.appId }),
  };
  if (isStandbyAnswer(res)) {
    const to = res.headers.location ? ` (it points to ${res.headers.location})` : '';
    throw new StandbyError(`${ctx.what}: ResourceManager at ${ctx.server} is standby${to}`, base);
  }
  const json = parseJson(res.body);
  if (res.status >= 200 && res.status < 300) {
    if (res.body.trim() === '') return undefined;
    if (json === NOT_JSON) {
      throw new ProtocolError(`${ctx.what}: ${ctx.server} answered HTTP ${res.status} with a non-JSON body: ${snippet(res.body)}`, base);
    }
    return json;
  }
  const remote = asObject(asObject(json)?.RemoteException);
  if (remote) {
    const className = optString(remote, 'javaClassName') ?? optString(remote, 'exception');
    const message = tidy(optString(remote, 'message') ?? className ?? `HTTP ${res.status}`);
    let Cls = errorClassFor(className);
    if (Cls === RemoteError) Cls = classForStatus(res.status);
    return throwing(new Cls(`${ctx.what}: ${message}`, { ...base, exceptionClassName: className }));
  }
  const Cls = classForStatus(res.status);
  const detail = res.body.trim() === '' ? '' : `: ${snippet(res.body)}`;
  return throwing(new Cls(`${ctx.what}: HTTP ${res.status} from ${ctx.server}${detail}`, base));
}

function throwing(err: Error): never {
  throw err;
}

const NOT_JSON = Symbol('not json');

function parseJson(body: string): unknown {
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function snippet(body: string): string {
  const flat = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET)}…` : flat;
}
