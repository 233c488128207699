/** `spindle cache gc`: remove HDFS cache entries nobody used for a while. */
import type { Command } from 'commander';
import { cacheDirFor } from '../../cache.js';
import { type CacheGcItem, cacheEntriesInUse, DEFAULT_CACHE_GC_AGE_MS, gcCache } from '../../cache-gc.js';
import { parseDuration } from '../args.js';
import type { CliContext, CliSession } from '../context.js';
import { EXIT_OK } from '../exit-codes.js';
import { formatBytes, formatTable, formatTime } from '../format.js';

export const CACHE_GC_HELP = `
Examples:
  $ spindle cache gc --dry-run              # what would go, nothing removed
  $ spindle cache gc --older-than 7d

Everything spindle ships (the AM bundle, job bundles, --file, --archive, --ship-node) is cached on HDFS
under /user/<user>/.spindle/cache/ by its SHA-256. An entry's last use is the later of its access and
modification times: a submission that finds an entry sets its access time, one that uploads it
creates it. gc removes entries last used more than --older-than ago (default 30d, at least 1d, far
above the time a submission needs to reach YARN's localization), except those named by an application
that still has its staging directory (its executors may still download them), and temporary files
of interrupted uploads. It is safe while other submissions run: an entry is renamed aside and its
times read again, so a submission that found it meanwhile keeps it, and one that comes later uploads
it anew. It refuses to run on a NameNode with access times off (dfs.namenode.accesstime.precision=0).`;

interface RawGcOptions {
  olderThan?: string;
  dryRun?: boolean;
}

export function defineCache(program: Command, session: CliSession): Command {
  const cache = program
    .command('cache')
    .summary('manage the HDFS cache of shipped files (gc)')
    .description('Manage the content-addressed cache of shipped files on HDFS (/user/<user>/.spindle/cache).');
  const gc = cache
    .command('gc')
    .summary('remove cache entries not used for a while')
    .description('Remove cache entries not used for longer than --older-than, safely while other submissions run.')
    .option('--older-than <duration>', 'remove entries not used for this long (e.g. 7d, 36h; at least 1d)', '30d')
    .option('--dry-run', 'list what would be removed; remove nothing')
    .addHelpText('after', CACHE_GC_HELP);
  gc.action(async (raw: RawGcOptions) => session.run(gc, (ctx) => cacheGcCommand(ctx, raw)));
  return cache;
}

export async function cacheGcCommand(ctx: CliContext, raw: RawGcOptions): Promise<number> {
  const olderThanMs = raw.olderThan !== undefined ? parseDuration('--older-than', raw.olderThan) : DEFAULT_CACHE_GC_AGE_MS;
  const dryRun = raw.dryRun === true;
  const dir = cacheDirFor(ctx.config.user);
  const spindleDir = dir.slice(0, dir.lastIndexOf('/'));
  const inUse = await cacheEntriesInUse(ctx.hdfs, spindleDir);
  const r = await gcCache(ctx.hdfs, dir, { olderThanMs, dryRun, inUse });
  const { out } = ctx;
  if (out.json) {
    out.jsonResult({ dir, dryRun, removed: r.removed, spared: r.spared, inUse: r.inUse, recent: r.recent.length, restored: r.restore });
    return EXIT_OK;
  }
  const row = (i: CacheGcItem): string[] => [formatBytes(i.bytes), formatTime(i.lastUsed), kindText(i), i.path];
  if (r.removed.length) out.result(formatTable(['SIZE', 'LAST USED', 'WHAT', 'PATH'], r.removed.map(row)));
  const bytes = r.removed.reduce((n, i) => n + i.bytes, 0);
  const verb = dryRun ? 'would remove' : 'removed';
  const kept = [
    `${r.recent.length} used within ${raw.olderThan ?? '30d'}`,
    ...(r.inUse.length ? [`${r.inUse.length} named by applications still staged`] : []),
    ...(r.spared.length ? [`${r.spared.length} used while gc ran`] : []),
    ...(r.restore.length ? [`${r.restore.length} put back after an interrupted gc`] : []),
  ];
  out.info(`${dir}: ${verb} ${r.removed.length} file${r.removed.length === 1 ? '' : 's'} (${formatBytes(bytes)}); kept ${kept.join(', ')}`);
  return EXIT_OK;
}

function kindText(i: CacheGcItem): string {
  if (i.kind === 'temporary') return 'interrupted upload';
  if (i.kind === 'trash') return 'interrupted gc';
  return 'entry';
}
