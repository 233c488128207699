/**
 * The application event log (issue #20): record types, JSON-lines codec and the batching writer.
 * Shared by the ApplicationMaster (writing) and the client (`spindle history`, a later UI: reading).
 */
export { decodeEventLog, encodeEvents, stamp, type DecodedLog } from './codec.js';
export {
  EVENT_LOG_NS,
  type AppFinalState,
  type EventBody,
  type EventType,
  type LogEvent,
  type SlowTask,
  type TaskLocalityLevel,
  type TaskMetrics,
  type ExecutorFigures,
} from './events.js';
export { addMetrics, fiveQuantiles } from './quantiles.js';
export { stageTasks, type StageTaskAttempt, type StageTasks } from './stage-tasks.js';
export {
  AppFold,
  FOLD_MAX_FINISHED_STAGES_WITH_TASKS,
  FOLD_MAX_TASKS_PER_STAGE,
  type FoldApp,
  type FoldExecutor,
  type FoldJob,
  type FoldOptions,
  type FoldStage,
  type FoldFailure,
  type FoldTask,
  type FoldTaskStatus,
} from './fold.js';
export {
  DEFAULT_MAX_CONSECUTIVE_FAILURES,
  DEFAULT_MAX_DELAY_MS,
  DEFAULT_MAX_EVENTS,
  DEFAULT_MAX_FAILED_TASK_EVENTS_PER_STAGE,
  DEFAULT_MAX_TASKS_PER_STAGE,
  SLOWEST_TASKS_KEPT,
  EventLogWriter,
  type EventLogSink,
  type EventLogWriterOptions,
  type EventLogWriterStats,
} from './writer.js';
export {
  summarizeEvents,
  SUMMARY_SLOWEST_TASKS,
  type HistoryExecutor,
  type HistoryJob,
  type HistoryStage,
  type HistoryState,
  type HistorySummary,
  type HistoryTaskFailure,
} from './summary.js';
export { eventLogPath, historyDir, resolveDir, type EventLogSettings } from './location.js';
export { EVENT_LOG_DIR_PERMISSION, EVENT_LOG_FILE_PERMISSION, hdfsEventLogSink, type EventLogFs } from './hdfs-sink.js';
