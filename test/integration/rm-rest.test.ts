/**
 * The RM REST client against the real local cluster (scripts/cluster). Applications started here run
 * `sleep` as their "AM": the container really launches, but a shell command never registers with the
 * RM, so such an application stays ACCEPTED (attempt LAUNCHED) until killed. Every application started
 * here is killed in `after`.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { InvalidRequestError, NotFoundError } from '../../protocols/errors/index.js';
import { RmRestClient, type AppReport, type AppSubmission } from '../../protocols/rm-rest/index.js';
import { testCluster } from './cluster.js';

const cluster = testCluster();
const rm = new RmRestClient({ rmUrls: [cluster.rmHttp], user: cluster.user });
const started: string[] = [];
const runTag = `spindle-it-${randomBytes(4).toString('hex')}`;

async function submitSleeper(overrides: Partial<AppSubmission> = {}, client = rm): Promise<string> {
  const { applicationId } = await client.newApplication();
  started.push(applicationId);
  await client.submit({
    applicationId,
    name: 'rm-rest-it-sleep',
    queue: 'default',
    amContainerSpec: { commands: ['sleep', '60'], environment: { SPINDLE_IT: '1' } },
    resource: { memoryMb: 128, vcores: 1 },
    applicationType: 'SPINDLE-IT',
    maxAppAttempts: 1,
    tags: [runTag],
    ...overrides,
  });
  return applicationId;
}

/** Polls (real time; this is the integration tier) until the AM container has been launched. */
async function untilAmLaunched(appId: string, timeoutMs = 60_000): Promise<AppReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await rm.application(appId);
    if (report.runningContainers >= 1 && report.amHostHttpAddress) return report;
    if (['FINISHED', 'FAILED', 'KILLED'].includes(report.state)) {
      throw new Error(`${appId} ended ${report.state} before its AM launched: ${report.diagnostics}`);
    }
    if (Date.now() > deadline) throw new Error(`${appId} AM not launched after ${timeoutMs} ms (state ${report.state})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('rm-rest against the real ResourceManager', function () {
  this.timeout(120_000);

  after(async () => {
    for (const id of started) {
      await rm.kill(id, { timeoutMs: 30_000 }).catch(() => undefined);
    }
  });

  it('reads cluster info and metrics: one active RM, two active NodeManagers', async () => {
    const info = await rm.clusterInfo();
    expect(info.haState).to.equal('ACTIVE');
    expect(info.state).to.equal('STARTED');
    expect(info.hadoopVersion).to.match(/^3\.\d+\.\d+/);
    const metrics = await rm.clusterMetrics();
    expect(metrics.activeNodes).to.equal(2);
    expect(metrics.totalMb).to.be.greaterThan(0);
    expect(metrics.totalVcores).to.be.greaterThan(0);
  });

  it('lists the two running NodeManagers', async () => {
    const nodes = await rm.nodes({ states: ['RUNNING'] });
    expect(nodes).to.have.length(2);
    const ports = nodes.map((n) => n.nodeHttpAddress.split(':').pop()).sort();
    expect(ports).to.deep.equal(cluster.nodeManagerHttp.map((u) => new URL(u).port).sort());
    for (const n of nodes) expect(n.availMemoryMb + n.usedMemoryMb).to.be.greaterThan(0);
    expect(await rm.nodes({ states: ['LOST'] })).to.deep.equal([]);
  });

  it('submits a sleeping AM, finds it by state/type/tag, and kills it within seconds', async () => {
    const max = (await rm.newApplication()).maximumResourceCapability;
    expect(max.memoryMb).to.be.at.least(128);
    expect(max.vcores).to.be.at.least(1);

    const appId = await submitSleeper();
    const report = await untilAmLaunched(appId);
    expect(report.state).to.equal('ACCEPTED');
    expect(report.name).to.equal('rm-rest-it-sleep');
    expect(report.applicationType).to.equal('SPINDLE-IT');
    expect(report.user).to.equal(cluster.user);
    expect(report.allocatedMb).to.equal(128);
    expect(await rm.state(appId)).to.equal('ACCEPTED');

    const attempts = await rm.attempts(appId);
    expect(attempts).to.have.length(1);
    expect(attempts[0]!.containerId).to.match(/^container_.*_01_000001$/);

    const found = await rm.list({ states: ['ACCEPTED', 'RUNNING'], applicationTypes: ['SPINDLE-IT'], tags: [runTag] });
    expect(found.map((a) => a.id)).to.deep.equal([appId]);
    expect(await rm.list({ states: ['FINISHED'], tags: [runTag] })).to.deep.equal([]);
    expect(await rm.list({ tags: [`${runTag}-nope`] })).to.deep.equal([]);

    const t0 = Date.now();
    const killed = await rm.kill(appId, { timeoutMs: 30_000 });
    expect(killed.state).to.equal('KILLED');
    expect(killed.finalStatus).to.equal('KILLED');
    expect(Date.now() - t0).to.be.below(15_000);

    // Killing a finished application again is not an error.
    expect((await rm.kill(appId)).state).to.equal('KILLED');
  });

  it('round-trips tags (YARN lower-cases them) and a single tag', async () => {
    const many = await submitSleeper({ tags: [runTag, 'Mixed-Case', 'second'] });
    const one = await submitSleeper({ tags: [`${runTag}-solo`] });
    expect((await rm.application(many)).tags.sort()).to.deep.equal([runTag, 'mixed-case', 'second'].sort());
    expect((await rm.application(one)).tags).to.deep.equal([`${runTag}-solo`]);
    // The tag filter matches case-insensitively.
    const byTag = await rm.list({ tags: ['MIXED-CASE'] });
    expect(byTag.map((a) => a.id)).to.include(many);
    await Promise.all([rm.kill(many), rm.kill(one)]);
  });

  it('runs the submission as the user.name user (simple auth is honoured by the RM)', async () => {
    const other = new RmRestClient({ rmUrls: [cluster.rmHttp], user: 'spindle-it-other' });
    const appId = await submitSleeper({}, other);
    expect((await rm.application(appId)).user).to.equal('spindle-it-other');
    await rm.kill(appId);
  });

  it('an unknown application id → NotFoundError naming the id', async () => {
    const id = 'application_1000000000000_9999';
    const err = await rm.application(id).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotFoundError);
    expect((err as Error).message).to.contain(id);
    expect(await rm.kill(id).catch((e: unknown) => e)).to.be.instanceOf(NotFoundError);
  });

  it('asking for more memory than the cluster maximum → InvalidRequestError saying so', async () => {
    const { applicationId, maximumResourceCapability } = await rm.newApplication();
    const err = await rm
      .submit({
        applicationId,
        name: 'rm-rest-it-too-big',
        amContainerSpec: { commands: ['sleep', '1'] },
        resource: { memoryMb: maximumResourceCapability.memoryMb * 4, vcores: 1 },
      })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidRequestError);
    expect((err as Error).message).to.match(/more memory than configured max/);
    expect((err as Error).message).to.contain(applicationId);
  });

  it('the raw empty app list is a shape the parser knows', async () => {
    const res = await fetch(`${cluster.rmHttp}/ws/v1/cluster/apps?applicationTags=${runTag}-never`);
    const body = (await res.json()) as unknown;
    expect([{ apps: {} }, { apps: null }, { apps: '' }, {}]).to.deep.include(body);
    expect(await rm.list({ tags: [`${runTag}-never`] })).to.deep.equal([]);
  });
});
