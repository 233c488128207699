/**
 * One stage's task attempts as its event log recorded them (`spindle history <appId> --stage <id>`):
 * where each ran, at which locality level, how it ended. A view over the one fold of the events
 * (fold.ts), keeping rows for that stage only and all of them. Attempts over the writer's per-stage
 * cap have no events and are not listed (the stage's StageCompleted counts them: `droppedTaskEvents`).
 */
import type { LogEvent } from './events.js';
import { AppFold, type FoldTask } from './fold.js';

/** One attempt: where it ran, at which level, how it ended, in which run of the stage. */
export type StageTaskAttempt = FoldTask;

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
  const fold = new AppFold('', {
    rowsOf: (id) => id === stageId,
    maxTasksPerStage: Number.POSITIVE_INFINITY,
    maxFinishedStagesWithTasks: Number.POSITIVE_INFINITY,
  }).apply(events);
  const st = fold.stages.get(stageId);
  if (!st) return undefined;
  return {
    stageId,
    description: st.description,
    attempts: st.tasks.map((t) => ({ ...t })),
    droppedTaskEvents: st.droppedTaskEvents,
  };
}
