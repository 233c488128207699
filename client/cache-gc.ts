import { randomBytes } from 'node:crypto';
import { APP_SPEC_FILE } from '../protocols/app-spec/index.js';
import { AlreadyExistsError, ConfigError, NotFoundError } from '../protocols/errors/index.js';
import type { FileStatus, SetTimesOptions, WebHdfsClient } from '../protocols/webhdfs/index.js';
import { isAccessTimeOff } from './cache.js';

/**
 * `spindle cache gc`: removes cache entries nobody used for a while, safely while other submissions
 * run. The rule:
 *
 *  - An entry's last use is the later of its access and modification times. A submission that finds
 *    an entry (a hit) sets its access time to now (cache.ts); one that uploads it sets both.
 *  - Entries last used more than `olderThan` ago (at least MIN_CACHE_GC_AGE_MS, a day) go, unless
 *    the spec of an application that still has its staging directory names them: those applications
 *    may launch executors, which localize the entries, at any time until they end.
 *  - An entry is first renamed to a hidden `.gc-*` name, then its times are read again: a hit that
 *    marked it in between puts it back; a hit that comes after the rename finds it gone and uploads
 *    it anew. So a submission that found an entry keeps it at least `olderThan` after the hit, the
 *    time it has to reach YARN's localization, which the day's minimum covers with a wide margin.
 *  - Temporary upload names (`.tmp-*`) of crashed uploads and `.gc-*` names of an interrupted gc go
 *    by the same age (an upload in progress is minutes old at most); a `.gc-*` entry that was used
 *    meanwhile goes back to its name.
 *  - With access times off on the NameNode (dfs.namenode.accesstime.precision=0) hits cannot be
 *    recorded, and gc refuses to remove anything.
 */

/** The smallest --older-than: far above the time from a cache hit to YARN's localization. */
export const MIN_CACHE_GC_AGE_MS = 24 * 3_600_000;
/** --older-than when not given. */
export const DEFAULT_CACHE_GC_AGE_MS = 30 * 24 * 3_600_000;

/** `<sha256>[.ext]`, as cache.ts names entries. */
const ENTRY = /^([0-9a-f]{64})(\.[A-Za-z0-9.]+)?$/;
/** `.tmp-<12 hex>-<entry>`: an upload not yet renamed into place. */
const TEMPORARY = /^\.tmp-[0-9a-f]{12}-(.+)$/;
/** `.gc-<12 hex>-<entry>`: an entry gc is removing. */
const TRASH = /^\.gc-[0-9a-f]{12}-(.+)$/;
const SHA256 = /[0-9a-f]{64}/g;
/** Application specs are a few kB; a bigger file is not one. */
const MAX_SPEC_BYTES = 1 << 20;

/** The calls gc makes; WebHdfsClient has them. */
export interface CacheGcFs {
  listStatus(path: string): Promise<FileStatus[]>;
  getFileStatus(path: string): Promise<FileStatus>;
  setTimes(path: string, times: SetTimesOptions): Promise<void>;
  rename(src: string, dst: string, options?: { overwrite?: boolean }): Promise<void>;
  delete(path: string): Promise<boolean>;
}

export interface CacheGcItem {
  name: string;
  path: string;
  /** entry: `<sha256>[.ext]`; temporary: a crashed upload; trash: left by an interrupted gc. */
  kind: 'entry' | 'temporary' | 'trash';
  /** The entry's name a temporary or trash file stands for. */
  entry: string;
  /** Epoch ms: the later of access and modification time. */
  lastUsed: number;
  bytes: number;
}

export interface CacheGcPlan {
  /** Unused for longer than the age, and not named by a live application's spec. */
  remove: CacheGcItem[];
  /** `.gc-*` files used since an interrupted gc renamed them: they go back to their names. */
  restore: CacheGcItem[];
  /** Old, but named by the spec of an application that still has its staging directory. */
  inUse: CacheGcItem[];
  /** Used within the age. */
  recent: CacheGcItem[];
}

export interface CacheGcOptions {
  /** Remove what was not used for this long; at least MIN_CACHE_GC_AGE_MS. */
  olderThanMs: number;
  /** SHA-256 hashes named by applications still staged (see {@link cacheEntriesInUse}). */
  inUse: ReadonlySet<string>;
  /** Only report what would go. */
  dryRun?: boolean;
  /** Epoch ms; default Date.now(). */
  now?: number;
}

export interface CacheGcResult extends CacheGcPlan {
  /** Entries a hit marked while gc was removing them: put back, not removed. */
  spared: CacheGcItem[];
  /** What was removed (with dryRun: what would be). */
  removed: CacheGcItem[];
}

/** The later of an entry's access and modification times. */
export function lastUsedOf(s: FileStatus): number {
  return Math.max(s.accessTime, s.modificationTime);
}

function itemOf(s: FileStatus): CacheGcItem | undefined {
  if (s.type !== 'file') return undefined;
  const base = { name: s.name, path: s.path, lastUsed: lastUsedOf(s), bytes: s.length };
  if (ENTRY.test(s.name)) return { ...base, kind: 'entry', entry: s.name };
  const tmp = TEMPORARY.exec(s.name);
  if (tmp) return { ...base, kind: 'temporary', entry: tmp[1]! };
  const trash = TRASH.exec(s.name);
  if (trash) return { ...base, kind: 'trash', entry: trash[1]! };
  // Not ours: left alone.
  return undefined;
}

/** Sorts a cache directory's listing by the rule above. Pure. */
export function planCacheGc(listing: readonly FileStatus[], cutoff: number, inUse: ReadonlySet<string>): CacheGcPlan {
  const plan: CacheGcPlan = { remove: [], restore: [], inUse: [], recent: [] };
  const names = new Set(listing.map((s) => s.name));
  for (const s of listing) {
    const item = itemOf(s);
    if (!item) continue;
    const used = item.lastUsed >= cutoff;
    const named = item.kind !== 'temporary' && inUse.has(item.entry.slice(0, 64));
    if (item.kind === 'trash' && (used || named) && !names.has(item.entry)) plan.restore.push(item);
    else if (item.kind === 'trash') plan.remove.push(item);
    else if (used) plan.recent.push(item);
    else if (named) plan.inUse.push(item);
    else plan.remove.push(item);
  }
  return plan;
}

/** Removes (or, with dryRun, lists) the cache entries of `dir` unused for longer than the age. */
export async function gcCache(fs: CacheGcFs, dir: string, options: CacheGcOptions): Promise<CacheGcResult> {
  if (!(options.olderThanMs >= MIN_CACHE_GC_AGE_MS)) {
    throw new ConfigError(
      `--older-than must be at least 1d: a submission that found an entry needs time to reach YARN's localization (e.g. --older-than 30d)`,
    );
  }
  const now = options.now ?? Date.now();
  const cutoff = now - options.olderThanMs;
  let listing: FileStatus[];
  try {
    listing = await fs.listStatus(dir);
  } catch (err) {
    if (err instanceof NotFoundError) return { remove: [], restore: [], inUse: [], recent: [], spared: [], removed: [] };
    throw err;
  }
  const plan = planCacheGc(listing, cutoff, options.inUse);
  if (options.dryRun) return { ...plan, spared: [], removed: plan.remove };
  if (plan.remove.length + plan.restore.length > 0) await checkAccessTimes(fs, dir, now);

  const spared: CacheGcItem[] = [];
  const removed: CacheGcItem[] = [];
  for (const item of plan.restore) await putBack(fs, item.path, `${dir}/${item.entry}`);
  for (const item of plan.remove) {
    if (item.kind !== 'entry') {
      await fs.delete(item.path);
      removed.push(item);
      continue;
    }
    const trash = `${dir}/.gc-${randomBytes(6).toString('hex')}-${item.name}`;
    try {
      await fs.rename(item.path, trash);
    } catch (err) {
      // Gone already (another gc); a fresh upload under the name is someone else's.
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    // A hit that marked the entry before the rename shows here; one after it finds no entry.
    if (lastUsedOf(await fs.getFileStatus(trash)) >= cutoff) {
      await putBack(fs, trash, item.path);
      spared.push(item);
      continue;
    }
    await fs.delete(trash);
    removed.push(item);
  }
  return { ...plan, spared, removed };
}

/** Renames a `.gc-*` file back; if a new upload took the name meanwhile, that copy (same content) stays. */
async function putBack(fs: CacheGcFs, trash: string, entry: string): Promise<void> {
  try {
    await fs.rename(trash, entry);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    await fs.delete(trash);
  }
}

/** Refuses to go on when the NameNode does not keep access times: hits would be invisible. */
async function checkAccessTimes(fs: CacheGcFs, dir: string, now: number): Promise<void> {
  try {
    // The directory's own access time: nothing reads it, and it tells whether the NameNode keeps any.
    await fs.setTimes(dir, { accessTime: now });
  } catch (err) {
    if (!isAccessTimeOff(err)) throw err;
    throw new ConfigError(
      `cache gc ${dir}: access times are off on this NameNode (dfs.namenode.accesstime.precision=0), so uses of the cache cannot be seen; nothing was removed`,
      { cause: err },
    );
  }
}

/**
 * SHA-256 hashes named in the specs of the applications under `spindleDir` (`/user/<user>/.spindle`)
 * that still have a staging directory, i.e. have not ended or not been cleaned up: their executors
 * may still localize those entries.
 */
export async function cacheEntriesInUse(hdfs: Pick<WebHdfsClient, 'listStatus' | 'open'>, spindleDir: string): Promise<Set<string>> {
  const out = new Set<string>();
  let dirs: FileStatus[];
  try {
    dirs = await hdfs.listStatus(spindleDir);
  } catch (err) {
    if (err instanceof NotFoundError) return out;
    throw err;
  }
  for (const d of dirs) {
    if (d.type !== 'directory' || !/^application_\d+_\d+$/.test(d.name)) continue;
    let text = '';
    try {
      for await (const chunk of await hdfs.open(`${d.path}/${APP_SPEC_FILE}`, { length: MAX_SPEC_BYTES })) {
        text += (chunk as Buffer).toString('latin1');
      }
    } catch (err) {
      // A submission that has not written its spec yet, or an application that just ended.
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    for (const m of text.matchAll(SHA256)) out.add(m[0]);
  }
  return out;
}
