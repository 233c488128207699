/**
 * Paging over LISTSTATUS_BATCH. The NameNode returns at most `dfs.ls.limit` entries per call, sorted
 * by name, with the count still to come; the next call passes `startafter=<last pathSuffix>`.
 */
import { ProtocolError } from '../errors/index.js';
import type { FileStatus } from './types.js';
import type { ListingPage, WireContext } from './wire.js';

/** Fetch the page after `startAfter` (undefined: the first page). */
export type PageFetcher = (startAfter: string | undefined) => Promise<ListingPage>;

/** Every entry of a directory, page by page; only one page is held at a time. */
export async function* pagedEntries(fetchPage: PageFetcher, ctx: WireContext): AsyncGenerator<FileStatus, void, undefined> {
  let startAfter: string | undefined;
  for (;;) {
    const page = await fetchPage(startAfter);
    yield* page.entries;
    if (page.remaining <= 0) return;
    const last = page.entries[page.entries.length - 1];
    // Guard against a server that would make us loop forever.
    if (last === undefined || last.name === startAfter) {
      throw new ProtocolError(`${ctx.operation} ${ctx.path}: listing made no progress (${page.remaining} entries said to remain)`, ctx);
    }
    startAfter = last.name;
  }
}
