#!/usr/bin/env node
/**
 * Entry point of the ApplicationMaster process (bundled into spindle-am.mjs and started by YARN in
 * the AM container). Reads the container environment, the application spec and the credentials,
 * runs the ApplicationMaster, unregisters with the outcome and removes the staging directory once
 * no further attempt will need it.
 */
import { readFile } from 'node:fs/promises';
import { parseJobAppSpec } from '../protocols/job-spec/index.js';
import { APP_SPEC_FILE } from '../protocols/app-spec/index.js';
import {
  encodeTokenUrlString,
  readCredentialsFile,
  selectToken,
  serializeCredentials,
  TokenKinds,
  withoutKinds,
} from '../protocols/credentials/index.js';
import { ConfigError, errorMessage } from '../protocols/errors/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { attemptIdFromContainerId, type ResourceAsk } from '../protocols/yarn/index.js';
import { ApplicationMaster, type AmOutcome } from './app-master.js';
import { allowedQopsFor, connectNodeManager, connectScheduler } from './connectors.js';
import { readAmEnvironment } from './environment.js';
import { Heartbeat } from './heartbeat.js';
import { Launcher } from './launcher.js';
import { keepLogCopy } from './log-copy.js';
import { AttemptGoneError, RmClient } from './rm-client.js';

/** Every line of a record carries the prefix, so log readers can tell the AM's lines from the driver's. */
function log(message: string): void {
  const prefix = `${new Date().toISOString()} spindle-am: `;
  process.stderr.write(
    `${message
      .split('\n')
      .map((line) => prefix + line)
      .join('\n')}\n`,
  );
}

async function main(): Promise<number> {
  const env = readAmEnvironment(process.env);
  const spec = parseJobAppSpec(await readFile(APP_SPEC_FILE, 'utf8'));
  const credentials = await readCredentialsFile(env.tokenFile);
  const amrmToken = selectToken(credentials, TokenKinds.AMRM);
  if (!amrmToken) throw new ConfigError(`no ${TokenKinds.AMRM} in ${env.tokenFile}: this process was not started as an ApplicationMaster`);
  // On a Kerberized cluster the submission's HDFS delegation token; the RM renews it.
  const hdfsToken = selectToken(credentials, TokenKinds.HDFS_DELEGATION);
  const hdfsAuth = hdfsToken ? { delegationToken: encodeTokenUrlString(hdfsToken) } : {};
  const attempt = attemptIdFromContainerId(env.containerId);
  log(`application ${spec.appId} attempt ${attempt.attemptId} of ${spec.maxAttempts} in ${env.containerId} on ${env.host}`);

  const allowedQops = allowedQopsFor(spec.cluster.rpcProtection);
  const rm = new RmClient({
    schedulerAddresses: spec.cluster.schedulerAddresses,
    amrmToken,
    ...(allowedQops ? { allowedQops } : {}),
    connect: connectScheduler,
    resyncAsks: (): ResourceAsk[] => am.resyncAsks(),
    log,
  });
  const launcher = new Launcher({
    connect: connectNodeManager,
    nmToken: (node) => rm.nmToken(node),
    ...(allowedQops ? { allowedQops } : {}),
  });
  const am: ApplicationMaster = new ApplicationMaster({
    spec,
    env,
    rm,
    launcher,
    heartbeat: new Heartbeat(),
    childEnv: process.env,
    // Task containers get our delegation tokens, never the AMRMToken.
    containerTokens: serializeCredentials(withoutKinds(credentials, [TokenKinds.AMRM])),
    log,
  });

  // The staging files go once no further attempt will need them. On a kill the NodeManager sends
  // SIGKILL 250 ms after SIGTERM (yarn.nodemanager.sleep-delay-before-sigkill.ms), so that case
  // removes them first and unregisters after.
  let staged: Promise<void> | undefined;
  const removeStaging = (): Promise<void> =>
    (staged ??= (async () => {
      const hdfs = new WebHdfsClient({ nameNodes: spec.cluster.nameNodes, user: spec.user, ...hdfsAuth });
      try {
        await hdfs.delete(spec.stagingDir, { recursive: true });
      } catch (err) {
        log(`could not remove the staging directory ${spec.stagingDir}: ${errorMessage(err)}`);
      } finally {
        hdfs.close();
      }
    })());

  const killed = new AbortController();
  process.once('SIGTERM', () => {
    log('SIGTERM: the application is being killed');
    void removeStaging();
    killed.abort();
  });

  let outcome: AmOutcome;
  try {
    outcome = await am.run(killed.signal);
  } catch (err) {
    if (err instanceof AttemptGoneError) {
      log(err.message);
      await launcher.close();
      // A kill makes the RM forget the attempt first; the NodeManager's SIGTERM, which starts the
      // staging removal, comes soon after: let that removal finish rather than exit under it.
      await staged;
      return 1;
    }
    outcome = { finalStatus: 'failed', diagnostics: `the ApplicationMaster failed: ${errorMessage(err)}` };
    log(outcome.diagnostics);
  }
  // A failed attempt may be retried by YARN with the same staging files.
  const lastAttempt = outcome.finalStatus !== 'failed' || attempt.attemptId >= spec.maxAttempts;
  if (lastAttempt && killed.signal.aborted) await removeStaging();
  log(`finishing: ${outcome.finalStatus}: ${outcome.diagnostics}`);
  // Secure clusters (an HDFS token): NodeManagers may be unable to serve logs, so the AM keeps a copy.
  if (hdfsToken && !killed.signal.aborted) await keepLogCopy(spec, env, hdfsAuth, log);
  try {
    await rm.finish(outcome.finalStatus, outcome.diagnostics);
  } catch (err) {
    log(`could not unregister: ${errorMessage(err)}`);
  }
  await launcher.close();
  await rm.close();
  await am.close();
  if (lastAttempt) await removeStaging();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`fatal: ${errorMessage(err)}`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
