import { expect } from 'chai';
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import { openHarness, readText, runJob, type JobHarness } from './job-harness.js';

/**
 * JSON lines and Avro on the real cluster: an Avro file written elsewhere (avsc) over many 4 KiB
 * HDFS blocks splits at sync markers and reads back every record once; saveAsAvroFile and
 * avroFile round-trip records with unions, arrays, maps and nullable fields; jsonFile reads JSON
 * lines and saveAsJsonFile writes them.
 */
describe('job engine on the real cluster: JSON lines and Avro', function () {
  this.timeout(300_000);
  let h: JobHarness;
  const base = `/tmp/spindle-it-jobfmt-${randomBytes(4).toString('hex')}`;

  const SCHEMA = {
    type: 'record',
    name: 'Visit',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'user', type: 'string' },
      { name: 'referrer', type: ['null', 'string'], default: null },
      { name: 'pages', type: { type: 'array', items: 'string' } },
      { name: 'counters', type: { type: 'map', values: 'int' } },
      { name: 'value', type: ['null', 'double', 'string'], default: null },
    ],
  };
  const visit = (i: number) => ({
    id: i,
    user: `u${i % 17}-ü`,
    referrer: i % 3 === 0 ? null : `https://ref/${i}`,
    pages: Array.from({ length: i % 4 }, (_, k) => `/p/${k}`),
    counters: { views: i % 11, clicks: i % 5 },
    value: i % 5 === 0 ? null : i % 5 === 1 ? i / 4 : `v${i}`,
  });

  before(async () => {
    h = openHarness();
    await h.hdfs.mkdirs(base);
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => {});
    await h.close();
  });

  it('reads an Avro file of many blocks split at sync markers, and round-trips saveAsAvroFile', async () => {
    const encoder = new avro.streams.BlockEncoder(SCHEMA as avro.Schema, { blockSize: 300, codec: 'deflate' });
    const chunks: Buffer[] = [];
    encoder.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => encoder.on('end', r));
    for (let i = 0; i < 1500; i++) encoder.write(visit(i));
    encoder.end();
    await ended;
    const file = Buffer.concat(chunks);
    await h.hdfs.create(`${base}/visits/v.avro`, file, { blockSize: 4096 });
    const blocks = await h.hdfs.getFileBlockLocations(`${base}/visits/v.avro`);
    expect(blocks.length).to.be.greaterThan(5);

    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, out]) {
  const visits = ctx.avroFile(input);
  const schema = ${JSON.stringify(SCHEMA)};
  await visits.filter((v) => v.referrer !== null).saveAsAvroFile(out, schema);
  const back = ctx.avroFile(out);
  return {
    partitions: await visits.numPartitions(),
    ids: await visits.map((v) => v.id).collect(),
    first: await visits.first(),
    saved: await back.count(),
    sample: await back.filter((v) => v.id === 1 || v.id === 5 || v.id === 7).collect(),
  };
}`,
      args: [`${base}/visits`, `${base}/avro-out`],
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    const r = run.result as { partitions: number; ids: number[]; first: unknown; saved: number; sample: unknown[] };
    expect(r.partitions).to.equal(blocks.length);
    expect(r.ids).to.deep.equal(Array.from({ length: 1500 }, (_, i) => i));
    expect(r.first).to.deep.equal(visit(0));
    expect(r.saved).to.equal(1000);
    expect(r.sample).to.deep.equal([visit(1), visit(5), visit(7)]);
    const names = (await h.hdfs.listStatus(`${base}/avro-out`)).map((f) => f.name);
    expect(names).to.include('_SUCCESS');
    expect(names.filter((n) => n.startsWith('part-')).every((n) => /^part-\d{5}\.avro$/.test(n))).to.equal(true);
  });

  it('reads JSON lines and writes them with saveAsJsonFile', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify({ shop: `s${i % 7}`, amount: i, tags: i % 2 ? ['x'] : [] }));
    await h.hdfs.create(`${base}/sales/part-1.json`, `${lines.slice(0, 250).join('\n')}\n\n`, { blockSize: 4096 });
    await h.hdfs.create(`${base}/sales/part-2.json`, `${lines.slice(250).join('\r\n')}`, { blockSize: 4096 });
    const run = await runJob(h, {
      source: `
export default async function main(ctx, [input, out]) {
  const sales = ctx.jsonFile(input);
  const totals = await sales.aggregate({}, (acc, s) => { acc[s.shop] = (acc[s.shop] ?? 0) + s.amount; return acc; },
    (a, b) => { for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v; return a; });
  await sales.filter((s) => s.tags.length > 0).map((s) => ({ shop: s.shop, amount: s.amount })).saveAsJsonFile(out);
  return { count: await sales.count(), totals };
}`,
      args: [`${base}/sales`, `${base}/json-out`],
    });
    expect(run.report.finalStatus, `${run.report.diagnostics}\n${run.stderr}`).to.equal('SUCCEEDED');
    const expectedTotals: Record<string, number> = {};
    for (let i = 0; i < 500; i++) expectedTotals[`s${i % 7}`] = (expectedTotals[`s${i % 7}`] ?? 0) + i;
    expect(run.result).to.deep.equal({ count: 500, totals: expectedTotals });
    let written: unknown[] = [];
    const parts = (await h.hdfs.listStatus(`${base}/json-out`))
      .map((f) => f.name)
      .filter((n) => n.startsWith('part-'))
      .sort();
    for (const p of parts)
      written = written.concat(
        (await readText(h.hdfs, `${base}/json-out/${p}`))
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
    expect(written).to.deep.equal(Array.from({ length: 250 }, (_, k) => ({ shop: `s${(2 * k + 1) % 7}`, amount: 2 * k + 1 })));
  });
});
