import { expect } from 'chai';
import { request } from 'node:http';
import { amContainer, containerLog, openHarness, runJob, submitJob, type JobHarness } from './job-harness.js';

/** GET `url` from a given local address (any 127.x.y.z is this machine); no redirect is followed. */
function getFrom(url: string, localAddress: string): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * What users watch: the job's progress (stages, tasks done and running, records) served by the AM
 * at its tracking URL and reachable through the ResourceManager's web proxy; and executors with
 * several cores running tasks in parallel worker threads.
 */
describe('job engine on the real cluster: status and executor cores', function () {
  this.timeout(300_000);
  let h: JobHarness;

  before(() => {
    h = openHarness();
  });
  after(async () => {
    await h.close();
  });

  it('serves the job status through the RM web proxy while the job runs', async () => {
    const appId = await submitJob(h, {
      source: `
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx) {
  return ctx.range(60, 60).map((x) => { busy(400); return x; }).count();
}`,
    });
    const proxy = `${h.config.yarn.rmWebUrls[0]}/proxy/${appId}/`;
    type JobStatus = { stages: { description: string; tasks: number; succeeded: number; running: number; state: string }[] };
    let seen: JobStatus | undefined;
    for (let i = 0; i < 240 && !seen; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(proxy, { headers: { accept: 'application/json' } }).catch(() => undefined);
      if (!res?.ok) continue;
      const text = await res.text();
      let body: { job?: JobStatus };
      try {
        body = JSON.parse(text);
      } catch {
        continue;
      }
      const stage = body.job?.stages.find((s) => s.state === 'running' && s.succeeded > 0);
      if (stage) seen = body.job;
    }
    expect(seen, 'a running stage seen through the proxy').to.not.equal(undefined);
    const stage = seen!.stages.find((s) => s.state === 'running')!;
    expect(stage.description).to.equal('count of range(60) → map');
    expect(stage.tasks).to.equal(60);
    expect(stage.running).to.be.greaterThan(0);

    // As Hadoop's AmIpFilter: a caller that is not the proxy is sent to the proxy, and that path works.
    const am = await amContainer(h, appId);
    const amLog = await containerLog(am.nodeHttp, am.containerId, 'stderr', h.user);
    const direct = /tracking URL (http:\/\/\S+\/)/.exec(amLog)?.[1];
    expect(direct, amLog).to.be.a('string');
    const stranger = await getFrom(direct!, '127.0.0.2');
    expect(stranger.status).to.equal(302);
    expect(stranger.body).to.equal('');
    expect(stranger.location).to.equal(`${h.config.yarn.rmWebUrls[0]}/proxy/redirect/${appId}/`);
    const followed = await getFrom(stranger.location!, '127.0.0.2');
    expect(followed.status, followed.body.slice(0, 300)).to.equal(200);
    expect(JSON.parse(followed.body).appId).to.equal(appId);

    const report = await h.rm.waitForState(appId, ['FINISHED', 'FAILED', 'KILLED'], { timeoutMs: 120_000 });
    expect(report.finalStatus).to.equal('SUCCEEDED');
  });

  it('runs tasks in parallel worker threads with --executor-cores 2', async () => {
    const run = await runJob(h, {
      source: `
import { threadId } from 'node:worker_threads';
const busy = (ms) => { const end = Date.now() + ms; while (Date.now() < end); };
export default async function main(ctx) {
  const threads = await ctx.range(16, 16).map(() => { busy(200); return process.pid + ':' + threadId; }).collect();
  return { distinct: new Set(threads).size, sum: await ctx.range(1000, 8).reduce((a, b) => a + b) };
}`,
      executors: 1,
      executorCores: 2,
      executorMemoryMb: 512,
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ distinct: 2, sum: 499500 });
  });
});
