/**
 * Generated inputs kept in HDFS between runs (under /user/<user>/spindle-bench/, named by size and
 * data version), each with a small JSON file of what was generated (counts, checksums), and the
 * reading of a job's output directory for the checks.
 */
import type { Readable } from 'node:stream';
import type { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import type { BenchContext } from './context.js';

/** The HDFS folder of kept inputs. */
export function inputDir(ctx: BenchContext): string {
  return `/user/${ctx.user}/spindle-bench`;
}

/**
 * `files` (HDFS paths) and their description `<meta>`: reused when all exist, else made by
 * `generate` (which uploads the files and returns the description to keep).
 */
export async function ensureInputs<M>(ctx: BenchContext, files: readonly string[], meta: string, generate: () => Promise<M>): Promise<M> {
  const present = await Promise.all([...files, meta].map((f) => ctx.hdfs.exists(f)));
  if (present.every(Boolean)) {
    const text = await readText(ctx.hdfs, meta);
    try {
      return JSON.parse(text) as M;
    } catch {
      // A broken description: generate again.
    }
  }
  console.log(`  generating ${files.join(', ')} (once; kept for later runs)`);
  const start = performance.now();
  await ctx.hdfs.mkdirs(inputDir(ctx));
  const m = await generate();
  await ctx.hdfs.create(meta, Buffer.from(JSON.stringify(m)), { overwrite: true });
  console.log(`  generated in ${((performance.now() - start) / 1000).toFixed(1)} s: ${JSON.stringify(m)}`);
  return m;
}

/** Uploads a generated stream to `path` and returns its length. */
export async function upload(ctx: BenchContext, path: string, stream: Readable): Promise<number> {
  await ctx.hdfs.create(path, stream, { overwrite: true });
  return (await ctx.hdfs.getFileStatus(path)).length;
}

export async function readText(hdfs: WebHdfsClient, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await hdfs.open(path)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The part files of a job's output directory in name order (part-00000 first), without the markers
 * (_SUCCESS, hidden files); throws when the directory is missing.
 */
export async function partFiles(ctx: BenchContext, who: string, dir: string): Promise<string[]> {
  if (!(await ctx.hdfs.exists(dir))) throw new Error(`${who}'s job ended without writing its output ${dir}`);
  return (await ctx.hdfs.listStatus(dir))
    .filter((f) => f.type === 'file' && !f.name.startsWith('_') && !f.name.startsWith('.'))
    .map((f) => f.path)
    .sort();
}

/** Streams every part file of `dir` in order to `each` (file start, then its chunks). */
export async function readParts(
  ctx: BenchContext,
  who: string,
  dir: string,
  each: { file: (path: string) => void; chunk: (data: Buffer) => void },
): Promise<number> {
  const files = await partFiles(ctx, who, dir);
  for (const f of files) {
    each.file(f);
    for await (const c of await ctx.hdfs.open(f)) each.chunk(c as Buffer);
  }
  return files.length;
}
