/**
 * One stage's task attempts as its event log recorded them (`spindle history <appId> --stage <id>`):
 * where each ran, at which locality level, how it ended. A pure fold over the log's events. Attempts
 * over the writer's per-stage cap have no events and are not listed (the stage's StageCompleted
 * counts them: `droppedTaskEvents`).
 */
import type { LogEvent, TaskLocalityLevel, TaskMetrics } from './events.js';

export interface StageTaskAttempt {
  /** The stage's run (1 for the first; a stage whose map output was lost runs again). */
  run: number;
  partition: number;
  /** 0-based, as in the log. */
  attempt: number;
  executorId: string;
  host?: string;
  locality?: TaskLocalityLevel;
  /** `cancelled`: no end recorded before its run ended (a speculative copy that lost, a stage cancelled). */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startTime?: number;
  durationMs?: number;
  error?: string;
  metrics?: TaskMetrics;
}

export interface StageTasks {
  stageId: number;
  description?: string;
  /** Attempts in the order of their first event (a failed end kept over the cap has no start). */
  attempts: StageTaskAttempt[];
  /** Task events the writer left out for this stage (its per-stage cap), over all runs. */
  droppedTaskEvents: number;
}

/** The attempts of stage `stageId` in `events`; undefined when the log never submitted that stage. */
export function stageTasks(events: readonly LogEvent[], stageId: number): StageTasks | undefined {
  let found = false;
  let run = 0;
  const out: StageTasks = { stageId, attempts: [], droppedTaskEvents: 0 };
  const open = new Map<string, StageTaskAttempt>();
  for (const e of events) {
    if (!('stageId' in e) || e.stageId !== stageId) continue;
    switch (e.type) {
      case 'StageSubmitted':
        found = true;
        run++;
        out.description ??= e.description;
        endRun(open);
        break;
      case 'TaskStart': {
        const a: StageTaskAttempt = {
          run,
          partition: e.partition,
          attempt: e.attempt,
          executorId: e.executorId,
          ...(e.host !== undefined ? { host: e.host } : {}),
          ...(e.locality !== undefined ? { locality: e.locality } : {}),
          status: 'running',
          startTime: e.time,
        };
        open.set(`${e.partition}:${e.attempt}`, a);
        out.attempts.push(a);
        break;
      }
      case 'TaskEnd': {
        const key = `${e.partition}:${e.attempt}`;
        let a = open.get(key);
        if (!a) {
          a = { run, partition: e.partition, attempt: e.attempt, executorId: e.executorId, status: 'running' };
          if (e.host !== undefined) a.host = e.host;
          if (e.locality !== undefined) a.locality = e.locality;
          out.attempts.push(a);
        }
        open.delete(key);
        a.status = e.succeeded ? 'succeeded' : 'failed';
        a.durationMs = e.durationMs;
        if (e.error !== undefined) a.error = e.error;
        if (e.metrics !== undefined) a.metrics = e.metrics;
        break;
      }
      case 'StageCompleted':
        out.droppedTaskEvents += e.droppedTaskEvents ?? 0;
        endRun(open);
        break;
      default:
        break;
    }
  }
  return found ? out : undefined;
}

/** Attempts still open when their run ended were cancelled (they never report). */
function endRun(open: Map<string, StageTaskAttempt>): void {
  for (const a of open.values()) a.status = 'cancelled';
  open.clear();
}
