/** `spindle ui <appId>`: the web UI of an application, live through the RM's proxy, or from its event log. */
import type { Command } from 'commander';
import { ConfigError, errorMessage, NotFoundError } from '../../../protocols/errors/index.js';
import { eventLogDirProblem } from '../../../protocols/job-spec/index.js';
import { isFinalState } from '../../../protocols/rm-rest/index.js';
import type { AppReport } from '../../../protocols/yarn-model/index.js';
import { containerLogUrl, spindleVersion, uiMessage, UiModel, type UiDocument, type UiResponse } from '../../../protocols/web-ui/index.js';
import { discoverContainers } from '../../containers.js';
import { readEventLog } from '../../history.js';
import { liveHandler } from '../../ui-live.js';
import { documentHandler, LocalUiServer, type UiHandler } from '../../ui-server.js';
import { parseAppId } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';

export const UI_EXAMPLES = `
Examples:
  $ spindle ui application_1700000000000_0001              # prints a URL; open it in a browser; Ctrl-C to stop
  $ spindle ui application_1700000000000_0001 --port 4040
  $ spindle ui --dir /shared/history application_1700000000000_0001

While the application runs, its ApplicationMaster serves the UI (through the ResourceManager's web
proxy) and this prints that URL. After it ended, this reads its event log from HDFS
(/user/<user>/.spindle/history/<appId>) and serves the same pages on 127.0.0.1 until Ctrl-C.`;

interface RawUiOptions {
  port?: string;
  dir?: string;
  fromLog?: boolean;
}

export function defineUi(program: Command, session: CliSession): Command {
  const cmd = program
    .command('ui')
    .summary("serve an application's web UI (live, or from its event log)")
    .description(
      "Show an application's web UI (jobs, stages, tasks, executors, the DAG). While it runs: print the live UI's URL behind the ResourceManager's proxy. After it ended: read its event log from HDFS and serve the same pages on 127.0.0.1 until interrupted.",
    )
    .argument('<appId>', 'application id (see spindle list, or spindle history --list)')
    .option('--port <port>', 'local port to serve on (default: a free one)')
    .option('--dir <dir>', 'the history directory, for jobs run with --event-log <dir> (default /user/<user>/.spindle/history)')
    .option('--from-log', 'serve from the event log even while the application runs (as far as it is written)')
    .addHelpText('after', UI_EXAMPLES);
  cmd.action(async (appId: string, raw: RawUiOptions) => session.run(cmd, (ctx) => uiCommand(ctx, appId, raw)));
  return cmd;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text.trim()) || Number(text) > 65535) throw new ConfigError(`--port: "${text}" is not a port number (0 to 65535)`);
  return Number(text);
}

export async function uiCommand(ctx: CliContext, appIdText: string, raw: RawUiOptions): Promise<number> {
  const appId = parseAppId(appIdText);
  const port = parsePort(raw.port);
  const dir = raw.dir?.trim();
  if (dir !== undefined) {
    const problem = eventLogDirProblem(dir);
    if (problem) throw new ConfigError(`--dir: "${raw.dir}" ${problem}`);
  }
  const { out } = ctx;
  let report: AppReport | undefined;
  try {
    report = await ctx.rm.application(appId);
  } catch (err) {
    // The RM forgets old applications; their event log may still be there.
    if (!(err instanceof NotFoundError)) throw err;
    out.debug(`the ResourceManager does not know ${appId}; looking for its event log`);
  }
  const running = report !== undefined && !isFinalState(report.state);
  // The event log's pages; made once (after the end, for a live session).
  const fromLog = async (): Promise<{ handler: UiHandler; path: string }> => {
    const built = await logDocument(ctx, appId, report, dir);
    return { handler: documentHandler(() => ({ ...built.doc, now: Date.now() })), path: built.path };
  };
  let handler: UiHandler;
  let eventLog: string | undefined;
  const trackingUrl = ctx.trackingUrl(appId);
  if (running && !raw.fromLog) {
    handler = liveHandler({
      trackingUrl,
      ...(ctx.kerberos ? { negotiator: ctx.kerberos.negotiator } : {}),
      ended: async () => {
        try {
          const now = await ctx.rm.application(appId);
          return isFinalState(now.state);
        } catch (err) {
          out.debug(`could not ask the ResourceManager about ${appId}: ${errorMessage(err)}`);
          return false;
        }
      },
      fromLog: async () => {
        try {
          const log = await fromLog();
          out.info(`${appId} has ended: serving its UI from the event log ${log.path} from now on`);
          return log.handler;
        } catch (err) {
          out.warn(`${appId} has ended and its UI cannot be served from an event log: ${errorMessage(err)}`);
          return endedWithoutLog(appId, errorMessage(err));
        }
      },
      unavailable: (url) => unavailablePage(appId, url, trackingUrl),
    });
  } else {
    const log = await fromLog();
    handler = log.handler;
    eventLog = log.path;
  }
  const server = new LocalUiServer(handler);
  const bound = await server.start(port).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new ConfigError(`--port ${port}: the port is in use; pick another, or leave --port out for a free one`);
    throw err;
  });
  const url = `http://127.0.0.1:${bound}/`;
  if (out.json) out.jsonResult({ appId, live: eventLog === undefined, url, ...(eventLog ? { eventLog } : { proxy: trackingUrl }) });
  else {
    out.result(url);
    out.info(
      eventLog
        ? `serving the UI of ${appId} from ${eventLog} at the URL above; Ctrl-C to stop`
        : `${appId} is ${report!.state}: the URL above shows its live UI (from its ApplicationMaster, through ${trackingUrl}), then its event log once it ends; Ctrl-C to stop`,
    );
  }
  await new Promise<void>((resolve) => {
    const off = ctx.process.onInterrupt(() => {
      off();
      resolve();
    });
  });
  await server.close();
  return EXIT_OK;
}

/** The UI's document folded from `appId`'s event log, with its containers' log links. */
async function logDocument(
  ctx: CliContext,
  appId: string,
  report: AppReport | undefined,
  dir: string | undefined,
): Promise<{ doc: UiDocument; path: string }> {
  const { out } = ctx;
  let log: Awaited<ReturnType<typeof readEventLog>>;
  try {
    log = await readEventLog(ctx.hdfs, ctx.config.user, appId, dir);
  } catch (err) {
    if (report === undefined && err instanceof ConfigError) {
      throw new ConfigError(
        `unknown application ${appId}: the ResourceManager does not know it and it has no event log (${errorMessage(err)})`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
  if (log.events.length === 0) throw new ConfigError(`the event log of ${appId} at ${log.path} is empty: nothing to show yet`);
  if (log.skippedLines > 0) out.warn(`${log.path}: ${log.skippedLines} line(s) could not be read and were skipped`);
  const model = new UiModel(appId);
  model.apply(log.events);
  const logUrls = await containerLogUrls(ctx, appId, report);
  const doc = model.document(
    {
      source: 'history',
      eventLog: log.path,
      nodeVersion: process.version,
      spindleVersion: spindleVersion(),
      ...(logUrls.am ? { amContainer: logUrls.am } : {}),
      ...(log.skippedLines > 0 ? { skippedLines: log.skippedLines } : {}),
    },
    (id) => logUrls.byContainer.get(id),
  );
  return { doc, path: log.path };
}

/** An empty document of `appId`, for the pages that say why there is nothing to show. */
function emptyDocument(appId: string): UiDocument {
  return { ...new UiModel(appId).document({ source: 'history' }), now: Date.now() };
}

/** The AM did not answer a request while the application still runs (starting, or between attempts). */
function unavailablePage(appId: string, url: URL, trackingUrl: string): UiResponse {
  const text = `The ApplicationMaster of ${appId} did not answer ${url.pathname} through ${trackingUrl}; it may be starting. Reload in a moment.`;
  return uiMessage(503, 'Not answering', text, () => emptyDocument(appId));
}

/** After the end, with no event log to read: every page says so. */
function endedWithoutLog(appId: string, why: string): UiHandler {
  const text = `${appId} has ended and its UI cannot be shown from an event log: ${why}`;
  return async () => uiMessage(404, 'Ended', text, () => emptyDocument(appId));
}
/** Log links of the application's containers, where YARN can still say which NodeManager ran them (best effort). */
async function containerLogUrls(
  ctx: CliContext,
  appId: string,
  report: AppReport | undefined,
): Promise<{ am?: { containerId: string; logUrl?: string }; byContainer: Map<string, string> }> {
  const byContainer = new Map<string, string>();
  if (!report) return { byContainer };
  try {
    const found = await discoverContainers({ rm: ctx.rm, nm: ctx.nm, nodes: ctx.nodes }, { appId, running: false });
    let am: { containerId: string; logUrl?: string } | undefined;
    for (const c of found) {
      const logUrl = c.node ? containerLogUrl(c.node, c.containerId, report.user ?? ctx.config.user) : undefined;
      if (logUrl) byContainer.set(c.containerId, logUrl);
      if (c.am) am = { containerId: c.containerId, ...(logUrl ? { logUrl } : {}) };
    }
    return { ...(am ? { am } : {}), byContainer };
  } catch (err) {
    ctx.out.debug(`could not find the containers of ${appId} (no log links): ${errorMessage(err)}`);
    return { byContainer };
  }
}
