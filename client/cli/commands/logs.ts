/**
 * `spindle logs <appId>`: container logs of running and finished applications, read from the
 * NodeManagers' web services. With --follow, new output appears as it is written until the
 * application ends. When the NodeManagers no longer have the files, says why and what to do. An
 * ApplicationMaster's files come from the copy it kept on HDFS when its NodeManager cannot serve them
 * (a secure one without Hadoop's native library) or no longer has them.
 */
import type { Command } from 'commander';
import { LOG_COPY_FILES, logCopyDir } from '../../../protocols/app-spec/index.js';
import { ConnectionError, LogUnavailableError, NotFoundError, TimeoutError } from '../../../protocols/errors/index.js';
import type { LogAggregationOptions } from '../../../protocols/hadoop-conf/index.js';
import { isFinalState } from '../../../protocols/rm-rest/index.js';
import { discoverContainers, type ContainerLocation } from '../../containers.js';
import { tailLines } from '../../failure.js';
import { ApplicationFollower } from '../../follow.js';
import { copyLines, hdfsLogCopies, truncationNote, type LogCopySource } from '../../log-copies.js';
import { collectRepeated, parseAppId, parseContainerId, parseCount } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';

export const LOGS_EXAMPLES = `
Examples:
  $ spindle logs application_1700000000000_0001
  $ spindle logs --container container_1700000000000_0001_01_000002 application_1700000000000_0001
  $ spindle logs --follow application_1700000000000_0001
  $ spindle logs --tail 50 --file stderr application_1700000000000_0001
  $ spindle logs --file all application_1700000000000_0001   # also prelaunch.err, launch_container.sh, ...

On a Kerberized cluster the NodeManagers may be unable to serve log files (a secure NodeManager needs
Hadoop's native library to open them). There each ApplicationMaster keeps a copy of its stdout and
stderr on HDFS (the last 16 MiB of each) in /user/<user>/.spindle/logs/<appId>/, written as the
application ends, and this command prints the ApplicationMaster's logs from that copy. Copies older
than 7 days are removed by the ApplicationMasters of later applications; executors' logs are not
copied.`;

interface RawLogsOptions {
  container?: string;
  follow?: boolean;
  file?: string[];
  tail?: string;
}

export function defineLogs(program: Command, session: CliSession): Command {
  const cmd = program
    .command('logs')
    .summary("print an application's container logs")
    .description(
      "Print the logs of an application's containers (the ApplicationMaster's first), running or finished, from the NodeManagers.",
    )
    .argument('<appId>', 'application id')
    .option('--container <id>', 'only this container')
    .option('-f, --follow', 'keep printing new output until the application ends')
    .option('--file <name>', 'log file to print (repeatable; default stdout and stderr; "all" for every file)', collectRepeated)
    .option('--tail <n>', 'only the last n lines of each file')
    .addHelpText('after', LOGS_EXAMPLES);
  cmd.action(async (appId: string, raw: RawLogsOptions) => session.run(cmd, (ctx) => logsCommand(ctx, appId, raw)));
  return cmd;
}

export async function logsCommand(ctx: CliContext, appIdText: string, raw: RawLogsOptions): Promise<number> {
  const appId = parseAppId(appIdText);
  const only = raw.container !== undefined ? parseContainerId(raw.container) : undefined;
  const tail = raw.tail !== undefined ? parseCount('--tail', raw.tail) : undefined;
  const requested = raw.file ?? [];
  const allFiles = requested.includes('all');
  const files = requested.length && !allFiles ? requested : ['stdout', 'stderr'];
  const { out } = ctx;
  const report = await ctx.rm.application(appId);
  const running = !isFinalState(report.state);

  if (raw.follow && running) {
    const abort = new AbortController();
    const off = ctx.process.onInterrupt(() => abort.abort());
    try {
      const follower = new ApplicationFollower(
        { rm: ctx.rm, nm: ctx.nm, nodes: ctx.nodes, logCopies: hdfsLogCopies(ctx.hdfs), fetchStatus: ctx.amStatus },
        appId,
        { logs: 'all', files, ...(only ? { containerId: only } : {}), signal: abort.signal },
        {
          onLine: (cid, file, text) => (file === 'stderr' ? out.rawErr(`[${cid}] ${text}\n`) : out.result(`[${cid}] ${text}`)),
          onAttempt: (attempt, reason) => out.warn(`attempt ${attempt} started after: ${reason}`),
          onNote: (m) => out.debug(m),
          onWarning: (m) => out.warn(m),
        },
      );
      const result = await follower.run();
      out.info(
        result.stopped
          ? `stopped following ${appId} (it keeps running)`
          : `${appId} ended: ${result.report.state}/${result.report.finalStatus}`,
      );
    } finally {
      off();
    }
    return EXIT_OK;
  }

  let containers = await discoverContainers(
    { rm: ctx.rm, nm: ctx.nm, nodes: ctx.nodes, fetchStatus: ctx.amStatus },
    { appId, running, ...(report.trackingUrl ? { trackingUrl: report.trackingUrl } : {}) },
  );
  if (only) {
    const known = containers.find((c) => c.containerId === only);
    containers = [known ?? { containerId: only }];
    if (!known) {
      const node = await ctx.nodes.locate(only);
      if (node) containers[0]!.node = node;
    }
  }
  let printed = 0;
  const missing: string[] = [];
  const why = whyLogsAreGone(ctx.config.yarn.logAggregation, appId, report.user);
  let unreachable: Error | undefined;
  const unavailable: { containerId: string; am: boolean; err: LogUnavailableError }[] = [];
  const copies = hdfsLogCopies(ctx.hdfs);
  const fromCopy = (c: ContainerLocation): Promise<number> =>
    c.am ? printCopy(ctx, copies, { user: report.user, appId }, c, allFiles ? LOG_COPY_FILES : files, tail) : Promise.resolve(-1);
  for (const c of containers) {
    let n: number;
    try {
      n = await printContainer(ctx, c, files, allFiles, tail);
      // An AM's copy outlives the NodeManager's files (on a secure cluster; elsewhere there is none,
      // and a failure to look stands behind the reason the NodeManagers' files are gone).
      if (n < 0) n = await fromCopy(c).catch(() => -1);
    } catch (err) {
      if (err instanceof LogUnavailableError) {
        // A secure NodeManager without Hadoop's native library: an AM's copy, if it kept one.
        n = await fromCopy(c);
        if (n < 0) unavailable.push({ containerId: c.containerId, am: c.am === true, err });
        else printed++;
        continue;
      }
      // One NodeManager down must not hide the logs the others have.
      if (!(err instanceof ConnectionError || err instanceof TimeoutError)) throw err;
      out.warn(`cannot read the logs of ${c.containerId}: ${err.message}`);
      unreachable = err;
      continue;
    }
    if (n < 0) missing.push(c.containerId);
    else printed++;
  }
  if (printed === 0 && unavailable.length) throw unavailable[0]!.err;
  if (printed === 0 && unreachable) throw unreachable;
  if (printed === 0) throw new NotFoundError(`logs of ${only ?? appId}: no NodeManager has them; ${why}`);
  if (unavailable.length) out.warn(unavailableWarning(unavailable, logCopyDir(report.user, appId)));
  if (missing.length) out.warn(`no logs found for ${missing.join(', ')}; ${why}`);
  return EXIT_OK;
}

/** One line for every container whose NodeManager cannot serve its logs and that has no copy. */
export function unavailableWarning(list: readonly { containerId: string; am: boolean; err: Error }[], copyDir: string): string {
  const ids = list.slice(0, 3).map((u) => u.containerId);
  const more = list.length > 3 ? ` and ${list.length - 3} more` : '';
  const why = [
    ...(list.some((u) => u.am) ? [`no ApplicationMaster's copy in ${copyDir}`] : []),
    ...(list.some((u) => !u.am) ? ["only ApplicationMasters' logs are copied to HDFS"] : []),
  ];
  return `cannot read the logs of ${ids.join(', ')}${more} (${why.join('; ')}): ${list[0]!.err.message}`;
}

/** Prints an AM container's files from the copy its AM kept on HDFS; -1 when there is none. */
async function printCopy(
  ctx: CliContext,
  copies: LogCopySource,
  app: { user: string; appId: string },
  c: ContainerLocation,
  files: readonly string[],
  tail: number | undefined,
): Promise<number> {
  const { out } = ctx;
  let shown = 0;
  for (const name of files) {
    const copy = await copies.read(app.user, app.appId, c.containerId, name);
    if (!copy) continue;
    shown++;
    out.result(`==> ${c.containerId} (ApplicationMaster) ${name} from its copy ${copy.path} <==`);
    if (copy.droppedBytes > 0) out.warn(truncationNote(copy, copy.droppedBytes));
    if (tail !== undefined) {
      const { lines } = copyLines(copy);
      if (tail > 0 && lines.length > 0)
        out.result(
          lines
            .slice(-tail)
            .map((l) => l.text)
            .join('\n'),
        );
    } else if (copy.data.length > 0) {
      out.raw(copy.data);
      if (copy.data[copy.data.length - 1] !== 10) out.raw('\n');
    }
  }
  return shown > 0 ? shown : -1;
}

/** Prints one container's files; -1 when its NodeManager has none. */
async function printContainer(
  ctx: CliContext,
  c: ContainerLocation,
  files: string[],
  allFiles: boolean,
  tail: number | undefined,
): Promise<number> {
  const { out } = ctx;
  if (!c.node) return -1;
  const listing = await ctx.nm.logFiles(c.node, c.containerId).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (!listing || listing.files.length === 0) return -1;
  const names = allFiles ? listing.files.map((f) => f.name) : files;
  const where = `${c.node.replace(/^https?:\/\//, '')}${listing.aggregationType !== 'LOCAL' ? `, ${listing.aggregationType.toLowerCase()}` : ''}`;
  for (const name of names) {
    const info = listing.files.find((f) => f.name === name);
    const header = `==> ${c.containerId}${c.am ? ' (ApplicationMaster)' : ''} ${name} on ${where} <==`;
    if (!info) {
      out.result(header);
      out.result('(no such file)');
      continue;
    }
    // Read before the header: a NodeManager that cannot serve the file leaves nothing half printed.
    if (tail !== undefined) {
      const lines = info.size > 0 ? await tailLines(ctx.nm, c.node, c.containerId, name, tail) : [];
      out.result(header);
      if (info.size > 0) out.result(lines.join('\n'));
    } else {
      const chunk = info.size > 0 ? await ctx.nm.readLog(c.node, c.containerId, name) : undefined;
      out.result(header);
      if (chunk) {
        out.raw(chunk.data);
        if (chunk.data.length > 0 && chunk.data[chunk.data.length - 1] !== 10) out.raw('\n');
      }
    }
  }
  return names.length;
}

/** Why a NodeManager has no logs of a finished container, and what to do about it. */
export function whyLogsAreGone(agg: LogAggregationOptions, appId: string, user: string): string {
  if (agg.enabled) {
    // Hadoop 3.3+ adds bucket directories below the user's (YARN-6929), so only the user's is named.
    const dir = `${agg.remoteAppLogDir.replace(/\/+$/, '')}/${user}`;
    return (
      `log aggregation (yarn.log-aggregation-enable) has moved them off the NodeManagers into ${dir} on HDFS ` +
      `(aggregated files are not plain text); read them with: yarn logs -applicationId ${appId}`
    );
  }
  return 'the NodeManagers delete them yarn.nodemanager.log.retain-seconds after the application ends, and a NodeManager that left the cluster took its copies with it';
}
