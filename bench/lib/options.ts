/**
 * `npm run bench -- [--quick] [--only a,b] [--runs N]`: parsed and validated once, with the sizes of
 * the full and the quick benchmark as named constants.
 */

/** Every row the benchmark can produce, in report order. */
export const ROW_NAMES = [
  'trivial-job',
  'shell-4',
  'wordcount',
  'am-memory',
  'webhdfs-put',
  'webhdfs-get',
  'noop-tasks',
  'sort',
  'join',
  'avro-scan',
  'local-start',
] as const;
export type RowName = (typeof ROW_NAMES)[number];

/** Runs per side: at least 3 (issue #7); the full benchmark takes 5. */
export const MIN_RUNS = 3;
export const DEFAULT_RUNS = 5;
export const QUICK_RUNS = 3;

export interface Sizes {
  /** wordcount input, MiB of generated text. */
  wordcountMib: number;
  /** webhdfs-put / webhdfs-get, MiB in one stream. */
  webhdfsMib: number;
  /** noop-tasks: empty tasks. */
  noopTasks: number;
  /** sort: 100-byte records (TeraSort-like). */
  sortRecords: number;
  /** join: pairs on the left (big) and the right (small, distinct keys). */
  joinLeft: number;
  joinRight: number;
  /** Reduce partitions of sort and join (the same for every tool). */
  shufflePartitions: number;
  /** avro-scan: records in the Avro file (~70 bytes each). */
  avroRecords: number;
}

export const FULL_SIZES: Sizes = {
  wordcountMib: 1024,
  webhdfsMib: 1024,
  noopTasks: 20_000,
  // 1 GiB of 100-byte records.
  sortRecords: Math.floor(2 ** 30 / 100),
  joinLeft: 10_000_000,
  joinRight: 1_000_000,
  shufflePartitions: 8,
  // About 280 MiB.
  avroRecords: 4_000_000,
};
/**
 * Sized so that each workload of `--quick` takes a few minutes on a loaded 2-core machine (PySpark
 * ran ~30 empty tasks/s there under load, so 1,000 tasks rather than 20,000).
 */
export const QUICK_SIZES: Sizes = {
  wordcountMib: 256,
  webhdfsMib: 256,
  noopTasks: 1_000,
  // 64 MiB.
  sortRecords: Math.floor(2 ** 26 / 100),
  joinLeft: 500_000,
  joinRight: 50_000,
  shufflePartitions: 2,
  // About 35 MiB.
  avroRecords: 500_000,
};

export interface BenchOptions {
  quick: boolean;
  runs: number;
  /** Rows to (re)measure; all when --only is absent. */
  only: RowName[];
  sizes: Sizes;
}

const USAGE = `usage: npm run bench -- [--quick] [--only ${ROW_NAMES.join(',')}] [--runs N]`;

/** Parses the benchmark's arguments; throws with the usage on anything unknown. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let runs: number | undefined;
  let only: RowName[] = [...ROW_NAMES];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--runs': {
        const text = value();
        runs = Number(text);
        if (!Number.isInteger(runs) || runs < MIN_RUNS) throw new Error(`--runs must be a whole number >= ${MIN_RUNS} (got ${text})`);
        break;
      }
      case '--only': {
        const names = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const unknown = names.filter((n) => !(ROW_NAMES as readonly string[]).includes(n));
        if (unknown.length > 0 || names.length === 0)
          throw new Error(`--only: unknown workload ${unknown.join(', ') || '(none)'}; known: ${ROW_NAMES.join(', ')}`);
        only = names as RowName[];
        break;
      }
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return { quick, runs: runs ?? (quick ? QUICK_RUNS : DEFAULT_RUNS), only, sizes: quick ? QUICK_SIZES : FULL_SIZES };
}
