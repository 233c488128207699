import { NotFoundError } from '../../protocols/errors/index.js';
import { JobDefinitionError } from './errors.js';
import type { InputFile } from './splits.js';

/**
 * From what a user names (a file, a directory, a glob such as /logs/2024-*\/part-*, relative to the
 * home directory or as hdfs:// URIs) to the files to read. Directories are read recursively; as in
 * Hadoop, entries whose names start with "_" or "." (_SUCCESS, .staging, hidden output of running
 * jobs) are skipped, but a file named explicitly is read.
 */

/** What listing needs; WebHdfsClient has it. */
export interface ListingFs {
  getFileStatus(path: string): Promise<{ type: string; length: number; blockSize: number; path: string }>;
  listStatus(path: string): Promise<{ name: string; type: string; length: number; blockSize: number; path: string }[]>;
  getFileBlockLocations(path: string): Promise<{ offset: number; length: number; hosts: string[]; topologyPaths?: string[] }[]>;
}

/**
 * Notes the rack of each block host into `racks`: a topology path is the rack and the DataNode's
 * `address:port` (`/dc1/rack7/10.0.0.5:9866`), listed in the same order as the hosts.
 */
export function noteRacks(block: { hosts: readonly string[]; topologyPaths?: readonly string[] }, racks: Map<string, string>): void {
  const paths = block.topologyPaths ?? [];
  block.hosts.forEach((host, i) => {
    const path = paths[i];
    const cut = path?.lastIndexOf('/') ?? -1;
    if (path && cut > 0) racks.set(host, path.slice(0, cut));
  });
}

/** Block-location lookups in flight at once. */
export const LISTING_CONCURRENCY = 16;

export function isHidden(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}

/** An absolute HDFS path: hdfs://host:port/x → /x; relative paths resolve against `home`. */
export function resolvePath(path: string, home: string): string {
  let p = path.trim();
  if (p === '') throw new JobDefinitionError('an empty path was given');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(p);
  if (scheme) {
    const url = new URL(p);
    if (!['hdfs:', 'webhdfs:', 'swebhdfs:'].includes(url.protocol)) {
      throw new JobDefinitionError(`${path}: only HDFS paths are supported (got ${url.protocol}//)`);
    }
    p = decodeURIComponent(url.pathname) || '/';
  }
  if (!p.startsWith('/')) p = `${home.replace(/\/+$/, '')}/${p}`;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return `/${parts.join('/')}`;
}

/** `scheme://authority` of an HDFS URI, kept on local mode's paths to the cluster (RoutingFs). */
const HDFS_URI = /^((?:hdfs|webhdfs|swebhdfs):\/\/[^/]*)/i;

/**
 * A path as local mode reads it: plain paths and `file://` URIs are the machine's files (relative
 * ones from `cwd`); HDFS URIs keep their `scheme://authority` and name a path on the cluster (only
 * when one is configured, `hdfs`).
 */
export function resolveLocalModePath(path: string, cwd: string, hdfs: boolean): string {
  const p = path.trim();
  if (p === '') throw new JobDefinitionError('an empty path was given');
  const remote = HDFS_URI.exec(p)?.[1];
  if (remote) {
    if (!hdfs) {
      throw new JobDefinitionError(
        `${path}: an HDFS path in local mode needs the cluster's configuration (set HADOOP_CONF_DIR); local files need no scheme`,
        { path },
      );
    }
    return `${remote}${resolvePath(p, '/')}`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    const url = new URL(p);
    if (url.protocol !== 'file:')
      throw new JobDefinitionError(`${path}: local mode reads local paths, file:// and hdfs:// URIs (got ${url.protocol}//)`);
    return resolvePath(decodeURIComponent(url.pathname) || '/', '/');
  }
  return resolvePath(p.startsWith('/') ? p : `${cwd.replace(/\/+$/, '')}/${p}`, '/');
}

const GLOB_CHARS = /[*?[{]/;
/** What a missing input path gets told. */
const NO_SUCH_INPUT = 'no such file or directory; check the path (relative paths start at your HDFS home directory)';

/** A regular expression for one path component of a glob: * ? [abc] [!abc] {a,b} and \ escapes. */
export function globComponent(glob: string): RegExp {
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      re += escapeRegExp(glob[++i]!);
    } else if (c === '*') {
      re += '.*';
    } else if (c === '?') {
      re += '.';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let cls = glob.slice(i + 1, close);
      if (cls.startsWith('!') || cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '{') {
      inBraces++;
      re += '(?:';
    } else if (c === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (c === ',' && inBraces > 0) {
      re += '|';
    } else {
      re += escapeRegExp(c);
    }
  }
  if (inBraces > 0) throw new JobDefinitionError(`glob ${glob}: unclosed {`);
  return new RegExp(`^${re}$`, 's');
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The files (not directories) a pattern names, sorted by path. */
export async function expandPattern(
  fs: ListingFs,
  pattern: string,
  what: string,
): Promise<{ path: string; length: number; blockSize: number }[]> {
  // An HDFS URI (local mode) keeps its scheme://authority in front of every path it expands to.
  const prefix = HDFS_URI.exec(pattern)?.[1] ?? '';
  const parts = pattern.slice(prefix.length).split('/').filter(Boolean);
  let current = [`${prefix}/`];
  let globbed = false;
  for (const part of parts) {
    if (!GLOB_CHARS.test(part)) {
      current = current.map((dir) => `${dir.endsWith('/') ? dir.slice(0, -1) : dir}/${part.replace(/\\(.)/g, '$1')}`);
      continue;
    }
    globbed = true;
    const re = globComponent(part);
    const next: string[] = [];
    for (const dir of current) {
      let entries: Awaited<ReturnType<ListingFs['listStatus']>>;
      try {
        entries = await fs.listStatus(dir);
      } catch (err) {
        if (err instanceof NotFoundError) continue;
        throw err;
      }
      for (const e of entries) if (!isHidden(e.name) && re.test(e.name)) next.push(e.path);
    }
    current = next;
  }
  const files: { path: string; length: number; blockSize: number }[] = [];
  for (const path of current) {
    let status: Awaited<ReturnType<ListingFs['getFileStatus']>>;
    try {
      status = await fs.getFileStatus(path);
    } catch (err) {
      if (err instanceof NotFoundError && !globbed) throw new JobDefinitionError(`${what} ${path}: ${NO_SUCH_INPUT}`, { path });
      if (err instanceof NotFoundError) continue;
      throw err;
    }
    if (status.type === 'directory') await listTree(fs, path, files);
    else files.push({ path, length: status.length, blockSize: status.blockSize });
  }
  if (globbed && current.length === 0)
    throw new JobDefinitionError(`${what} ${pattern}: no files match; check the pattern (spindle fs ls shows what is there)`, {
      path: pattern,
    });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function listTree(fs: ListingFs, dir: string, out: { path: string; length: number; blockSize: number }[]): Promise<void> {
  for (const e of await fs.listStatus(dir)) {
    if (isHidden(e.name)) continue;
    if (e.type === 'directory') await listTree(fs, e.path, out);
    else out.push({ path: e.path, length: e.length, blockSize: e.blockSize });
  }
}

/** Every input file of the patterns with its block locations; `home` resolves relative paths (or a resolver does it all). */
export async function listInputFiles(
  fs: ListingFs,
  patterns: readonly string[],
  home: string | ((path: string) => string),
  what: string,
  racks?: Map<string, string>,
): Promise<InputFile[]> {
  const resolve = typeof home === 'string' ? (p: string) => resolvePath(p, home) : home;
  const seen = new Set<string>();
  const files: { path: string; length: number; blockSize: number }[] = [];
  for (const p of patterns) {
    for (const f of await expandPattern(fs, resolve(p), what)) {
      if (seen.has(f.path)) continue;
      seen.add(f.path);
      files.push(f);
    }
  }
  const out: InputFile[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i]!;
      const blocks = f.length === 0 ? [] : await fs.getFileBlockLocations(f.path);
      if (racks) for (const b of blocks) noteRacks(b, racks);
      out[i] = { ...f, blocks: blocks.map((b) => ({ offset: b.offset, length: b.length, hosts: b.hosts })) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LISTING_CONCURRENCY, files.length) }, worker));
  return out;
}
