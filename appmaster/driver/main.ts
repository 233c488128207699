#!/usr/bin/env node
/**
 * Entry point of the driver process (bundled into spindle-driver.mjs). The AM forks it with the job
 * bundle and the job's arguments:
 *
 *   node spindle-driver.mjs spindle-job.mjs [args...]     (IPC channel to the AM)
 *
 * It imports the job bundle. A default-export function is the job's main: it runs with a Context,
 * and its return value is printed to stdout as one line of JSON (exit 0), or its error to stderr
 * (exit 1). A module without one is a plain program that has already run on import.
 */
import { loadJobModule } from '../../protocols/job-spec/index.js';
import {
  decodeDelegationTokenIdentifier,
  encodeTokenUrlString,
  readCredentialsFile,
  selectToken,
  TokenKinds,
  type DelegationTokenIdentifier,
} from '../../protocols/credentials/index.js';
import { RmRestClient } from '../../protocols/rm-rest/index.js';
import { JOB_PROCESS_RETRY, WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { readDriverEnvironment } from './environment.js';
import { JobModuleError } from './errors.js';
import { ConfigError, errorMessage } from '../../protocols/errors/index.js';
import { isAmMessage, type AmToDriver } from './ipc.js';
import { livenessFromRm } from './leftovers.js';
import { runJobMain } from './run-main.js';
import { explainTokenRefusal } from './token-refusal.js';
import { applicationOverAfterTerm } from '../attempt-end.js';
import { ActionJournal } from './journal.js';
import { DriverRuntime, type InitMessage } from './runtime.js';
import { openEventLog } from './event-log.js';
import { EventForwarder, teeTargets } from './event-forward.js';

/** How long the driver waits for the AM's init message. */
const INIT_TIMEOUT_MS = 30_000;
/** How long a driver whose AM is gone waits for the event log's last append before it exits. */
const EVENT_LOG_LAST_WRITE_MS = 1_000;

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString()} spindle-driver: ${message}\n`);
}

function waitForInit(): Promise<InitMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no init message from the ApplicationMaster within ${INIT_TIMEOUT_MS} ms`)),
      INIT_TIMEOUT_MS,
    );
    const onMessage = (m: unknown): void => {
      if (isAmMessage(m) && m.type === 'init') {
        clearTimeout(timer);
        process.off('message', onMessage);
        resolve(m);
      }
    };
    process.on('message', onMessage);
  });
}

async function main(): Promise<number | undefined> {
  const [jobPath, ...args] = process.argv.slice(2);
  if (!jobPath) throw new Error('usage: spindle-driver.mjs <job bundle> [args...]');
  if (!process.send) throw new Error('the driver must be started by the Spindle ApplicationMaster (no IPC channel)');
  // The job sees `node <job> <args...>`, as when run directly (a plain program reads process.argv).
  process.argv.splice(1, 1);
  const init = waitForInit();
  const job = await loadJobModule(jobPath).catch((err: unknown) => {
    if (err instanceof ConfigError) throw err;
    // The module's own top-level code threw: the user's error, with the user's stack.
    throw new JobModuleError(`the job module threw while loading (at its top level, before main ran): ${errorMessage(err)}`, {
      cause: err,
    });
  });
  if (!job.main) {
    // A plain program: it ran on import; let it finish on its own.
    process.disconnect?.();
    return undefined;
  }
  const initMessage = await init;
  // On a secure cluster the container credentials hold an HDFS delegation token; use it as executors do.
  const { tokenFile } = readDriverEnvironment(process.env);
  const hdfsToken = tokenFile ? selectToken(await readCredentialsFile(tokenFile), TokenKinds.HDFS_DELEGATION) : undefined;
  // A fresher token from the AM (its keytab login) replaces the container's; later ones come as `tokens`.
  let delegationToken = initMessage.hdfsToken ?? (hdfsToken ? encodeTokenUrlString(hdfsToken) : undefined);
  const fs = new WebHdfsClient({
    nameNodes: initMessage.nameNodes,
    user: initMessage.user,
    delegationToken: () => delegationToken,
    retry: JOB_PROCESS_RETRY,
  });
  // Simple-auth REST calls: on a Kerberized cluster they are refused, and dead drivers' leftovers stay.
  const rm = initMessage.rmWebUrls?.length
    ? new RmRestClient({ rmUrls: initMessage.rmWebUrls, user: initMessage.user, requestTimeoutMs: 10_000, retry: { maxAttempts: 2 } })
    : undefined;
  const journal = initMessage.stagingDir ? await ActionJournal.open({ fs, dir: `${initMessage.stagingDir}/journal`, log }) : undefined;
  const eventLog = openEventLog({ appId: initMessage.appId, user: initMessage.user, settings: initMessage.job.eventLog, fs, log });
  // The AM's web UI folds the same events, also when the log is off.
  // Only while the channel is open: a send on a closed one is an 'error' event on the process.
  const forwarder = new EventForwarder((events) => {
    if (process.connected) process.send?.({ type: 'events', events });
  });
  const events = eventLog ? teeTargets(eventLog.target, forwarder) : forwarder;
  const runtime = new DriverRuntime({
    init: initMessage,
    am: { send: (m) => process.send?.(m) },
    fs,
    log,
    ...(rm ? { liveness: livenessFromRm(rm) } : {}),
    ...(journal ? { journal } : {}),
    eventLog: events,
  });
  process.on('message', (m: unknown) => {
    if (!isAmMessage(m)) return;
    if (m.type === 'tokens') delegationToken = m.hdfs;
    runtime.onAmMessage(m as AmToDriver);
  });
  // A kill signals the container's whole process group and the AM forwards it too: the first SIGTERM
  // starts the stop, a repeat must not end the process before the stop has put the outputs right.
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    log('SIGTERM: stopping the job');
    // First, at once: the NodeManager's SIGKILL follows 250 ms after its SIGTERM, and the event log's
    // last batch (with the kill) is one WebHDFS append. A later attempt, if YARN starts one, appends.
    const logged = runtime.endEventLog('KILLED', 'the application was killed, or this attempt was stopped (SIGTERM)');
    void (async () => {
      // The output of saves still running is undone only when no later attempt can resume it; the
      // NodeManager's SIGKILL may end this first, which keeps it too (the next save there cleans up).
      const over = await applicationOverAfterTerm({
        ask: async () => {
          if (!rm) throw new Error('no ResourceManager web address');
          const [appState, attempts] = await Promise.all([rm.state(initMessage.appId), rm.attempts(initMessage.appId)]);
          return { appState, attempts };
        },
        attemptId: initMessage.attemptId ?? 1,
        maxAttempts: initMessage.maxAttempts ?? 1,
        log,
      });
      if (!over) log('a later attempt of this application may resume the saves in progress: their output stays');
      await runtime.stop('failed', 'the application was killed', { keepOutputs: !over, killed: true });
      await logged;
    })().finally(() => process.exit(143));
  });
  // The AM is gone (SIGKILL, a crash): its NodeManager ends this container soon and YARN may start
  // another attempt, which resumes from the journal and the saves' staging. Going on here would
  // only race that attempt, so stop at once and leave all output as it is.
  process.once('disconnect', () => {
    if (stopping) return;
    stopping = true;
    log('the ApplicationMaster is gone: stopping at once, leaving the output of saves in progress to a later attempt');
    // The event log's end, if it can be written at once (bounded: a later attempt must not be raced).
    const ended = runtime.endEventLog('KILLED', 'the ApplicationMaster is gone (killed, or its container stopped)');
    const bound = new Promise((resolve) => setTimeout(resolve, EVENT_LOG_LAST_WRITE_MS).unref());
    void Promise.race([ended, bound]).finally(() => process.exit(143));
  });
  await runtime.start();

  const { code } = await runJobMain(job.main, runtime, args, {
    writeResult: (line) => new Promise<void>((resolve) => process.stdout.write(line, () => resolve())),
    log,
    writeStack: (stack) => process.stderr.write(stack),
    explain: (err) => explainTokenRefusal(err, hdfsToken ? tokenIdentifier(hdfsToken.identifier) : undefined, Date.now()),
  });
  await journal?.settle();
  fs.close();
  return code;
}

/** The token's identifier, or undefined when it is not a delegation token's (it only adds detail). */
function tokenIdentifier(bytes: Buffer): DelegationTokenIdentifier | undefined {
  try {
    return decodeDelegationTokenIdentifier(bytes);
  } catch {
    return undefined;
  }
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    log(`fatal: ${err instanceof Error ? err.message : String(err)}`);
    // A job the user must fix (a ConfigError: no entry point, no evaluator) is explained by its message;
    // a module that threw shows the user's stack.
    const cause = err instanceof JobModuleError ? err.cause : err;
    if (!(err instanceof ConfigError) && cause instanceof Error && cause.stack) process.stderr.write(`${cause.stack}\n`);
    process.exit(1);
  },
);
