import type { ContainerLogListing, NmRestClient } from '../protocols/nm-rest/index.js';

/**
 * Following one container's log files (stdout and stderr by default) through its NodeManager:
 * remember a byte offset per file, fetch only what was appended since the last poll, and hand out
 * complete lines. Lines are split on the bytes ("\n" never occurs inside a UTF-8 sequence), so a
 * multi-byte character cut by a read boundary is decoded whole later.
 */

export const DEFAULT_LOG_FILES: readonly string[] = ['stdout', 'stderr'];
/** A line that grows past this without a newline is handed out anyway. */
export const MAX_PARTIAL_LINE_BYTES = 64 * 1024;

/** One line of one file (without its newline). */
export interface LogLine {
  file: string;
  text: string;
}

export interface PollResult {
  lines: LogLine[];
  /** The listing this poll saw (files and aggregation type). */
  listing: ContainerLogListing;
}

export class ContainerLogTail {
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, Buffer>();
  /** Whether any listing returned files (false: this node has no logs of the container). */
  found = false;

  constructor(
    private readonly nm: NmRestClient,
    readonly containerId: string,
    /** NodeManager web address. */
    readonly node: string,
    private readonly files: readonly string[] = DEFAULT_LOG_FILES,
    /** Start at these offsets (e.g. skip what was already shown). */
    startAt: Record<string, number> = {},
  ) {
    for (const [f, o] of Object.entries(startAt)) this.offsets.set(f, o);
  }

  /** Bytes consumed so far of `file`. */
  offset(file: string): number {
    return this.offsets.get(file) ?? 0;
  }

  /** Fetches what was appended since the last poll; returns the complete lines. */
  async poll(): Promise<PollResult> {
    const listing = await this.nm.logFiles(this.node, this.containerId);
    if (listing.files.length > 0) this.found = true;
    const lines: LogLine[] = [];
    for (const file of this.files) {
      const info = listing.files.find((f) => f.name === file);
      const offset = this.offset(file);
      if (!info || info.size <= offset) continue;
      const chunk = await this.nm.readFrom(this.node, this.containerId, file, offset, info.size);
      this.offsets.set(file, chunk.start + chunk.data.length);
      lines.push(...this.split(file, chunk.data));
    }
    return { lines, listing };
  }

  /** The unterminated last lines, once no more output will come. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const file of this.files) {
      const rest = this.partial.get(file);
      if (rest && rest.length > 0) out.push({ file, text: rest.toString('utf8') });
      this.partial.delete(file);
    }
    return out;
  }

  private split(file: string, data: Buffer): LogLine[] {
    let buf = this.partial.has(file) ? Buffer.concat([this.partial.get(file)!, data]) : data;
    const out: LogLine[] = [];
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      out.push({ file, text: buf.subarray(0, nl).toString('utf8').replace(/\r$/, '') });
      buf = buf.subarray(nl + 1);
    }
    if (buf.length >= MAX_PARTIAL_LINE_BYTES) {
      out.push({ file, text: buf.toString('utf8') });
      buf = Buffer.alloc(0);
    }
    this.partial.set(file, Buffer.from(buf));
    return out;
  }
}
