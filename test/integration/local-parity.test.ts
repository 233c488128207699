import { expect } from 'chai';
import avro from 'avsc';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, testCluster } from './cluster.js';
import { openHarness, runJob, type JobHarness } from './job-harness.js';

/**
 * Parity: every example in examples/ runs in local mode (`spindle submit --local=2`, with no Hadoop
 * configuration and only `node` on the PATH) and on the real cluster (2 executors) on the same
 * input, and gives the same result line and the same output files (the same part files, each with
 * the same lines; only pi's random estimate and hello-driver's executor settings differ by nature).
 */
interface Inputs {
  text: string;
  logs: string;
  sales: string;
  events: Buffer;
  customers: string;
  orders: string;
}

interface Case {
  /** [job args] given where the inputs are (a local directory or an HDFS one). */
  args: (dir: string) => string[];
  /** Output directories (relative to `dir`) to compare. */
  outputs: string[];
  /**
   * Range-partitioned output: the partition bounds come from a random sample, so compare the whole
   * output in part order (the same sorted sequence of keys) rather than file by file.
   */
  ranged?: boolean;
  /** Compares the two results when they may not be equal. */
  compare?: (local: unknown, cluster: unknown) => void;
}

/**
 * Word count's top 10: the same counts in the same order, and the same words for every count above
 * the last one (words of equal count come in any order, and the cut may fall among them).
 */
function sameTop(local: unknown, cluster: unknown): void {
  type R = { words: number; distinct: number; top: [string, number][] };
  const [l, c] = [local as R, cluster as R];
  expect([l.words, l.distinct]).to.deep.equal([c.words, c.distinct]);
  expect(l.top.map((kv) => kv[1])).to.deep.equal(c.top.map((kv) => kv[1]));
  const cut = c.top[c.top.length - 1]![1];
  const above = (r: R) =>
    r.top
      .filter((kv) => kv[1] > cut)
      .map((kv) => kv.join(':'))
      .sort();
  expect(above(l)).to.deep.equal(above(c));
}

const CASES: Record<string, Case> = {
  'wordcount.ts': { args: (d) => [`${d}/in/book.txt`, `${d}/out/wc-ts`, '3'], outputs: ['out/wc-ts'], compare: sameTop },
  'wordcount.mjs': { args: (d) => [`${d}/in/book.txt`, `${d}/out/wc-mjs`, '3'], outputs: ['out/wc-mjs'], compare: sameTop },
  'grep.mjs': { args: (d) => [`${d}/in/logs`, 'ERROR', `${d}/out/grep`], outputs: ['out/grep'] },
  'json-aggregate.mjs': { args: (d) => [`${d}/in/sales`, `${d}/out/top`, '2'], outputs: ['out/top'] },
  'avro-filter.mjs': { args: (d) => [`${d}/in/events`, `${d}/out/purchases`, 'purchase'], outputs: ['out/purchases'] },
  'join.mjs': { args: (d) => [`${d}/in/customers.jsonl`, `${d}/in/orders.jsonl`, `${d}/out/revenue`], outputs: ['out/revenue'] },
  'bad-records.ts': {
    args: (d) => [`${d}/in/mixed.jsonl`, `${d}/out/clean`],
    outputs: ['out/clean'],
    compare: (local, cluster) => {
      expect(local).to.deep.equal(cluster);
      expect(cluster).to.deep.include({ unparsable: 2, shopsWithoutAmount: ['lima', 'oslo'] });
    },
  },
  'sort.mjs': { args: (d) => ['5000', `${d}/out/sorted`, '4'], outputs: ['out/sorted'], ranged: true },
  'pi.mjs': {
    args: () => ['200000', '4'],
    outputs: [],
    compare: (local, cluster) => {
      for (const r of [local, cluster] as { pi: number; points: number }[]) {
        expect(r.points).to.equal(200_000);
        expect(r.pi).to.be.closeTo(Math.PI, 0.05);
      }
    },
  },
  // A plain program (no main): its own stdout. The executor settings it prints exist only on a cluster.
  'hello-driver.mjs': {
    args: () => ['Ada', 'Grace'],
    outputs: [],
    compare: (local, cluster) => expect(String(local).split('\n')[0]).to.equal(String(cluster).split('\n')[0]),
  },
};

async function inputs(): Promise<Inputs> {
  const words = 'the quick brown fox jumps over the lazy dog and the cat sat on the mat with a hat'.split(' ');
  const text = Array.from({ length: 3000 }, (_, i) => words.slice(i % 7, (i % 7) + 1 + (i % 11)).join(' ')).join('\n');
  const logs = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? `${i} ERROR disk full` : `${i} ok`)).join('\n');
  const sales = Array.from({ length: 300 }, (_, i) => JSON.stringify({ shop: ['berlin', 'paris', 'rome'][i % 3], amount: i })).join('\n');
  const customers = Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i, country: ['de', 'fr', 'it', 'es'][i % 4] })).join('\n');
  const orders = Array.from({ length: 400 }, (_, i) => JSON.stringify({ customer: i % 23, amount: i })).join('\n');
  const schema = avro.Type.forSchema({
    type: 'record',
    name: 'Event',
    fields: [
      { name: 'type', type: 'string' },
      { name: 'user', type: 'string' },
      { name: 'amount', type: ['null', 'double'], default: null },
      { name: 'tags', type: { type: 'array', items: 'string' } },
    ],
  });
  const blocks: Buffer[] = [];
  const encoder = new avro.streams.BlockEncoder(schema, { blockSize: 512, syncMarker: Buffer.alloc(16, 7) });
  encoder.on('data', (c: Buffer) => blocks.push(c));
  const ended = new Promise((resolve) => encoder.on('end', resolve));
  for (let i = 0; i < 600; i++)
    encoder.write({ type: i % 4 === 0 ? 'purchase' : 'view', user: `u${i}`, amount: i % 8 === 0 ? null : i, tags: [] });
  encoder.end();
  await ended;
  return { text, logs, sales, events: Buffer.concat(blocks), customers, orders };
}

/**
 * Part files of an output directory, each as its sorted records (order within a partition may vary
 * between runs): lines of text, or Avro records decoded (the sync marker of each file is random).
 */
type Parts = Record<string, string[]>;
async function partRecords(name: string, bytes: Buffer): Promise<string[]> {
  if (!name.startsWith('part-')) return [];
  if (!name.endsWith('.avro'))
    return bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  const records: string[] = [];
  const decoder = new avro.streams.BlockDecoder();
  decoder.on('data', (r: unknown) => records.push(JSON.stringify(r)));
  const ended = new Promise((resolve, reject) => decoder.once('end', resolve).once('error', reject));
  decoder.end(bytes);
  await ended;
  return records.sort();
}

/** The keys of range-partitioned JSON output in part order, and every record. */
function rangedView(parts: Record<string, Buffer>): { keys: unknown[]; records: string[] } {
  const names = Object.keys(parts)
    .filter((n) => n.startsWith('part-'))
    .sort();
  const lines = names.flatMap((n) =>
    parts[n]!.toString('utf8')
      .split('\n')
      .filter((l) => l !== ''),
  );
  return { keys: lines.map((l) => (JSON.parse(l) as { key: unknown }).key), records: [...lines].sort() };
}

describe('examples: local mode and the cluster give the same output', function () {
  this.timeout(600_000);
  let h: JobHarness;
  let local: string;
  let bin: string;
  const base = `/tmp/spindle-it-parity-${randomBytes(4).toString('hex')}`;

  before(async () => {
    h = openHarness();
    local = mkdtempSync(join(tmpdir(), 'spindle-parity-'));
    bin = join(local, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const data = await inputs();
    const files: [string, string | Buffer][] = [
      ['in/book.txt', data.text],
      ['in/logs/app.log', data.logs],
      ['in/sales/orders.json', data.sales],
      ['in/events/e.avro', data.events],
      ['in/customers.jsonl', data.customers],
      ['in/orders.jsonl', data.orders],
      // bad-records.ts: good records, lines that do not parse, and records without an amount.
      ['in/mixed.jsonl', `${data.sales}\nnot json\n{"shop":"oslo"}\n{broken\n{"shop":"lima","amount":"x"}\n`],
    ];
    for (const [name, body] of files) {
      mkdirSync(join(local, name, '..'), { recursive: true });
      writeFileSync(join(local, name), body);
      await h.hdfs.create(`${base}/${name}`, body);
    }
  });
  after(async () => {
    await h.hdfs.delete(base, { recursive: true }).catch(() => false);
    await h.close();
    rmSync(local, { recursive: true, force: true });
  });

  /** `spindle submit --local=2` with no HADOOP_CONF_DIR (unless given) and a PATH holding only node. */
  function submitLocal(file: string, args: string[], confDir?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const env = { PATH: bin, HOME: process.env.HOME ?? local, TMPDIR: tmpdir(), ...(confDir ? { HADOOP_CONF_DIR: confDir } : {}) };
    return new Promise((resolve) => {
      const child = spawn(join(bin, 'node'), [join(repoRoot, 'dist', 'client', 'cli.js'), 'submit', '--local=2', file, ...args], {
        cwd: local,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  async function clusterFiles(dir: string): Promise<Record<string, Buffer>> {
    const out: Record<string, Buffer> = {};
    for (const f of await h.hdfs.listStatus(dir)) {
      const chunks: Buffer[] = [];
      for await (const c of await h.hdfs.open(f.path)) chunks.push(c as Buffer);
      out[f.name] = Buffer.concat(chunks);
    }
    return out;
  }

  function localFiles(dir: string): Record<string, Buffer> {
    return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  }

  async function records(files: Record<string, Buffer>): Promise<Parts> {
    const entries = await Promise.all(Object.entries(files).map(async ([name, bytes]) => [name, await partRecords(name, bytes)] as const));
    return Object.fromEntries(entries);
  }

  it('has a case for every example', () => {
    const examples = readdirSync(join(repoRoot, 'examples')).filter((f) => /\.(m?js|m?ts)$/.test(f) && !/\.test\.m?[jt]s$/.test(f));
    expect(examples.sort()).to.deep.equal(Object.keys(CASES).sort());
  });

  it("a local driver reads and writes the cluster's HDFS through hdfs:// URIs when HADOOP_CONF_DIR is set", async () => {
    const { confDir, defaultFs } = testCluster();
    const file = join(repoRoot, 'examples', 'grep.mjs');
    const run = await submitLocal(file, [`${defaultFs}${base}/in/logs`, 'ERROR', `${defaultFs}${base}/out/grep-from-local`], confDir);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.deep.equal({ lines: 500, matches: 72 });
    const names = (await h.hdfs.listStatus(`${base}/out/grep-from-local`)).map((f) => f.name);
    expect(names).to.include('_SUCCESS');
    const without = await submitLocal(file, [`${defaultFs}${base}/in/logs`, 'ERROR', join(local, 'out', 'nope')]);
    expect(without.code).to.equal(1);
    expect(without.stderr).to.match(/needs the cluster's configuration \(set HADOOP_CONF_DIR\)/);
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}`, async () => {
      const file = join(repoRoot, 'examples', name);
      const [l, cl] = await Promise.all([submitLocal(file, c.args(local)), runJob(h, { file, args: c.args(base), executors: 2 })]);
      expect(l.code, l.stderr).to.equal(0);
      expect(cl.report.finalStatus, cl.stderr).to.equal('SUCCEEDED');
      const plain = name === 'hello-driver.mjs';
      const localResult = plain ? l.stdout : JSON.parse(l.stdout);
      const clusterResult = plain ? cl.stdout : cl.result;
      if (c.compare) c.compare(localResult, clusterResult);
      else expect(localResult).to.deep.equal(clusterResult);
      for (const out of c.outputs) {
        const [want, got] = [await clusterFiles(`${base}/${out}`), localFiles(join(local, out))];
        expect(Object.keys(want)).to.include('_SUCCESS');
        expect(Object.keys(got).sort(), out).to.deep.equal(Object.keys(want).sort());
        if (c.ranged) expect(rangedView(got), out).to.deep.equal(rangedView(want));
        else expect(await records(got), out).to.deep.equal(await records(want));
      }
    });
  }
});
