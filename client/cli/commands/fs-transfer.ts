/**
 * `spindle fs put|get|cat`: streaming transfers between this machine and HDFS (never buffered
 * whole), with a progress bar on a terminal for large files. `get` writes to a temporary name and
 * renames it into place, so an interrupted download never leaves a truncated file behind.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve as resolveLocal } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AlreadyExistsError, ConfigError, NotFoundError } from '../../../protocols/errors/index.js';
import type { FileStatus } from '../../../protocols/webhdfs/index.js';
import type { CliContext } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';
import { hdfsPath } from './fs-paths.js';

/** Input streams the CLI can read from when the user names "-". */
export interface StdStreams {
  stdin: Readable;
}

async function remoteStatus(ctx: CliContext, path: string): Promise<FileStatus | undefined> {
  try {
    return await ctx.hdfs.getFileStatus(path);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** put <local...> <remote>: into a directory, or onto one file name. */
export async function putCommand(ctx: CliContext, args: string[], force: boolean, std: StdStreams): Promise<number> {
  if (args.length < 2) throw new ConfigError('fs put: give local file(s) and an HDFS destination, e.g. spindle fs put data.csv /data/');
  const sources = args.slice(0, -1);
  const target = hdfsPath(args.at(-1)!, ctx.config.user);
  const targetStatus = await remoteStatus(ctx, target);
  const intoDir = targetStatus?.type === 'directory' || args.at(-1)!.endsWith('/');
  if (sources.length > 1 && !intoDir) throw new ConfigError(`fs put: ${target} is not a directory; several files go into a directory`);
  for (const src of sources) {
    if (src !== '-' && !(await stat(src).catch(() => undefined))?.isFile()) throw new ConfigError(`fs put: no such local file: ${src}`);
    if (src === '-' && intoDir) throw new ConfigError('fs put: stdin (-) needs a file name as destination, not a directory');
    const dest = intoDir ? `${target.replace(/\/+$/, '')}/${basename(src)}` : target;
    const size = src === '-' ? undefined : (await stat(src)).size;
    const bar = new ProgressBar(ctx.out, `put ${src === '-' ? 'stdin' : basename(src)}`, size);
    const input = src === '-' ? std.stdin : createReadStream(src);
    try {
      await ctx.hdfs.create(dest, input.pipe(bar.counter()), { overwrite: force });
    } catch (err) {
      if (err instanceof AlreadyExistsError)
        throw new AlreadyExistsError(`put ${dest}: already exists; use -f to overwrite`, { path: dest, cause: err });
      throw err;
    } finally {
      bar.finish();
    }
    ctx.out.debug(`put ${src} -> ${dest}`);
  }
  return EXIT_OK;
}

/** get <remote> [local]: to a file or into a directory; "-" is stdout. */
export async function getCommand(ctx: CliContext, remote: string, local: string | undefined, force: boolean): Promise<number> {
  const path = hdfsPath(remote, ctx.config.user);
  const status = await ctx.hdfs.getFileStatus(path);
  if (status.type === 'directory')
    throw new ConfigError(`fs get: ${path} is a directory; get its files one by one (spindle fs ls ${path})`);
  if (local === '-') return catCommand(ctx, [remote]);
  let dest = resolveLocal(ctx.process.cwd, local ?? basename(path));
  const localStatus = await stat(dest).catch(() => undefined);
  if (localStatus?.isDirectory()) dest = join(dest, basename(path));
  else if (localStatus && !force) throw new ConfigError(`fs get: ${dest} already exists; use -f to overwrite`);
  const tmp = `${dest}.spindle-part`;
  const bar = new ProgressBar(ctx.out, `get ${basename(path)}`, status.length);
  try {
    const input = await ctx.hdfs.open(path);
    await pipeline(input, bar.counter(), createWriteStream(tmp));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    bar.finish();
  }
  ctx.out.debug(`get ${path} -> ${dest}`);
  return EXIT_OK;
}

/** cat <remote...>: the files' bytes on stdout, with backpressure. */
export async function catCommand(ctx: CliContext, remotes: string[]): Promise<number> {
  for (const r of remotes) {
    const path = hdfsPath(r, ctx.config.user);
    const input = await ctx.hdfs.open(path);
    for await (const chunk of input) await ctx.out.rawAsync(chunk as Buffer);
  }
  return EXIT_OK;
}
