/** HDFS paths as the user types them → absolute paths. */
import { posix } from 'node:path';
import { ConfigError } from '../../../protocols/errors/index.js';

/**
 * "/abs" stays; "hdfs://nn:8020/abs" and "hdfs:///abs" lose the scheme; "rel" and "" are under the
 * user's home directory /user/<user>, as with `hdfs dfs`.
 */
export function hdfsPath(text: string, user: string): string {
  let p = text.trim();
  if (/^(hdfs|webhdfs):/i.test(p)) {
    try {
      p = decodeURIComponent(new URL(p).pathname) || '/';
    } catch {
      throw new ConfigError(`"${text}" is not an HDFS URL (e.g. hdfs:///data/x)`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) {
    throw new ConfigError(`"${text}": only HDFS paths are supported (hdfs:///path or /path)`);
  }
  const abs = p.startsWith('/') ? p : posix.join(`/user/${user}`, p);
  const normal = posix.normalize(abs);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}
