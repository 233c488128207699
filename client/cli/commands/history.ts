/** `spindle history <appId>` and `spindle history --list`: what an application's event log recorded. */
import type { Command } from 'commander';
import { ConfigError, errorMessage } from '../../../protocols/errors/index.js';
import { stageTasks, type HistorySummary } from '../../../protocols/event-log/index.js';
import { eventLogDirProblem } from '../../../protocols/job-spec/index.js';
import { isFinalState } from '../../../protocols/rm-rest/index.js';
import { listEventLogs, readHistory } from '../../history.js';
import { parseAppId } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatHistory, formatHistoryList, formatStageTasks } from '../history-format.js';

export const HISTORY_EXAMPLES = `
Examples:
  $ spindle history application_1700000000000_0001          # stages, skew, failures, executors lost
  $ spindle history --json application_1700000000000_0001 | jq '.stages[] | {id, numTasks, completedTasks}'
  $ spindle history application_1700000000000_0001 --stage 0  # each task attempt: host, locality, time, error
  $ spindle history --list                                   # the applications with an event log
  $ spindle history --dir /shared/history --list             # logs of jobs run with --event-log /shared/history

Every spindle submit records its scheduler events (application, executors, jobs, stages, tasks,
failures) in /user/<user>/.spindle/history/<appId> as it runs (--event-log off|<dir> on submit). The
log can be read while the application runs, and after it ended, failed or was killed; no server needed.`;

interface RawHistoryOptions {
  list?: boolean;
  dir?: string;
  stage?: string;
}

export function defineHistory(program: Command, session: CliSession): Command {
  const cmd = program
    .command('history')
    .summary("summarize an application's event log (running or ended)")
    .description(
      "Summarize an application's event log on HDFS: its state, jobs, stages with durations and task-time quantiles (skew), the slowest tasks, task failures with their causes and the executors lost. With --list, the applications that have a log.",
    )
    .argument('[appId]', 'application id (see spindle history --list)')
    .option('--list', 'list the applications with an event log, newest first')
    .option('--dir <dir>', 'the history directory, for jobs run with --event-log <dir> (default /user/<user>/.spindle/history)')
    .option('--stage <id>', "list one stage's task attempts: executor, host, locality, status, duration, error")
    .addHelpText('after', HISTORY_EXAMPLES);
  cmd.action(async (appId: string | undefined, raw: RawHistoryOptions) => session.run(cmd, (ctx) => historyCommand(ctx, appId, raw)));
  return cmd;
}

export async function historyCommand(ctx: CliContext, appIdText: string | undefined, raw: RawHistoryOptions): Promise<number> {
  if (raw.list && appIdText !== undefined) throw new ConfigError('history: give either an application id or --list, not both');
  if (!raw.list && appIdText === undefined) {
    throw new ConfigError('history: give an application id (spindle history <appId>), or --list for the recorded applications');
  }
  const dir = raw.dir?.trim();
  if (dir !== undefined) {
    const problem = eventLogDirProblem(dir);
    if (problem) throw new ConfigError(`--dir: "${raw.dir}" ${problem}`);
  }
  const { out } = ctx;
  if (raw.list) {
    const { dir: resolved, logs } = await listEventLogs(ctx.hdfs, ctx.config.user, dir);
    if (out.json) {
      out.jsonResult({ dir: resolved, applications: logs });
      return EXIT_OK;
    }
    if (logs.length === 0) {
      out.info(`no event logs in ${resolved}`);
      return EXIT_OK;
    }
    out.result(formatHistoryList(logs));
    return EXIT_OK;
  }
  let stageId: number | undefined;
  if (raw.stage !== undefined) {
    if (!/^\d+$/.test(raw.stage.trim()))
      throw new ConfigError(`--stage: "${raw.stage}" is not a stage id (a whole number, as spindle history lists them)`);
    stageId = Number(raw.stage.trim());
  }
  const appId = parseAppId(appIdText!);
  const { path, summary, skippedLines, events } = await readHistory(ctx.hdfs, ctx.config.user, appId, dir);
  if (stageId !== undefined) {
    const tasks = stageTasks(events, stageId);
    if (!tasks) {
      const known = summary.stages.map((st) => st.id).join(', ') || 'none';
      throw new ConfigError(`--stage ${stageId}: ${appId}'s event log has no stage ${stageId} (its stages: ${known})`);
    }
    if (out.json) out.jsonResult({ appId, eventLog: path, ...tasks });
    else out.result(formatStageTasks(tasks));
    return EXIT_OK;
  }
  if (!summary.complete) await settleFromRm(ctx, summary);
  if (skippedLines > 0)
    out.warn(`${path}: ${skippedLines} line(s) could not be read (torn by a failed append, or of a newer format) and were skipped`);
  if (out.json) {
    out.jsonResult({ ...summary, eventLog: path });
    return EXIT_OK;
  }
  out.result(formatHistory(summary, path));
  return EXIT_OK;
}

/**
 * A log without the application's end is of a running application, or of a driver that died before
 * it could write it (SIGKILL, a crash, its node lost). The ResourceManager tells which: when it says
 * the application ended, its final status stands in, marked as not from the log. Best effort: an RM
 * that cannot be asked (or forgot the application) leaves the summary as the log says.
 */
async function settleFromRm(ctx: CliContext, summary: HistorySummary & { logIncomplete?: boolean }): Promise<void> {
  try {
    const report = await ctx.rm.application(summary.appId);
    if (!isFinalState(report.state)) return;
    const state = report.finalStatus === 'SUCCEEDED' || report.finalStatus === 'KILLED' ? report.finalStatus : 'FAILED';
    summary.state = state;
    summary.logIncomplete = true;
    summary.cause =
      `the event log ends before the application did (its driver was stopped before it could write the end); ` +
      `the ResourceManager says ${report.state}/${report.finalStatus}` +
      (report.diagnostics ? `: ${report.diagnostics.split('\n')[0]}` : '');
  } catch (err) {
    ctx.out.debug(`could not ask the ResourceManager about ${summary.appId}: ${errorMessage(err)}`);
  }
}
