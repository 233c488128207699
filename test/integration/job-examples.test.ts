import { expect } from 'chai';
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './cluster.js';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/** The examples in examples/ run on the real cluster and give the answers they promise. */
describe('job examples on the real cluster', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-examples-${randomBytes(4).toString('hex')}`;
  const example = (name: string): string => join(repoRoot, 'examples', name);

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('pi.mjs estimates pi', async () => {
    const run = await runJob(h, { file: example('pi.mjs'), args: ['2000000', '8'] });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const r = run.result as { pi: number; points: number };
    expect(r.points).to.equal(2_000_000);
    expect(r.pi).to.be.closeTo(Math.PI, 0.01);
  });

  it('grep.mjs saves the matching lines and counts them', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `${i} ERROR disk full` : `${i} ok`));
    await h.hdfs.create(`${base}/logs/app.log`, `${lines.join('\n')}\n`, { blockSize: 4096 });
    const run = await runJob(h, { file: example('grep.mjs'), args: [`${base}/logs`, 'ERROR', `${base}/errors`] });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ lines: 300, matches: 43 });
    const parts = (await h.hdfs.listStatus(`${base}/errors`))
      .map((f) => f.name)
      .filter((n) => n.startsWith('part-'))
      .sort();
    let text = '';
    for (const p of parts) text += await readText(h.hdfs, `${base}/errors/${p}`);
    expect(text).to.equal(
      lines
        .filter((l) => l.includes('ERROR'))
        .map((l) => `${l}\n`)
        .join(''),
    );
  });

  it('json-aggregate.mjs totals revenue per shop', async () => {
    const orders = Array.from({ length: 200 }, (_, i) => JSON.stringify({ shop: ['berlin', 'paris', 'rome'][i % 3], amount: i, items: 1 }));
    await h.hdfs.create(`${base}/sales/orders.json`, orders.join('\n'), { blockSize: 4096 });
    const run = await runJob(h, { file: example('json-aggregate.mjs'), args: [`${base}/sales`, `${base}/top`, '2'] });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    const sum = (k: number) =>
      Array.from({ length: 200 }, (_, i) => i)
        .filter((i) => i % 3 === k)
        .reduce((a, b) => a + b, 0);
    expect(run.result).to.deep.equal({
      shops: 3,
      top: [
        { shop: 'paris', revenue: sum(1), orders: 67 },
        { shop: 'berlin', revenue: sum(0), orders: 67 },
      ],
    });
    expect((await readText(h.hdfs, `${base}/top/part-00000`)).trim().split('\n')).to.have.length(2);
  });

  it('avro-filter.mjs keeps the events of one type', async () => {
    const schema = {
      type: 'record',
      name: 'Event',
      fields: [
        { name: 'type', type: 'string' },
        { name: 'user', type: 'string' },
        { name: 'amount', type: ['null', 'double'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' } },
      ],
    };
    const encoder = new avro.streams.BlockEncoder(schema as avro.Schema, { blockSize: 256 });
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => encoder.on('end', r));
    for (let i = 0; i < 400; i++)
      encoder.write({ type: i % 4 === 0 ? 'purchase' : 'view', user: `u${i}`, amount: i % 8 === 0 ? null : i, tags: [] });
    encoder.end();
    await ended;
    await h.hdfs.create(`${base}/events/e.avro`, Buffer.concat(chunks), { blockSize: 4096 });
    const run = await runJob(h, { file: example('avro-filter.mjs'), args: [`${base}/events`, `${base}/purchases`] });
    expect(run.report.finalStatus, run.stderr).to.equal('SUCCEEDED');
    expect(run.result).to.deep.equal({ events: 400, kept: 100 });
  });
});
