/**
 * Where the CLI writes. Results go to stdout, everything else (progress, notes, warnings) to stderr.
 * On a terminal a live status line sits at the bottom of stderr and is redrawn after any other
 * output; when stderr is not a terminal the status is printed as plain lines, only when it changes.
 */

/** The smallest stream surface the CLI needs (process.stdout / process.stderr satisfy it). */
export interface TextSink {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
  columns?: number;
  /** For backpressure: 'drain' after write() returned false (streams have it). */
  once?(event: 'drain', listener: () => void): unknown;
}

export interface OutputOptions {
  /** Machine-readable results on stdout; notes still go to stderr. */
  json?: boolean;
  /** Only results, warnings and errors. */
  quiet?: boolean;
  /** Debug notes too. */
  verbose?: boolean;
  /** Overrides stderr.isTTY (tests). */
  interactive?: boolean;
}

const CLEAR_LINE = '\r\x1b[2K';

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** stderr is a terminal: live status line and progress bars. */
  readonly interactive: boolean;
  private statusLine = '';
  private lastPlainStatus = '';

  constructor(
    readonly stdout: TextSink,
    readonly stderr: TextSink,
    options: OutputOptions = {},
  ) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.interactive = options.interactive ?? stderr.isTTY === true;
  }

  /** A result line on stdout. */
  result(text: string): void {
    this.aroundStatus(() => this.stdout.write(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Raw bytes on stdout (a file's contents, a driver's output). */
  raw(chunk: string | Uint8Array): void {
    this.aroundStatus(() => this.stdout.write(chunk));
  }

  /** Raw bytes on stdout, waiting for the stream to drain when it is full (large files). */
  async rawAsync(chunk: string | Uint8Array): Promise<void> {
    const sink = this.stdout;
    if (sink.write(chunk) || !sink.once) return;
    await new Promise<void>((resolve) => sink.once!('drain', resolve));
  }

  /** Raw bytes on stderr (a container's stderr). */
  rawErr(chunk: string | Uint8Array): void {
    this.aroundStatus(() => this.stderr.write(chunk));
  }

  /** A JSON document on stdout. */
  jsonResult(value: unknown): void {
    this.result(JSON.stringify(value, null, 2));
  }

  /** A note on stderr (not with --quiet). */
  info(text: string): void {
    if (!this.quiet) this.line(text);
  }

  /** A warning on stderr (always). */
  warn(text: string): void {
    this.line(text);
  }

  /** A debug note on stderr (only with --verbose). */
  debug(text: string): void {
    if (this.verbose) this.line(text);
  }

  /**
   * The live status. On a terminal it replaces the previous status line; otherwise it is printed as
   * a plain line when it differs from the last one (not with --quiet).
   */
  status(text: string): void {
    if (this.quiet) return;
    if (this.interactive) {
      const width = Math.max(20, (this.stderr.columns || 100) - 1);
      this.statusLine = text.length > width ? `${text.slice(0, width - 1)}…` : text;
      this.stderr.write(`${CLEAR_LINE}${this.statusLine}`);
    } else if (text !== this.lastPlainStatus) {
      this.lastPlainStatus = text;
      this.stderr.write(`${text}\n`);
    }
  }

  /** Removes the status line (before the final report). */
  clearStatus(): void {
    if (this.interactive && this.statusLine !== '') this.stderr.write(CLEAR_LINE);
    this.statusLine = '';
  }

  private line(text: string): void {
    this.aroundStatus(() => this.stderr.write(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** Writes with the status line lifted out of the way and redrawn after. */
  private aroundStatus(write: () => void): void {
    if (!this.interactive || this.statusLine === '') {
      write();
      return;
    }
    this.stderr.write(CLEAR_LINE);
    write();
    this.stderr.write(this.statusLine);
  }
}
