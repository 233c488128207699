/**
 * Pure URL building for WebHDFS calls:
 *
 *   http://<namenode>[/<prefix>]/webhdfs/v1<encoded path>?op=<OP>&<param>=<value>...&user.name=<u>
 *
 * Each path segment is percent-encoded on its own (slashes stay), and so is each query value. Query
 * values are never '+'-encoded: the DataNode's decoder turns '+' into a space.
 */
import { posix } from 'node:path';

/** The fixed prefix of every WebHDFS REST path. */
export const WEBHDFS_PREFIX = '/webhdfs/v1';

/** Values a WebHDFS query parameter may take; undefined parameters are left out. */
export type QueryValue = string | number | boolean | undefined;

/** How a request authenticates: simple auth by user name, or a delegation token. */
export interface Auth {
  user?: string;
  delegationToken?: string;
}

/**
 * Check that `path` is an absolute HDFS path and tidy it the POSIX way: repeated slashes collapse,
 * `.` and `..` segments resolve (the URL parser would resolve them anyway, possibly out of
 * /webhdfs/v1), and a trailing slash goes (except for the root).
 * Throws TypeError for a non-string or relative path (a programming error, like Node's fs).
 */
export function normalizePath(path: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new TypeError(`HDFS path must be an absolute string path (got ${JSON.stringify(path)})`);
  }
  const tidy = posix.normalize(path);
  return tidy.length > 1 && tidy.endsWith('/') ? tidy.slice(0, -1) : tidy;
}

/** Percent-encode each segment of a normalized absolute path. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The parent directory of a normalized path ('/' for '/' and for top-level entries). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

/** The last segment of a normalized path ('' for the root). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `dir` joined with one child name. */
export function joinPath(dir: string, name: string): string {
  if (name === '') return dir;
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** The query string (without '?') for an operation, its parameters and the authentication. */
export function buildQuery(op: string, params: Record<string, QueryValue>, auth: Auth): string {
  const parts = [`op=${op}`];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  // WebHdfsFileSystem sends either the token or the user, never both.
  if (auth.delegationToken !== undefined) parts.push(`delegation=${encodeURIComponent(auth.delegationToken)}`);
  else if (auth.user !== undefined) parts.push(`user.name=${encodeURIComponent(auth.user)}`);
  return parts.join('&');
}

/** The full URL of a NameNode call; `base` is a NameNode base URL, possibly with a path prefix. */
export function buildUrl(base: URL, path: string, op: string, params: Record<string, QueryValue>, auth: Auth): URL {
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${base.origin}${prefix}${WEBHDFS_PREFIX}${encodePath(path)}?${buildQuery(op, params, auth)}`);
}

/** Format a permission for the `permission` parameter: numbers as octal, strings verbatim. */
export function formatPermission(permission: number | string | undefined): string | undefined {
  if (permission === undefined) return undefined;
  return typeof permission === 'number' ? permission.toString(8) : permission;
}

/** host:port of a URL, for error context (never the query, which may hold a token). */
export function serverOf(url: URL): string {
  return url.host;
}
