/**
 * The Spindle job files of the job workloads, written per run into the local scratch directory with
 * their paths and sizes inlined (so they do not depend on how `spindle submit` passes arguments).
 * Each mirrors the PySpark program of the same workload in bench/jobs/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** trivial-job: count a 10-element collection in 2 partitions and print the count. */
export const TRIVIAL_JOB = `export default async (ctx) => {
  const n = await ctx.parallelize([...Array(10).keys()], 2).count();
  console.log(n);
  return n;
};
`;

/** noop-tasks: `tasks` empty tasks, timed in the driver after a 2-task warm-up (as noop_tasks.py). */
export function noopTasksJob(tasks: number): string {
  return `export default async (ctx) => {
  const n = ${tasks};
  await ctx.parallelize([0, 1], 2).count();
  const start = performance.now();
  await ctx.parallelize([...Array(n).keys()], n).foreach(() => {});
  const ms = performance.now() - start;
  console.log(\`noop-tasks: \${n} tasks in \${ms.toFixed(0)} ms\`);
};
`;
}

/** wordcount: the same RDD program as wordcount.py. */
export function wordcountJob(source: string, target: string): string {
  return `export default async (ctx) => {
  await ctx
    .textFile(${JSON.stringify(source)})
    .flatMap((line) => line.split(/\\s+/).filter((w) => w !== ''))
    .map((word) => [word, 1])
    .reduceByKey((a, b) => a + b)
    .saveAsTextFile(${JSON.stringify(target)});
};
`;
}

/** Writes `source` as `<dir>/<name>.mjs` and returns its path. */
export function writeJob(dir: string, name: string, source: string): string {
  const path = join(dir, `${name}.mjs`);
  writeFileSync(path, source);
  return path;
}

/** "noop-tasks: 20000 tasks in 1234 ms" → 1234, from a driver's output. */
export function noopMsIn(output: string): number | undefined {
  const m = /noop-tasks: \d+ tasks in (\d+) ms/.exec(output);
  return m ? Number(m[1]) : undefined;
}

/** sort: 100-byte lines keyed by their first 10 bytes, sortByKey into `target` (as sort.py). */
export function sortJob(source: string, target: string, partitions: number): string {
  return `export default async (ctx) => {
  await ctx
    .textFile(${JSON.stringify(source)})
    .map((line) => [line.slice(0, 10), line.slice(10)])
    .sortByKey({ partitions: ${partitions} })
    .map(([k, v]) => k + v)
    .saveAsTextFile(${JSON.stringify(target)});
};
`;
}

/** join: "key\\tvalue" lines of two files joined on key, written as "key\\tv\\tw" (as join.py). */
export function joinJob(left: string, right: string, target: string, partitions: number): string {
  return `export default async (ctx) => {
  const l = ctx.textFile(${JSON.stringify(left)}).map((line) => {
    const t = line.indexOf('\\t');
    return [line.slice(0, t), line.slice(t + 1)];
  });
  const r = ctx.textFile(${JSON.stringify(right)}).map((line) => {
    const t = line.indexOf('\\t');
    return [line.slice(0, t), line.slice(t + 1)];
  });
  await l
    .join(r, { partitions: ${partitions} })
    .map(([k, [v, w]]) => k + '\\t' + v + '\\t' + w)
    .saveAsTextFile(${JSON.stringify(target)});
};
`;
}

/** avro-scan: records of `category` with amount > `minAmount`, counted and printed (as avro_scan.py). */
export function avroScanJob(source: string, category: string, minAmount: number): string {
  return `export default async (ctx) => {
  const n = await ctx
    .avroFile(${JSON.stringify(source)})
    .filter((r) => r.category === ${JSON.stringify(category)} && r.amount > ${minAmount})
    .count();
  console.log(\`avro-scan: \${n} records\`);
};
`;
}

/** "avro-scan: 1234 records" → 1234, from a driver's output. */
export function avroCountIn(output: string): number | undefined {
  const m = /avro-scan: (\d+) records/.exec(output);
  return m ? Number(m[1]) : undefined;
}
