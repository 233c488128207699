/**
 * Word count's map side in one process (a benchmark, not a test): the executor's own code path
 * (text split → fused flatMap/map → shuffle writer with map-side combining) against the plain loop
 * of the same functions (bench/lib/local-count.ts), over the same byte range of a file in HDFS,
 * alternately, several times. No YARN: this isolates the engine's per-record cost from the cluster.
 *
 *   node dist/bench/map-side.js [--mib 256] [--runs 5]
 *
 * Uses the file bench/wordcount.ts leaves in HDFS (generated if missing); reads its first half.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePartition, type PreparedNode, type PreparedStage } from '../executor/compute.js';
import type { RecordOp, SourceOp } from '../protocols/driver-executor/index.js';
import { SourceCache } from '../executor/sources.js';
import { writeShuffle } from '../executor/shuffle-writer.js';
import { openHarness } from '../test/integration/job-harness.js';
import { countRange, hdfsFile, flatMapFn, mapFn, reduceFn } from './lib/local-count.js';
import { median, numberFlags } from './lib/stats.js';
import { textData } from './lib/text-data.js';
import { errorStack } from '../protocols/errors/index.js';

const MiB = 1024 * 1024;
type Fn = (...args: unknown[]) => unknown;

/** textFile → flatMap → map as the executor prepares it, with the job's functions. */
function wordPairs(): PreparedStage {
  const node = (id: number, op: SourceOp | RecordOp, fns: Fn[]): PreparedNode => ({
    id,
    op,
    parents: id === 0 ? [] : [id - 1],
    numPartitions: 1,
    fns,
    params: null,
  });
  const nodes = new Map<number, PreparedNode>([
    [0, node(0, 'text', [])],
    [1, node(1, 'flatMap', [flatMapFn as Fn])],
    [2, node(2, 'map', [mapFn as Fn])],
  ]);
  return { plan: {} as PreparedStage['plan'], nodes, action: { kind: 'count', fns: [], params: null } };
}

async function main(): Promise<void> {
  const flags = numberFlags(process.argv.slice(2), { mib: 256, runs: 5 });
  const h = openHarness();
  const dir = mkdtempSync(join(tmpdir(), 'spindle-map-side-'));
  try {
    const path = `/user/${h.user}/spindle-bench/wordcount-shuffle-${flags.mib}MiB.txt`;
    const status = await h.hdfs.getFileStatus(path).catch(() => undefined);
    let length = status?.length ?? 0;
    if (!status) {
      const data = textData(flags.mib * MiB);
      await h.hdfs.mkdirs(`/user/${h.user}/spindle-bench`);
      await h.hdfs.create(path, data.stream, { overwrite: true });
      length = data.totals.bytes;
    }
    const end = Math.ceil(length / 2);
    console.log(`input: the first half of ${path} (${(end / MiB).toFixed(0)} MiB)`);

    const plain: number[] = [];
    const engine: number[] = [];
    const sum = reduceFn as Fn;
    const env = {
      dir,
      address: 'local',
      memoryBytes: 64 * MiB,
      fetch: () => Promise.reject(new Error('no fetching here')),
      fetchToFile: () => Promise.reject(new Error('no fetching here')),
    };
    const runEngine = async (r: number): Promise<{ words: number; ms: number }> => {
      const t0 = performance.now();
      const ctx = {
        inputs: new Map<string, unknown>([['0:0', { path, start: 0, length: end, fileLength: length }]]),
        fs: h.hdfs,
        cache: new SourceCache(),
        metrics: { bytesRead: 0 },
      };
      const out = await writeShuffle(
        computePartition(wordPairs(), 2, 0, ctx),
        { shuffleId: r, numPartitions: 4, partitioner: { kind: 'hash' }, combine: 'aggregate' },
        [(v) => v, sum, sum],
        r,
        0,
        env,
      );
      return { words: out.records, ms: performance.now() - t0 };
    };
    for (let r = 0; r < flags.runs; r++) {
      // Alternate which goes first: the machine's speed drifts.
      const first = r % 2 === 0 ? 'plain' : 'engine';
      const a = first === 'plain' ? await countRange(hdfsFile(h.hdfs, path), 0, end, 'job') : await runEngine(r);
      const b = first === 'plain' ? await runEngine(r) : await countRange(hdfsFile(h.hdfs, path), 0, end, 'job');
      const [local, eng] = first === 'plain' ? [a, b] : [b, a];
      if (eng.words !== local.words) throw new Error(`the engine saw ${eng.words} words, the plain loop ${local.words}`);
      plain.push(local.ms);
      engine.push(eng.ms);
      console.log(`run ${r + 1}: plain loop ${(local.ms / 1000).toFixed(2)} s, engine ${(eng.ms / 1000).toFixed(2)} s`);
    }
    const min = (xs: number[]): number => Math.min(...xs);
    console.log(`plain loop: min ${(min(plain) / 1000).toFixed(2)} s, median ${(median(plain) / 1000).toFixed(2)} s`);
    console.log(`engine:     min ${(min(engine) / 1000).toFixed(2)} s, median ${(median(engine) / 1000).toFixed(2)} s`);
    console.log(
      `engine / plain loop: ${(min(engine) / min(plain)).toFixed(2)}x (min), ${(median(engine) / median(plain)).toFixed(2)}x (median)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(errorStack(err));
  process.exit(1);
});
