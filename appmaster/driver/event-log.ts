import { errorMessage } from '../../protocols/errors/index.js';
import type { EventLogTarget } from './event-recorder.js';
import {
  EventLogWriter,
  eventLogPath,
  hdfsEventLogSink,
  type EventLogFs,
  type EventLogSettings,
  type EventLogWriterOptions,
} from '../../protocols/event-log/index.js';

/**
 * The driver's event log on HDFS: `<dir>/<appId>` (default /user/<user>/.spindle/history/<appId>),
 * written in batches by an EventLogWriter through WebHDFS. A log that cannot be written costs the
 * job nothing but its log: failures are logged (never the token or the secret: they are not in
 * the messages), and after a few in a row the writer gives up.
 */
export function openEventLog(
  o: { appId: string; user: string; settings: EventLogSettings | undefined; fs: EventLogFs; log: (message: string) => void },
  writerOptions: EventLogWriterOptions = {},
): { writer: EventLogWriter; path: string; target: EventLogTarget } | undefined {
  if (o.settings && !o.settings.enabled) {
    o.log('event log: off (--event-log off)');
    return undefined;
  }
  const path = eventLogPath(o.user, o.appId, o.settings?.dir);
  o.log(`event log: ${path}`);
  const writer = new EventLogWriter(hdfsEventLogSink(o.fs, path), {
    ...writerOptions,
    onError: (err, gaveUp) =>
      o.log(
        `event log ${path}: could not write (${errorMessage(err)}); ` +
          (gaveUp ? 'giving up: the job goes on without its event log' : 'trying again with the next batch'),
      ),
  });
  // The writer, with a last line about what it wrote (its cost, for anyone wondering).
  const target: EventLogTarget = {
    record: (body) => writer.record(body),
    close: async (last) => {
      const complete = await writer.close(last);
      const s = writer.stats();
      o.log(
        `event log: ${s.written} of ${s.recorded} events written ` +
          `in ${s.appends} append(s), ${s.bytes} bytes, ${Math.round(s.appendMs)} ms appending beside the job, ` +
          `${s.busyMs.toFixed(1)} ms of the driver's CPU recording and encoding` +
          (complete ? '' : '; the log is incomplete'),
      );
      return complete;
    },
  };
  return { writer, path, target };
}
