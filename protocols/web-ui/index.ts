/**
 * The web UI (issue #20): a model folded from the event log's records, its pages rendered on the
 * server, and the routes that serve them. Shared by the ApplicationMaster (live, at its tracking URL
 * behind the RM's web proxy) and `spindle ui` (after the fact, from the event log on HDFS).
 */
export {
  UI_MAX_FINISHED_STAGES_WITH_TASKS,
  UI_MAX_TASKS_PER_STAGE,
  UiModel,
  type UiApp,
  type UiContext,
  type UiDocument,
  type UiExecutor,
  type UiJob,
  type UiStage,
  type UiTask,
  type UiTaskStatus,
} from './model.js';
export { staticFiles, UI_SERVED_BY_HEADER, uiMessage, uiNotFound, uiResponse, type UiResponse } from './routes.js';
export { containerLogUrl, spindleVersion } from './links.js';
