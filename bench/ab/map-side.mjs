#!/usr/bin/env node
/**
 * Two builds of Spindle against each other on word count's map side, in one process, alternately:
 * the executor's path (text split → fused flatMap/map → shuffle writer with map-side combining) over
 * the first half of a local text file, no HDFS and no cluster. For "did this change make the engine
 * slower?", where bench/map-side.ts's ratio to a plain loop drifts with the machine between runs.
 *
 *   node bench/ab/map-side.mjs <text file> <checkout A> <checkout B> [runs]
 *
 * Each checkout must be built (`npm run build`); e.g. `git worktree add /tmp/base <rev>` for the old one.
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [file, a, b, runsText = '6'] = process.argv.slice(2);
if (!file || !a || !b) {
  console.error('usage: node bench/ab/map-side.mjs <text file> <checkout A> <checkout B> [runs]');
  process.exit(2);
}
const runs = Number(runsText);
const length = statSync(file).size;
const end = Math.ceil(length / 2);
const fs = {
  open: async (_path, o = {}) => {
    const start = o.offset ?? 0;
    return createReadStream(file, { start, ...(o.length !== undefined ? { end: start + o.length - 1 } : {}), highWaterMark: 1 << 20 });
  },
};

async function load(tree) {
  const from = (p) => import(pathToFileURL(join(resolve(tree), 'dist', p)).href);
  const [compute, sources, writer, count] = await Promise.all([
    from('executor/compute.js'),
    from('executor/sources.js'),
    from('executor/shuffle-writer.js'),
    from('bench/lib/local-count.js'),
  ]);
  return { compute, sources, writer, count };
}

/** One map task over [0, end) of the file; the stage carries both layouts of the prepared plan. */
async function mapTask(m, run) {
  const node = (id, op, fns) => ({ id, op, parents: id === 0 ? [] : [id - 1], numPartitions: 1, fns, params: null });
  const nodes = new Map([
    [0, node(0, 'text', [])],
    [1, node(1, 'flatMap', [m.count.flatMapFn])],
    [2, node(2, 'map', [m.count.mapFn])],
  ]);
  const stage = { plan: {}, nodes, actionFns: [], action: { kind: 'count', fns: [], params: null } };
  const dir = mkdtempSync(join(tmpdir(), 'spindle-ab-'));
  const fail = () => Promise.reject(new Error('no fetching here'));
  const env = { dir, address: 'local', memoryBytes: 64 << 20, fetch: fail, fetchToFile: fail };
  const input = { path: file, start: 0, length: end, fileLength: length };
  const ctx = { inputs: new Map([['0:0', input]]), fs, cache: new m.sources.SourceCache(), metrics: { bytesRead: 0 } };
  const sum = m.count.reduceFn;
  const params = { shuffleId: run, numPartitions: 4, partitioner: { kind: 'hash' }, combine: 'aggregate' };
  const t0 = performance.now();
  try {
    const out = await m.writer.writeShuffle(m.compute.computePartition(stage, 2, 0, ctx), params, [(v) => v, sum, sum], run, 0, env);
    return { ms: performance.now() - t0, records: out.records };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const builds = { [a]: await load(a), [b]: await load(b) };
const times = { [a]: [], [b]: [] };
for (let r = 0; r < runs; r++) {
  const order = r % 2 === 0 ? [a, b] : [b, a];
  const results = [];
  for (const tree of order) {
    const t = await mapTask(builds[tree], r);
    times[tree].push(t.ms);
    results.push(t.records);
  }
  if (results[0] !== results[1]) throw new Error(`the builds disagree: ${results[0]} vs ${results[1]} records`);
}
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
for (const tree of [a, b]) {
  const xs = times[tree];
  console.log(
    `${tree}: min ${Math.min(...xs).toFixed(0)} ms, median ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(' ')})`,
  );
}
console.log(
  `${b} / ${a}: ${(Math.min(...times[b]) / Math.min(...times[a])).toFixed(3)} (min), ${(median(times[b]) / median(times[a])).toFixed(3)} (median)`,
);
