import { stat } from 'node:fs/promises';
import { ConfigError, NotFoundError } from '../protocols/errors/index.js';
import type { WebHdfsClient } from '../protocols/webhdfs/index.js';
import { encodeUrlPath, type LocalResource } from '../protocols/yarn/index.js';
import { archiveExtension, ARCHIVE_EXTENSIONS, type HdfsCache } from './cache.js';

/**
 * Files the user ships with --file and --archive: checked before anything is sent to the cluster,
 * then put in the HDFS cache (local files) or referenced where they are (hdfs: URLs), and handed to
 * YARN as local resources that land in every container's working directory under their alias.
 */

/** One file or archive to ship. */
export interface ShippedFile {
  /** Local path, or an hdfs: URL (hdfs:///data/x, hdfs://nn:8020/data/x). */
  source: string;
  /** Name in the container's working directory. */
  alias: string;
  /** Archives are unpacked by the NodeManager into a directory named `alias`. */
  type: 'file' | 'archive';
  /** What the user typed, for messages (e.g. "--file ./a.txt#b"). */
  option: string;
}

/** Names our own files use in the working directory; shipped files must not take them. */
export const RESERVED_NAMES = new Set(['spindle-am.mjs', 'spindle-app.json', 'spindle-cmd.sh', 'spindle-job.mjs', 'node']);

function isRemote(source: string): boolean {
  return /^hdfs:/i.test(source);
}

/**
 * An `hdfs:` source as the user wrote it: `hdfs://namenode:8020/path`, `hdfs:///path` or `hdfs:/path`.
 * What follows the NameNode is a path, taken literally: `?`, `#` (given an alias), `%`, spaces and
 * non-ASCII are parts of file names, not URL syntax, as they are everywhere else in `spindle`.
 */
export function hdfsSourceParts(source: string): { authority?: string; path: string } {
  const m = /^hdfs:(?:\/\/([^/]*))?(\/.*)?$/i.exec(source);
  const path = m?.[2];
  if (!m || !path) throw new ConfigError(`"${source}" is not an HDFS path; use hdfs:///path or hdfs://namenode:8020/path`);
  return m[1] ? { authority: m[1], path } : { path };
}

/**
 * Checks every shipped file before submission: local files exist and are files, archives have an
 * extension YARN unpacks, aliases are unique and not one of ours. Throws ConfigError naming the option.
 */
export async function checkShippedFiles(files: readonly ShippedFile[], reserved: ReadonlySet<string> = RESERVED_NAMES): Promise<void> {
  const seen = new Map<string, string>();
  for (const f of files) {
    if (reserved.has(f.alias))
      throw new ConfigError(`${f.option}: the name "${f.alias}" is used by spindle itself; give another with #alias`);
    const other = seen.get(f.alias);
    if (other) throw new ConfigError(`${f.option}: "${f.alias}" is already shipped by ${other}; give one of them another name with #alias`);
    seen.set(f.alias, f.option);
    if (f.type === 'archive' && !archiveExtension(f.source)) {
      throw new ConfigError(`${f.option}: YARN unpacks only ${ARCHIVE_EXTENSIONS.join(', ')} archives; ship other files with --file`);
    }
    if (isRemote(f.source)) continue;
    let isFile: boolean;
    try {
      isFile = (await stat(f.source)).isFile();
    } catch {
      throw new ConfigError(`${f.option}: no such local file: ${f.source}`);
    }
    if (!isFile) throw new ConfigError(`${f.option}: ${f.source} is a directory; pack it (tar czf dir.tgz dir) and ship it with --archive`);
  }
}

export interface ShipDeps {
  hdfs: WebHdfsClient;
  cache: HdfsCache;
  /** fs.defaultFS, for hdfs: URLs without a NameNode address. */
  defaultFs: string;
}

/** Uploads (through the cache) or locates every file; returns alias → local resource. */
export async function shipFiles(deps: ShipDeps, files: readonly ShippedFile[]): Promise<Record<string, LocalResource>> {
  const entries = await Promise.all(
    files.map(async (f): Promise<[string, LocalResource]> => {
      if (isRemote(f.source)) return [f.alias, await remoteResource(deps, f)];
      const extension = f.type === 'archive' ? archiveExtension(f.source) : undefined;
      const cached = await deps.cache.put({ localPath: f.source }, { type: f.type, ...(extension ? { extension } : {}) });
      return [f.alias, cached.resource];
    }),
  );
  return Object.fromEntries(entries);
}

/** A file already on HDFS: its real size and mtime, visibility limited to this application. */
async function remoteResource(deps: ShipDeps, f: ShippedFile): Promise<LocalResource> {
  const { authority, path } = hdfsSourceParts(f.source);
  const status = await deps.hdfs.getFileStatus(path).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw new ConfigError(`${f.option}: no such file on HDFS: ${path}`, { path, cause: err });
    throw err;
  });
  if (status.type === 'directory' && f.type === 'archive') throw new ConfigError(`${f.option}: ${f.source} is a directory, not an archive`);
  const base = authority ? `hdfs://${authority}` : deps.defaultFs.replace(/\/+$/, '');
  return {
    url: `${base}${encodeUrlPath(path)}`,
    size: status.length,
    timestamp: status.modificationTime,
    type: f.type,
    visibility: 'application',
  };
}
