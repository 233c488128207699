/** `spindle fs …`: HDFS over WebHDFS. */
import type { Command } from 'commander';
import { posix } from 'node:path';
import { NotEmptyError, NotFoundError } from '../../../protocols/errors/index.js';
import type { FileStatus } from '../../../protocols/webhdfs/index.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatBytes, formatTable, formatTime } from '../format.js';
import { hdfsPath } from './fs-paths.js';
import { cleanCommand, CLEAN_HELP } from './fs-clean.js';
import { catCommand, getCommand, putCommand, type StdStreams } from './fs-transfer.js';

export const FS_EXAMPLES = `
Examples:
  $ spindle fs ls                      # your home directory, /user/<you>
  $ spindle fs put data.csv /data/     # a progress bar on a terminal for large files
  $ spindle fs put -f - /data/x.txt < x.txt
  $ spindle fs get /data/out/part-00000 .
  $ spindle fs cat /data/out/part-* | head     (no globbing: name files one by one)
  $ spindle fs mkdir /data/in /data/out
  $ spindle fs mv /data/out /data/out.old
  $ spindle fs rm -r /data/out.old
  $ spindle fs du -s /data
  $ spindle fs stat /data/x.txt
  $ spindle fs clean --dry-run /data/out   # hidden directories dead jobs left beside /data/out

Relative paths are under /user/<user>; hdfs:///path and hdfs://namenode:8020/path work too.`;

/** "drwxr-xr-x" from a type and mode bits. */
export function modeString(type: FileStatus['type'], permission: number): string {
  const t = type === 'directory' ? 'd' : type === 'symlink' ? 'l' : '-';
  const bits = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (permission & (1 << (8 - i)) ? c : '-'))
    .join('');
  const sticky = permission & 0o1000 ? `${bits.slice(0, 8)}${bits[8] === 'x' ? 't' : 'T'}` : bits;
  return t + sticky;
}

export function defineFs(program: Command, session: CliSession, std: StdStreams): Command {
  const fs = program
    .command('fs')
    .summary('work with HDFS files (ls, put, get, cat, rm, mkdir, mv, du, stat, clean)')
    .description('Work with HDFS files over WebHDFS.')
    .addHelpText('after', FS_EXAMPLES);
  const sub = (name: string, summary: string, example: string): Command =>
    fs.command(name).summary(summary).description(summary).addHelpText('after', `\nExample:\n  $ ${example}`);

  const ls = sub('ls', 'list a directory (or show a file)', 'spindle fs ls -H /data')
    .argument('[path]', 'HDFS path (default: your home directory)')
    .option('-H, --human', 'sizes as KiB, MiB, ...');
  ls.action(async (path: string | undefined, o: { human?: boolean }) =>
    session.run(ls, (ctx) => lsCommand(ctx, path ?? '', o.human === true)),
  );

  const put = sub('put', 'upload local files (- for stdin)', 'spindle fs put a.csv b.csv /data/')
    .argument('<paths...>', 'local file(s), then the HDFS destination')
    .option('-f, --force', 'overwrite');
  put.action(async (paths: string[], o: { force?: boolean }) => session.run(put, (ctx) => putCommand(ctx, paths, o.force === true, std)));

  const get = sub('get', 'download a file (- for stdout)', 'spindle fs get /data/x.csv ./x.csv')
    .argument('<hdfs-path>')
    .argument('[local-path]')
    .option('-f, --force', 'overwrite');
  get.action(async (remote: string, local: string | undefined, o: { force?: boolean }) =>
    session.run(get, (ctx) => getCommand(ctx, remote, local, o.force === true)),
  );

  const cat = sub('cat', 'print files', 'spindle fs cat /data/x.txt').argument('<paths...>');
  cat.action(async (paths: string[]) => session.run(cat, (ctx) => catCommand(ctx, paths)));

  const rm = sub('rm', 'delete files or directories', 'spindle fs rm -r /data/old')
    .argument('<paths...>')
    .option('-r, --recursive', 'delete directories and everything in them')
    .option('-f, --force', 'no error for paths that do not exist');
  rm.action(async (paths: string[], o: { recursive?: boolean; force?: boolean }) =>
    session.run(rm, (ctx) => rmCommand(ctx, paths, o.recursive === true, o.force === true)),
  );

  const mkdir = sub('mkdir', 'create directories (and their parents)', 'spindle fs mkdir /data/in')
    .argument('<paths...>')
    .option('-p, --parents', 'accepted for familiarity; parents are always created');
  mkdir.action(async (paths: string[]) => session.run(mkdir, (ctx) => mkdirCommand(ctx, paths)));

  const mv = sub('mv', 'move or rename', 'spindle fs mv /data/a /data/b').argument('<src>').argument('<dst>');
  mv.action(async (src: string, dst: string) => session.run(mv, (ctx) => mvCommand(ctx, src, dst)));

  const du = sub('du', 'space used', 'spindle fs du -s /data')
    .argument('[paths...]')
    .option('-s, --summary', 'one total per path instead of one line per entry');
  du.action(async (paths: string[], o: { summary?: boolean }) =>
    session.run(du, (ctx) => duCommand(ctx, paths.length ? paths : [''], o.summary === true)),
  );

  const st = sub('stat', 'details of a path', 'spindle fs stat /data/x.txt').argument('<path>');
  st.action(async (path: string) => session.run(st, (ctx) => statPathCommand(ctx, path)));

  const clean = sub('clean', 'remove what dead jobs left beside output paths', 'spindle fs clean --dry-run /data/out')
    .argument('<output-paths...>', 'output directories of saveAs*File')
    .option('--dry-run', 'list what would be done; change nothing')
    .addHelpText('after', CLEAN_HELP);
  clean.action(async (paths: string[], o: { dryRun?: boolean }) =>
    session.run(clean, (ctx) => cleanCommand(ctx, paths, o.dryRun === true)),
  );
  return fs;
}

export async function lsCommand(ctx: CliContext, text: string, human: boolean): Promise<number> {
  const path = hdfsPath(text, ctx.config.user);
  const entries = await ctx.hdfs.listStatus(path);
  if (ctx.out.json) {
    ctx.out.jsonResult(entries);
    return EXIT_OK;
  }
  const size = (n: number): string => (human ? formatBytes(n) : String(n));
  const rows = entries.map((e) => [
    modeString(e.type, e.permission),
    e.replication ? String(e.replication) : '-',
    e.owner,
    e.group,
    size(e.length),
    formatTime(e.modificationTime),
    e.path === path && e.type !== 'directory' ? e.path : posix.join(path, e.name),
  ]);
  if (rows.length) ctx.out.result(formatTable(['MODE', 'REPL', 'OWNER', 'GROUP', 'SIZE', 'MODIFIED', 'PATH'], rows));
  else ctx.out.info(`${path} is empty`);
  return EXIT_OK;
}

export async function rmCommand(ctx: CliContext, texts: string[], recursive: boolean, force: boolean): Promise<number> {
  for (const t of texts) {
    const path = hdfsPath(t, ctx.config.user);
    if (path === '/' || path === `/user/${ctx.config.user}`)
      throw new NotEmptyError(`rm ${path}: refusing to delete ${path === '/' ? 'the root' : 'your home directory'}`, { path });
    let deleted: boolean;
    try {
      deleted = await ctx.hdfs.delete(path, { recursive });
    } catch (err) {
      if (err instanceof NotEmptyError)
        throw new NotEmptyError(`rm ${path}: is a non-empty directory; use -r to delete it and everything in it`, { path, cause: err });
      throw err;
    }
    if (!deleted && !force) throw new NotFoundError(`rm ${path}: no such file or directory`, { path });
    ctx.out.debug(`deleted ${path}`);
  }
  return EXIT_OK;
}

export async function mkdirCommand(ctx: CliContext, texts: string[]): Promise<number> {
  for (const t of texts) await ctx.hdfs.mkdirs(hdfsPath(t, ctx.config.user));
  return EXIT_OK;
}

export async function mvCommand(ctx: CliContext, srcText: string, dstText: string): Promise<number> {
  const src = hdfsPath(srcText, ctx.config.user);
  let dst = hdfsPath(dstText, ctx.config.user);
  const target = await ctx.hdfs.getFileStatus(dst).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (target?.type === 'directory') dst = posix.join(dst, posix.basename(src));
  await ctx.hdfs.rename(src, dst);
  return EXIT_OK;
}

export async function duCommand(ctx: CliContext, texts: string[], summary: boolean): Promise<number> {
  const rows: { path: string; length: number; spaceConsumed: number; fileCount: number; directoryCount: number }[] = [];
  for (const t of texts) {
    const path = hdfsPath(t, ctx.config.user);
    const targets = summary ? [path] : (await ctx.hdfs.listStatus(path)).map((e) => (e.path === path ? path : posix.join(path, e.name)));
    for (const p of targets) rows.push({ path: p, ...(await ctx.hdfs.getContentSummary(p)) });
  }
  if (ctx.out.json) {
    ctx.out.jsonResult(rows);
    return EXIT_OK;
  }
  ctx.out.result(
    formatTable(
      ['SIZE', 'ON DISK', 'FILES', 'DIRS', 'PATH'],
      rows.map((r) => [formatBytes(r.length), formatBytes(r.spaceConsumed), String(r.fileCount), String(r.directoryCount), r.path]),
    ),
  );
  return EXIT_OK;
}

export async function statPathCommand(ctx: CliContext, text: string): Promise<number> {
  const path = hdfsPath(text, ctx.config.user);
  const s = await ctx.hdfs.getFileStatus(path);
  if (ctx.out.json) {
    ctx.out.jsonResult({ ...s, path });
    return EXIT_OK;
  }
  const rows: [string, string][] = [
    ['Path', path],
    ['Type', s.type],
    ['Size', `${s.length} (${formatBytes(s.length)})`],
    ['Mode', `${modeString(s.type, s.permission)} (${(s.permission & 0o7777).toString(8).padStart(4, '0')})`],
    ['Owner', `${s.owner}:${s.group}`],
    ['Modified', `${formatTime(s.modificationTime)} (${s.modificationTime})`],
    ['Accessed', formatTime(s.accessTime)],
    ...(s.type === 'file'
      ? ([
          ['Replication', String(s.replication)],
          ['Block size', formatBytes(s.blockSize)],
        ] as [string, string][])
      : []),
    ...(s.childrenCount !== undefined && s.type === 'directory' ? ([['Entries', String(s.childrenCount)]] as [string, string][]) : []),
  ];
  ctx.out.result(rows.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}`).join('\n'));
  return EXIT_OK;
}
