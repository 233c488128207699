/**
 * `spindle history`'s text: an application's summary (protocols/event-log's HistorySummary) as
 * sections of tables, and the list of recorded applications. Pure functions.
 */
import type { HistoryStage, HistorySummary, StageTasks, TaskMetrics } from '../../protocols/event-log/index.js';
import type { HistoryListEntry } from '../history.js';
import { formatBytes, formatDuration, formatTable, formatTime } from './format.js';

/** Task failures printed in full; the rest are counted. */
export const FAILURES_SHOWN = 10;

function firstLine(text: string, max = 200): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function quantiles(q: readonly number[] | undefined): string {
  return q ? q.map((v) => formatDuration(v)).join(' / ') : '-';
}

/** Metrics that only executors of protocol 5 and later report: a log without them gets no metrics table. */
const MEASURED: (keyof TaskMetrics)[] = [
  'recordsIn',
  'shuffleBytesRead',
  'shuffleBytesWritten',
  'spillBytes',
  'cpuMs',
  'gcMs',
  'peakHeapBytes',
];

/** The per-stage metrics table: totals over each stage's successful tasks (peak heap: the largest). */
function metricsTable(stages: readonly HistoryStage[]): string {
  const bytes = (v: number | undefined): string => (v !== undefined ? formatBytes(v) : '-');
  const count = (v: number | undefined): string => (v !== undefined ? String(v) : '-');
  const time = (v: number | undefined): string => (v !== undefined ? formatDuration(v) : '-');
  return formatTable(
    [
      'STAGE',
      'REC IN',
      'BYTES IN',
      'REC OUT',
      'BYTES OUT',
      'SHUFFLE READ',
      'FETCH WAIT',
      'SHUFFLE WRITE',
      'SPILL',
      'CPU',
      'GC',
      'PEAK HEAP',
    ],
    stages.map((st) => {
      const t = st.totals ?? {};
      return [
        String(st.id),
        count(t.recordsIn),
        bytes(t.bytesIn),
        count(t.recordsOut),
        bytes(t.bytesOut),
        bytes(t.shuffleBytesRead),
        time(t.shuffleFetchWaitMs),
        bytes(t.shuffleBytesWritten),
        bytes(t.spillBytes),
        time(t.cpuMs),
        time(t.gcMs),
        bytes(t.peakHeapBytes),
      ];
    }),
  );
}

/** The text summary of one application's log. */
export function formatHistory(s: HistorySummary, path: string): string {
  const out: string[] = [];
  const who = [s.user ? `user ${s.user}` : undefined, s.attempt ? `attempt ${s.attempt}` : undefined].filter(Boolean).join(', ');
  out.push(`${s.appId}  ${s.state}${who ? `  (${who})` : ''}`);
  const ran =
    s.durationMs !== undefined
      ? `ran ${formatDuration(s.durationMs)}`
      : s.state === 'RUNNING'
        ? 'no end recorded: running, or its driver died without a word'
        : '';
  out.push(`Started ${formatTime(s.startTime)}${ran ? `, ${ran}` : ''}; event log ${path} (${s.events} events)`);
  if (s.cause) {
    const short = firstLine(s.cause, 500);
    out.push(`Cause: ${short}${short !== s.cause ? ' (in full with --json)' : ''}`);
  }

  out.push('', `Jobs (${s.jobs.length})`);
  if (s.jobs.length > 0) {
    out.push(
      formatTable(
        ['JOB', 'STATE', 'DURATION', 'STAGES', 'ACTION'],
        s.jobs.map((j) => [
          String(j.jobId),
          j.state,
          j.durationMs !== undefined ? formatDuration(j.durationMs) : '-',
          j.stageIds.join(',') || '-',
          firstLine(j.description ?? j.action, 120),
        ]),
      ),
    );
  }

  out.push('', `Stages (${s.stages.length}); task time min / 25% / median / 75% / max`);
  if (s.stages.length > 0) {
    out.push(
      formatTable(
        ['STAGE', 'JOB', 'STATE', 'TASKS', 'FAILED', 'DURATION', 'TASK TIME', 'IN', 'OUT', 'DESCRIPTION'],
        s.stages.map((st) => [
          String(st.id),
          st.jobId !== undefined ? String(st.jobId) : '-',
          st.state + (st.attempts > 1 ? ` (${st.attempts} runs)` : ''),
          `${st.completedTasks}/${st.numTasks}`,
          String(st.failedTasks),
          st.durationMs !== undefined ? formatDuration(st.durationMs) : '-',
          quantiles(st.durationQuantiles),
          st.totals?.bytesIn !== undefined ? formatBytes(st.totals.bytesIn) : '-',
          st.totals?.recordsOut !== undefined ? `${st.totals.recordsOut} rec` : '-',
          firstLine(st.description, 100),
        ]),
      ),
    );
    const failed = s.stages.filter((st) => st.error && st.error !== 'cancelled');
    for (const st of failed) out.push(`stage ${st.id} failed: ${firstLine(st.error!, 300)}`);
    const dropped = s.stages.filter((st) => st.droppedTaskEvents);
    if (dropped.length > 0) {
      out.push(
        `(task events over the per-stage cap were not logged for stage(s) ${dropped.map((st) => st.id).join(', ')}; ` +
          'their counts, quantiles and slowest tasks still cover every task)',
      );
    }
    if (s.stages.some((st) => MEASURED.some((k) => st.totals?.[k] !== undefined))) {
      out.push('', "Stage metrics (sums over successful tasks; CPU and GC are task threads' time, peak heap the largest task's)");
      out.push(metricsTable(s.stages));
    }
  }

  const placed = s.stages.filter((st) => st.locality);
  if (placed.length > 0) {
    out.push('', 'Task locality (attempts started: on the executor caching the input / on a host holding it / no preference / elsewhere)');
    const n = (v: number | undefined): string => String(v ?? 0);
    out.push(
      formatTable(
        ['STAGE', 'PROCESS_LOCAL', 'NODE_LOCAL', 'NO_PREF', 'ANY'],
        placed.map((st) => [
          String(st.id),
          n(st.locality!.PROCESS_LOCAL),
          n(st.locality!.NODE_LOCAL),
          n(st.locality!.NO_PREF),
          n(st.locality!.ANY),
        ]),
      ),
    );
  }

  if (s.slowestTasks.length > 0) {
    out.push('', 'Slowest tasks');
    out.push(
      formatTable(
        ['STAGE', 'PARTITION', 'ATTEMPT', 'EXECUTOR', 'HOST', 'DURATION'],
        s.slowestTasks.map((t) => [
          String(t.stageId),
          String(t.partition),
          String(t.attempt + 1),
          t.executorId,
          t.host ?? '-',
          formatDuration(t.durationMs),
        ]),
      ),
    );
  }

  if (s.failures.length > 0) {
    out.push('', `Task failures (${s.failures.length})`);
    for (const f of s.failures.slice(0, FAILURES_SHOWN)) {
      out.push(
        `stage ${f.stageId} partition ${f.partition} attempt ${f.attempt + 1} on executor ${f.executorId}` +
          `${f.host ? ` (${f.host})` : ''}: ${firstLine(f.error, 300)}`,
      );
    }
    if (s.failures.length > FAILURES_SHOWN) out.push(`... and ${s.failures.length - FAILURES_SHOWN} more (--json lists them all)`);
  }

  out.push('', `Executors (${s.executors.length})`);
  if (s.executors.length > 0) {
    out.push(
      formatTable(
        ['EXECUTOR', 'HOST', 'CONTAINER', 'ADDED', 'REMOVED', 'PEAK HEAP', 'PEAK RSS', 'SHUFFLE SERVED', 'WHY'],
        s.executors.map((x) => [
          x.id,
          x.host ?? '-',
          x.containerId ?? '-',
          formatTime(x.addedTime),
          formatTime(x.removedTime),
          x.figures ? formatBytes(x.figures.peakHeapUsedBytes) : '-',
          x.figures ? formatBytes(x.figures.peakRssBytes) : '-',
          x.figures ? formatBytes(x.figures.shuffleBytesServed) : '-',
          x.removedReasons ? firstLine(x.removedReasons.join('; '), 200) : '-',
        ]),
      ),
    );
  }
  return out.join('\n');
}

/** The recorded applications of a history directory. */
export function formatHistoryList(logs: readonly HistoryListEntry[]): string {
  return formatTable(
    ['APPLICATION', 'STATE', 'STARTED', 'ENDED', 'LOG SIZE'],
    logs.map((l) => [l.appId, l.state, formatTime(l.startTime), formatTime(l.endTime), formatBytes(l.bytes)]),
  );
}

/** One stage's task attempts (`--stage`). */
export function formatStageTasks(t: StageTasks): string {
  const runs = Math.max(1, ...t.attempts.map((a) => a.run));
  const out = [
    `stage ${t.stageId}${t.description ? ` (${firstLine(t.description, 120)})` : ''}: ${t.attempts.length} task attempt(s) logged`,
  ];
  out.push(
    formatTable(
      [...(runs > 1 ? ['RUN'] : []), 'PARTITION', 'ATTEMPT', 'EXECUTOR', 'HOST', 'LOCALITY', 'STATUS', 'DURATION', 'ERROR'],
      t.attempts.map((a) => [
        ...(runs > 1 ? [String(a.run)] : []),
        String(a.partition),
        String(a.attempt + 1),
        a.executorId,
        a.host ?? '-',
        a.locality ?? '-',
        a.status,
        a.durationMs !== undefined ? formatDuration(a.durationMs) : '-',
        a.error ? firstLine(a.error, 120) : '',
      ]),
    ),
  );
  if (t.droppedTaskEvents > 0) {
    out.push(
      `(${t.droppedTaskEvents} task event(s) over the per-stage cap were not logged; the stage's counts in spindle history include them)`,
    );
  }
  return out.join('\n');
}
