import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fetchAmStatus } from '../../client/am-status.js';
import { stagingDirFor } from '../../client/staging.js';
import { AppJanitor, clusterClients, spindle, uniqueTag, type CliResult } from './cli-helpers.js';
import { clusterCommand, testCluster, waitForHealthyCluster } from './cluster.js';
import { jobFile, readText } from './job-harness.js';

/**
 * A second ApplicationMaster attempt on the real cluster. The first attempt's AM is lost in the map
 * stage of a word count, once with its NodeManager (`scripts/cluster stop`: the NodeManager
 * unregisters and SIGTERMs its containers, and the RM retries the attempt on the other node) and once
 * by SIGKILL of the AM process. The second attempt reruns the driver from scratch; the application
 * SUCCEEDS on it with the exact counts, one `_SUCCESS`, nothing hidden beside the output, and its
 * staging directory gone. And a job that fails (its driver throws) is not run again, although
 * --max-attempts defaults to 2.
 */
describe('ApplicationMaster attempts', function () {
  this.timeout(300_000);
  const cluster = testCluster();
  const { config, rm, hdfs } = clusterClients();
  const janitor = new AppJanitor();
  const tag = uniqueTag('spindle-it-attempts');
  const base = `/tmp/spindle-it-attempts-${randomBytes(4).toString('hex')}`;
  const expected = new Map<string, number>();
  let stopped: string | undefined;

  // About 1 ms of CPU per word, so that the map stage (8 tasks on 2 executors) lasts long enough
  // to lose the AM in it.
  const job = jobFile(`
export default async function main(ctx, [input, output]) {
  const counts = ctx
    .textFile(input, { minPartitions: 8 })
    .flatMap((l) => l.split(' '))
    .map((w) => { const end = Date.now() + 1; while (Date.now() < end); return [w, 1]; })
    .reduceByKey((a, b) => a + b, 3);
  await counts.map((kv) => kv[0] + ' ' + kv[1]).saveAsTextFile(output);
  return 'saved';
}`);

  before(async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const words = Array.from({ length: 10 }, (_, j) => `w${(i * 7 + j * 13) % 211}`);
      for (const w of words) expected.set(w, (expected.get(w) ?? 0) + 1);
      lines.push(words.join(' '));
    }
    await hdfs.create(`${base}/input/text.txt`, `${lines.join('\n')}\n`);
  });

  after(async () => {
    await janitor.cleanUp();
    if (stopped) clusterCommand('start', stopped);
    await waitForHealthyCluster();
    const c = clusterClients();
    await c.hdfs.delete(base, { recursive: true }).catch(() => {});
    c.hdfs.close();
  });

  /** Starts `spindle submit` on the word count; resolves with the application id and the CLI's end. */
  function submitWordCount(output: string, extra: string[] = []): Promise<{ appId: string; done: Promise<CliResult> }> {
    return submitJob(job, output, extra);
  }

  /** Starts `spindle submit` on a job over the input; resolves with the application id and the CLI's end. */
  async function submitJob(file: string, output: string, extra: string[] = []): Promise<{ appId: string; done: Promise<CliResult> }> {
    let seen: (id: string) => void;
    const submitted = new Promise<string>((resolve) => (seen = resolve));
    const done = spindle(['submit', '--executors', '2', '--tags', tag, ...extra, file, `${base}/input`, output], {
      onStderr: (all) => {
        const m = /(application_\d+_\d+) submitted/.exec(all);
        if (m) seen(m[1]!);
      },
      timeoutMs: 280_000,
    });
    const appId = await Promise.race([submitted, done.then((r) => Promise.reject(new Error(`submit ended early: ${r.stderr}`)))]);
    janitor.add(appId);
    return { appId, done };
  }

  /** Waits until the first attempt's map stage runs and has finished a task; returns the AM container and its node. */
  async function inMapStage(appId: string): Promise<{ containerId: string; node: string }> {
    for (let i = 0; i < 600; i++) {
      const report = await rm.application(appId);
      const [attempt] = await rm.attempts(appId);
      const status = report.state === 'RUNNING' && report.trackingUrl ? await fetchAmStatus(report.trackingUrl) : undefined;
      const map = status?.job?.stages?.find((s) => s.stageId === 0);
      if (attempt?.containerId && attempt.nodeHttpAddress && map?.state === 'running' && map.succeeded >= 1) {
        return { containerId: attempt.containerId, node: attempt.nodeHttpAddress };
      }
      expect(report.state, report.diagnostics).to.be.oneOf(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING']);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${appId} never reached its map stage`);
  }

  /** The application SUCCEEDED on attempt 2 with the exact counts and nothing left over. */
  async function expectSucceededOnAttempt2(appId: string, run: CliResult, output: string, partitions = 3): Promise<void> {
    const report = await rm.application(appId);
    expect(report.finalStatus, `${report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    expect(run.code, run.stderr).to.equal(0);
    const attempts = await rm.attempts(appId);
    expect(
      attempts.map((a) => a.id),
      'attempts',
    ).to.deep.equal([1, 2]);
    expect(run.stderr, run.stderr).to.match(/attempt 2 started after: the ApplicationMaster's container /);

    const names = (await hdfs.listStatus(output)).map((f) => f.name).sort();
    expect(names.filter((n) => n === '_SUCCESS')).to.have.length(1);
    expect(names.filter((n) => n !== '_SUCCESS')).to.deep.equal(Array.from({ length: partitions }, (_, i) => `part-0000${i}`));
    const got = new Map<string, number>();
    for (const n of names.filter((x) => x.startsWith('part-'))) {
      for (const line of (await readText(hdfs, `${output}/${n}`)).split('\n').filter(Boolean)) {
        const [w, c] = line.split(' ');
        expect(got.has(w!), `${w} in two part files`).to.equal(false);
        got.set(w!, Number(c));
      }
    }
    expect(got).to.deep.equal(expected);
    const hidden = (await hdfs.listStatus(base)).map((f) => f.name).filter((n) => n.startsWith('.'));
    expect(hidden, 'hidden directories beside the output').to.deep.equal([]);
    expect(await hdfs.exists(stagingDirFor(config.user, appId)), 'the staging directory').to.equal(false);
  }

  it('survives the loss of the NodeManager running the AM: SUCCEEDS on attempt 2 with exact output', async () => {
    const output = `${base}/nm-lost`;
    const { appId, done } = await submitWordCount(output, ['--max-attempts', '2']);
    const am = await inMapStage(appId);
    const index = cluster.nodeManagerHttp.findIndex((u) => new URL(u).port === am.node.split(':').pop());
    expect(index, `the AM's node ${am.node}`).to.be.at.least(0);
    stopped = `nodemanager${index + 1}`;
    clusterCommand('stop', stopped);
    const run = await done;
    await expectSucceededOnAttempt2(appId, run, output);
    const [, second] = await rm.attempts(appId);
    expect(second!.nodeHttpAddress, 'attempt 2 on the other node').to.not.equal(am.node);
    clusterCommand('start', stopped);
    stopped = undefined;
    await waitForHealthyCluster();
  });

  it('survives a SIGKILL of the AM process in the map stage: SUCCEEDS on attempt 2 with exact output', async () => {
    const output = `${base}/am-killed`;
    const { appId, done } = await submitWordCount(output);
    const am = await inMapStage(appId);
    const pid = amPid(am.containerId);
    expect(pid, `the AM process of ${am.containerId}`).to.be.a('number');
    process.kill(pid!, 'SIGKILL');
    const run = await done;
    await expectSucceededOnAttempt2(appId, run, output);
    expect(run.stderr).to.match(/attempt 2 started after: the ApplicationMaster's container .*SIGKILL/);
    // The AM process itself died at once: no SIGTERM reached it, it said nothing more.
    const [first] = await rm.attempts(appId);
    const amLog = await (await fetch(`http://${first!.nodeHttpAddress}/ws/v1/node/containerlogs/${first!.containerId}/stderr`)).text();
    expect(amLog).to.contain('registered with the ResourceManager');
    expect(amLog).to.not.contain('spindle-am: SIGTERM');
  });

  it('does not commit a save twice: attempt 2 finds the output attempt 1 committed (its _SUCCESS) and skips that save', async () => {
    const output = `${base}/committed-by-1`;
    // The save is quick; the count after it is slow, so that the AM is lost once the output is committed.
    const twoActions = jobFile(`
export default async function main(ctx, [input, output]) {
  const words = ctx.textFile(input, { minPartitions: 8 }).flatMap((l) => l.split(' '));
  await words.map((w) => [w, 1]).reduceByKey((a, b) => a + b, 3).map((kv) => kv[0] + ' ' + kv[1]).saveAsTextFile(output);
  return words.map((w) => { const end = Date.now() + 1; while (Date.now() < end); return w; }).count();
}`);
    const { appId, done } = await submitJob(twoActions, output);
    let am: { containerId: string } | undefined;
    for (let i = 0; i < 600 && !am; i++) {
      const report = await rm.application(appId);
      const status = report.state === 'RUNNING' && report.trackingUrl ? await fetchAmStatus(report.trackingUrl) : undefined;
      const counting = status?.job?.stages?.some((st) => st.stageId >= 2 && st.state === 'running');
      const [attempt] = await rm.attempts(appId);
      if (counting && attempt?.containerId && (await hdfs.exists(`${output}/_SUCCESS`))) am = { containerId: attempt.containerId };
      else await new Promise((r) => setTimeout(r, 200));
    }
    expect(am, 'attempt 1 committed the output and runs the count').to.not.equal(undefined);
    const before = await hdfs.getFileStatus(`${output}/part-00000`);
    const pid = amPid(am!.containerId);
    expect(pid, `the AM process of ${am!.containerId}`).to.be.a('number');
    process.kill(pid!, 'SIGKILL');
    const run = await done;
    await expectSucceededOnAttempt2(appId, run, output);
    expect(run.stdout.trim(), 'the count of attempt 2').to.equal(String([...expected.values()].reduce((a, b) => a + b, 0)));
    const after = await hdfs.getFileStatus(`${output}/part-00000`);
    expect(after.modificationTime, 'the part file attempt 1 committed').to.equal(before.modificationTime);
  });

  it('resumes on attempt 2 after a SIGKILL in the output commit: the journaled count is not computed again, committed partitions stay', async () => {
    const output = `${base}/resumed`;
    // A count, then a save whose result stage is slow (about 40 ms per word), so that the AM dies
    // after the count was journaled and some partitions of the save were committed, not all.
    const resumable = jobFile(`
export default async function main(ctx, [input, output]) {
  const words = ctx.textFile(input, { minPartitions: 8 }).flatMap((l) => l.split(' '));
  const total = await words.count();
  await words
    .map((w) => [w, 1])
    .reduceByKey((a, b) => a + b, 6)
    .map((kv) => { const end = Date.now() + 40; while (Date.now() < end); return kv[0] + ' ' + kv[1]; })
    .saveAsTextFile(output);
  return total;
}`);
    const { appId, done } = await submitJob(resumable, output);
    const staging = `${base}/.resumed.spindle-${appId}-0`;
    let kept: { name: string; modificationTime: number }[] = [];
    let am: { containerId: string } | undefined;
    for (let i = 0; i < 1500 && !am; i++) {
      const parts = (await hdfs.listStatus(staging).catch(() => [])).filter((f) => f.name.startsWith('part-'));
      const [attempt] = await rm.attempts(appId);
      if (parts.length >= 1 && parts.length < 6 && attempt?.containerId) {
        am = { containerId: attempt.containerId };
        const pid = amPid(am.containerId);
        expect(pid, `the AM process of ${am.containerId}`).to.be.a('number');
        process.kill(pid!, 'SIGKILL');
        kept = (await hdfs.listStatus(staging)).filter((f) => f.name.startsWith('part-'));
      } else {
        const report = await rm.application(appId);
        expect(report.state, report.diagnostics).to.be.oneOf(['NEW', 'NEW_SAVING', 'SUBMITTED', 'ACCEPTED', 'RUNNING']);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(am, 'attempt 1 committed some partitions of the save, not all').to.not.equal(undefined);
    const run = await done;
    await expectSucceededOnAttempt2(appId, run, output, 6);
    expect(run.stdout.trim(), 'the count attempt 1 journaled').to.equal(String([...expected.values()].reduce((a, b) => a + b, 0)));
    for (const part of kept) {
      const now = await hdfs.getFileStatus(`${output}/${part.name}`);
      expect(now.modificationTime, `${part.name}, committed by attempt 1, kept as it was`).to.equal(part.modificationTime);
    }
    const [, second] = await rm.attempts(appId);
    const amLog = await (await fetch(`http://${second!.nodeHttpAddress}/ws/v1/node/containerlogs/${second!.containerId}/stderr`)).text();
    expect(amLog).to.match(/an earlier attempt journaled 1 action result/);
    expect(amLog).to.match(/count: the result an earlier attempt of this application journaled; not computed again/);
    // Attempt 1's driver stops as soon as its AM is gone, but may commit a partition before it notices.
    const resumed =
      /saveAsTextFile \S+: an earlier attempt of this application committed (\d+) of 6 partitions; computing the other (\d+)/.exec(amLog);
    expect(resumed, amLog).to.not.equal(null);
    expect(Number(resumed![1])).to.be.at.least(kept.length).and.below(6);
    expect(Number(resumed![1]) + Number(resumed![2])).to.equal(6);
  });

  it('a kill through the RM (not `spindle kill`, which removes it too): the AM removes the staging directory, attempt 1 of 2', async () => {
    const sleeper = jobFile(`export default async function main() { await new Promise((r) => setTimeout(r, 600_000)); }`);
    const run = await spindle(['submit', '--detach', '--tags', tag, sleeper]);
    janitor.add(...run.appIds);
    const [appId] = run.appIds;
    expect(run.code, run.stderr).to.equal(0);
    await rm.waitForState(appId!, ['RUNNING'], { timeoutMs: 60_000 });
    const staging = stagingDirFor(config.user, appId!);
    expect(await hdfs.exists(staging)).to.equal(true);
    const killed = await rm.kill(appId!, { timeoutMs: 30_000 });
    expect(killed.state).to.equal('KILLED');
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = !(await hdfs.exists(staging));
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    const [attempt] = await rm.attempts(appId!);
    const amLog = await (await fetch(`http://${attempt!.nodeHttpAddress}/ws/v1/node/containerlogs/${attempt!.containerId}/stderr`)).text();
    expect(gone, `the staging directory after the kill; the AM said:\n${amLog}`).to.equal(true);
    expect(amLog).to.match(/attempt 1 of 2 in container_/);
    expect(amLog).to.match(/spindle-am: the application is (KILLING|KILLED|FINAL_SAVING|RUNNING), .*: the application is over/);
  });

  it('does not run a failing job twice: the driver threw, the AM unregistered FAILED, one attempt of the default 2', async () => {
    const failing = jobFile(`export default async function main() { throw new Error('user error in main'); }`);
    const run = await spindle(['submit', '--tags', tag, failing]);
    janitor.add(...run.appIds);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.contain('user error in main');
    expect(run.stderr).to.not.contain('attempt 2 started');
    const [appId] = run.appIds;
    const report = await rm.application(appId!);
    expect(report.finalStatus).to.equal('FAILED');
    const attempts = await rm.attempts(appId!);
    expect(attempts.map((a) => a.id)).to.deep.equal([1]);
    const amLog = await (
      await fetch(`http://${attempts[0]!.nodeHttpAddress}/ws/v1/node/containerlogs/${attempts[0]!.containerId}/stderr`)
    ).text();
    expect(amLog, 'the default --max-attempts').to.match(/attempt 1 of 2 in container_/);
    expect(await hdfs.exists(stagingDirFor(config.user, appId!)), 'the staging directory').to.equal(false);
  });
});

/** The pid of the AM's Node process (spindle-am.mjs) running in container `containerId` on this host. */
function amPid(containerId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      // The Node process itself, not the launch script's `bash -c "node … spindle-am.mjs 1>…"` around it.
      const argv = cmdline.split('\0');
      if (argv.includes('spindle-am.mjs') && readlinkSync(`/proc/${entry}/cwd`).endsWith(`/${containerId}`)) return Number(entry);
    } catch {
      // A process that ended while we looked, or one we may not inspect.
    }
  }
  return undefined;
}
