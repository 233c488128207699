/**
 * NodeManager web-service answers → Spindle's types. Pure functions; no I/O.
 *
 *   GET /ws/v1/node/containers/{cid}/logs
 *       {"containerLogsInfo":{"containerLogInfo":[{"fileName":"stdout","fileSize":"54",
 *        "lastModifiedTime":"Tue Nov 24 14:02:51 +0000 2026"}, ...],
 *        "logAggregationType":"LOCAL","containerId":"container_…","nodeId":"localhost:45451"}}
 *     A NodeManager that never ran the container answers 200 with no containerLogInfo at all.
 *
 *   GET /ws/v1/node/containerlogs/{cid}/{file}[?size=±n]   (text/plain, an envelope around raw bytes)
 *       Container: container_… on localhost:45451\n
 *       LogAggregationType: LOCAL\n
 *       ====…====\n
 *       LogType:stdout\n
 *       LogLastModifiedTime:Tue Nov 24 14:02:51 +0000 2026\n
 *       LogLength:54\n                     ← the whole file's length when read
 *       LogContents:\n
 *       <bytes>                            ← all of them, the first n (size=n) or the last n (size=-n)
 *       End of LogType:stdout.[This log file belongs to a running container (…) and so may not be complete.]\n
 *       ****…****\n\n
 *
 *   GET /ws/v1/node/containers/{cid}
 *       {"container":{"id":…,"state":"RUNNING","exitCode":-1000,"diagnostics":"",…,"containerLogFiles":[…]}}
 */
import { ProtocolError, printable } from '../errors/index.js';
import { asObject, listOf, num, optString, str, stringList, type JsonObject } from '../rm-rest/index.js';
import { EXIT_STATUS_UNKNOWN } from '../yarn-model/index.js';
import type { ContainerLogListing, LogChunk, LogFileInfo, NmContainerReport } from './types.js';

const LOG_LENGTH = /^LogLength:(\d+)$/m;
const CONTENTS_MARK = 'LogContents:\n';
const RUNNING_NOTE = 'belongs to a running container';
/** The envelope's header is a few hundred bytes; never search the file's bytes for it. */
const MAX_HEADER = 4096;

/**
 * The log listing. Hadoop may answer one `containerLogsInfo` object or a list of them (local and
 * aggregated); files found locally win over the same name elsewhere.
 */
export function parseLogListing(body: unknown, containerId: string): ContainerLogListing {
  const infos = (Array.isArray(body) ? body : [body]).flatMap((wrapper): JsonObject[] => {
    const o = asObject(wrapper);
    if (!o) return [];
    return 'containerLogsInfo' in o ? listOfInfos(o.containerLogsInfo) : [o];
  });
  const files = new Map<string, LogFileInfo>();
  let nodeId: string | undefined;
  let aggregationType = 'LOCAL';
  for (const info of infos) {
    nodeId ??= optString(info, 'nodeId');
    const type = optString(info, 'logAggregationType') ?? 'LOCAL';
    const entries = listOf(info, 'containerLogInfo');
    if (entries.length > 0 && files.size === 0) aggregationType = type;
    for (const e of entries) {
      const name = str(e, 'fileName');
      if (name === '' || files.has(name)) continue;
      files.set(name, {
        name,
        size: byteCount(num(e, 'fileSize'), `log listing of ${containerId}: fileSize of ${printable(name)}`),
        lastModified: optString(e, 'lastModifiedTime'),
      });
    }
  }
  return { containerId, ...(nodeId ? { nodeId } : {}), aggregationType, files: [...files.values()] };
}

/**
 * A file size the NodeManager reported: it becomes a byte offset and the `size` of the next request,
 * so anything but a whole number of bytes a file can have is refused.
 */
function byteCount(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError(`${what} is ${n}, not a byte count`);
  return n;
}

function listOfInfos(v: unknown): JsonObject[] {
  if (Array.isArray(v)) return v.flatMap((x) => (asObject(x) ? [x as JsonObject] : []));
  const o = asObject(v);
  return o ? [o] : [];
}

/**
 * The bytes inside one log envelope.
 * @param size the `size` parameter of the request (undefined: the whole file). It tells how many
 *   bytes the NodeManager sent, so a file that itself contains "End of LogType:" is cut correctly.
 */
export function parseLogEnvelope(body: Buffer, file: string, size?: number): LogChunk {
  const head = body.subarray(0, MAX_HEADER).toString('latin1');
  const lengthMatch = LOG_LENGTH.exec(head);
  const mark = head.indexOf(CONTENTS_MARK);
  if (!lengthMatch || mark < 0) {
    throw new ProtocolError(`read log ${file}: the NodeManager's answer has no LogLength/LogContents header`);
  }
  const fileLength = byteCount(Number(lengthMatch[1]), `read log ${file}: LogLength`);
  const from = mark + CONTENTS_MARK.length;
  const sent = size === undefined ? fileLength : Math.min(Math.abs(size), fileLength);
  const trailer = `End of LogType:${file}`;
  let end = from + sent;
  if (body.subarray(end, end + trailer.length).toString('latin1') !== trailer) {
    // Not where the byte count says: fall back to the last trailer in the answer.
    const last = body.lastIndexOf(trailer, undefined, 'latin1');
    if (last < from) throw new ProtocolError(`read log ${file}: the NodeManager's answer has no "${trailer}" trailer`);
    end = last;
  }
  const data = body.subarray(from, end);
  const start = size !== undefined && size < 0 ? fileLength - data.length : 0;
  const tail = body.subarray(end, end + 300).toString('latin1');
  return { fileLength, start, data, containerRunning: tail.includes(RUNNING_NOTE) };
}

/** `{"container":{…}}` → NmContainerReport. */
export function parseNmContainer(body: unknown): NmContainerReport {
  const o = asObject(asObject(body)?.container);
  if (!o) throw new ProtocolError('container report: response has no "container" object');
  return {
    id: str(o, 'id'),
    state: str(o, 'state'),
    exitCode: num(o, 'exitCode', EXIT_STATUS_UNKNOWN),
    diagnostics: str(o, 'diagnostics'),
    user: str(o, 'user'),
    memoryMb: num(o, 'totalMemoryNeededMB'),
    vcores: num(o, 'totalVCoresNeeded'),
    nodeId: str(o, 'nodeId'),
    logFiles: stringList(o.containerLogFiles),
  };
}
