#!/usr/bin/env node
/**
 * Entry point of the ApplicationMaster process (bundled into spindle-am.mjs and started by YARN in
 * the AM container). Reads the container environment, the application spec and the credentials,
 * runs the ApplicationMaster, unregisters with the outcome and removes the staging directory once
 * no further attempt will need it.
 */
import { readFile } from 'node:fs/promises';
import { parseJobAppSpec, type JobAppSpec } from '../protocols/job-spec/index.js';
import { APP_SPEC_FILE } from '../protocols/app-spec/index.js';
import { readCredentialsFile, selectToken, TokenKinds, withoutKinds } from '../protocols/credentials/index.js';
import { ConfigError, errorMessage } from '../protocols/errors/index.js';
import { RmRestClient } from '../protocols/rm-rest/index.js';
import { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { attemptIdFromContainerId, type ResourceAsk } from '../protocols/yarn/index.js';
import { ApplicationMaster, type AmOutcome } from './app-master.js';
import { applicationOverAfterTerm } from './attempt-end.js';
import { allowedQopsFor, connectNodeManager, connectScheduler } from './connectors.js';
import { ContainerCredentials } from './container-credentials.js';
import { readAmEnvironment, type AmEnvironment } from './environment.js';
import { keytabWebHdfs } from './keytab-login.js';
import { TokenRenewal } from './token-renewal.js';
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
  // On a Kerberized cluster the submission's HDFS delegation token (the RM renews it), replaced by
  // fresher ones when the client shipped a keytab.
  const containerCredentials = new ContainerCredentials(withoutKinds(credentials, [TokenKinds.AMRM]));
  const hdfsAuth = { delegationToken: () => containerCredentials.current() };
  const attempt = attemptIdFromContainerId(env.containerId);
  log(`application ${spec.appId} attempt ${attempt.attemptId} of ${spec.maxAttempts} in ${env.containerId} on ${env.host}`);

  // A keytab that cannot get tokens fails the application (after registering, so the reason is its diagnostics).
  let cannotRenew: string | undefined;
  const renewal = await startTokenRenewal(spec, env, containerCredentials).catch((err: unknown) => {
    cannotRenew = errorMessage(err);
    log(cannotRenew);
    return undefined;
  });
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
    containerTokens: () => containerCredentials.containerTokens(),
    ...(renewal ? { hdfsTokens: containerCredentials } : {}),
    log,
  });

  // The staging files go once no further attempt will need them: after unregistering (the RM ends
  // the application then, whatever the final status), or, when the NodeManager ends this container,
  // once the RM says the application is over (attempt-end.ts). That case races the SIGKILL that
  // follows 250 ms after SIGTERM (yarn.nodemanager.sleep-delay-before-sigkill.ms), so it starts at once.
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
  let attemptEnded: Promise<void> | undefined;
  const endAttempt = (): Promise<void> =>
    (attemptEnded ??= (async () => {
      const rest = spec.cluster.rmWebUrls?.length
        ? new RmRestClient({ rmUrls: spec.cluster.rmWebUrls, user: spec.user, requestTimeoutMs: 2_000, retry: { maxAttempts: 1 } })
        : undefined;
      const over = await applicationOverAfterTerm({
        ask: async () => {
          if (!rest) throw new ConfigError('the application spec names no ResourceManager web address');
          const [report, attempts] = await Promise.all([rest.state(spec.appId), rest.attempts(spec.appId)]);
          return { appState: report, attempts };
        },
        attemptId: attempt.attemptId,
        maxAttempts: spec.maxAttempts,
        log,
      });
      if (over) await removeStaging();
    })());

  const killed = new AbortController();
  process.once('SIGTERM', () => {
    log('SIGTERM: the application is being killed, or this attempt is ending');
    void endAttempt();
    killed.abort();
  });

  let outcome: AmOutcome;
  try {
    if (cannotRenew === undefined) outcome = await am.run(killed.signal);
    else {
      await rm.register({ host: env.host, rpcPort: 0, trackingUrl: '' });
      outcome = { finalStatus: 'failed', diagnostics: cannotRenew };
    }
  } catch (err) {
    if (err instanceof AttemptGoneError) {
      log(err.message);
      await launcher.close();
      // A kill makes the RM forget the attempt first, and the NodeManager's SIGTERM comes soon after.
      await endAttempt();
      return 1;
    }
    outcome = { finalStatus: 'failed', diagnostics: `the ApplicationMaster failed: ${errorMessage(err)}` };
    log(outcome.diagnostics);
  }
  if (killed.signal.aborted) {
    // The NodeManager is ending this container and the RM knows why: unregistering now would end an
    // application that YARN means to retry on another node.
    log(`stopping: ${outcome.diagnostics}`);
    await endAttempt();
    await launcher.close();
    return 1;
  }
  log(`finishing: ${outcome.finalStatus}: ${outcome.diagnostics}`);
  // Secure clusters (an HDFS token): NodeManagers may be unable to serve logs, so the AM keeps a copy.
  if (containerCredentials.current() !== undefined) await keepLogCopy(spec, env, hdfsAuth, log);
  // Unregistering ends the application, FAILED included: a job that failed (its driver threw) is
  // not run again. Only an attempt that ends without unregistering (the AM killed, its node lost)
  // is followed by another.
  let unregistered = false;
  try {
    await rm.finish(outcome.finalStatus, outcome.diagnostics);
    unregistered = true;
  } catch (err) {
    log(`could not unregister: ${errorMessage(err)}`);
  }
  await launcher.close();
  await rm.close();
  await am.close();
  if (unregistered || attempt.attemptId >= spec.maxAttempts) await removeStaging();
  // Last: the staging removal above still needs the token; stopping cancels the tokens obtained here.
  await renewal?.stop();
  return 0;
}

/**
 * With a keytab from the client, the first round of fresh tokens now (a keytab the KDC refuses fails
 * the attempt at once), then rounds in the background for as long as the application runs.
 */
async function startTokenRenewal(
  spec: JobAppSpec,
  env: AmEnvironment,
  containerCredentials: ContainerCredentials,
): Promise<TokenRenewal | undefined> {
  const { tokenRenewal } = spec;
  const service = containerCredentials.hdfsService();
  if (!tokenRenewal) {
    if (service !== undefined)
      log('no keytab was shipped: the ResourceManager renews the HDFS delegation token until its maximum lifetime');
    return undefined;
  }
  if (service === undefined)
    throw new ConfigError('a keytab was shipped but the application was submitted without an HDFS delegation token');
  const renewal = new TokenRenewal({
    issuer: keytabWebHdfs(tokenRenewal, spec.cluster.nameNodes, env.workDir, process.env),
    principal: tokenRenewal.principal,
    service,
    onToken: (token) => containerCredentials.replaceHdfsToken(token),
    log,
  });
  try {
    await renewal.start();
  } catch (err) {
    throw new ConfigError(
      `could not obtain an HDFS delegation token with the keytab of ${tokenRenewal.principal} shipped with the application: ${errorMessage(err)}`,
      { cause: err },
    );
  }
  return renewal;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`fatal: ${errorMessage(err)}`);
    if (err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
