/**
 * Encoding and decoding of the event log's JSON lines. Pure functions over strings.
 *
 *   {"ns":"spindle.ev.v1","time":1733300000000,"type":"AppStart",...}\n
 *   {"ns":"spindle.ev.v1","time":1733300000100,"type":"StageSubmitted",...}\n
 */
import { EVENT_LOG_NS, type EventBody, type LogEvent } from './events.js';

/** Stamp a body with the namespace and time. */
export function stamp(body: EventBody, time: number): LogEvent {
  return { ns: EVENT_LOG_NS, time, ...body } as LogEvent;
}

/** Encode events as JSON lines, each ending in `\n`. */
export function encodeEvents(events: readonly LogEvent[]): string {
  let out = '';
  for (const e of events) out += `${JSON.stringify(e)}\n`;
  return out;
}

export interface DecodedLog {
  events: LogEvent[];
  /** A last line without its newline: the writer is between appends (the file is still growing). */
  partialTail: boolean;
  /** Lines skipped: unparsable, or from another namespace (a newer writer). */
  skipped: number;
}

/** Decode a log's text; tolerates a partial last line (a log read while the job runs). */
export function decodeEventLog(text: string): DecodedLog {
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const events: LogEvent[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (isEvent(value)) events.push(value);
    else skipped++;
  }
  return { events, partialTail: last.trim() !== '', skipped };
}

function isEvent(v: unknown): v is LogEvent {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return o.ns === EVENT_LOG_NS && typeof o.type === 'string' && typeof o.time === 'number';
}
