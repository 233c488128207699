/**
 * Stack traces in what the driver and containers write to stderr: the CLI shows them only with
 * `--verbose`. Without it, a JavaScript stack keeps at most its first frame in the user's own job
 * file (where to look), and V8's out-of-memory report keeps only its "FATAL ERROR" line; the
 * container logs keep everything.
 */

/** A JavaScript stack frame line ("    at fn (file:line:col)"). */
const FRAME = /^\s+at /;
/**
 * Frames in Spindle's runtime or Node's: the runtime bundles are localized into the NodeManager's
 * file cache under content hashes, the built runtime lives in dist/.
 */
const RUNTIME_FRAME = /\/filecache\/|\(node:|^\s+at node:|\/dist\/(appmaster|executor|protocols|client)\/|<anonymous>\)?$/;
/** V8's report of a heap exhausted: its banner lines, the GC trace and the native frames. */
const V8_OOM_REPORT = [
  /^<--- (Last few GCs|JS stacktrace) --->$/,
  /^----- Native stack trace -----$/,
  /^\[\d+:0x[0-9a-f]+\]\s+\d+ ms: /,
  /^\s*\d+: 0x[0-9a-f]+ /,
  /^\s*\d+: 0x[0-9a-f]+$/,
];

/** Whether a line is part of a stack trace or of V8's out-of-memory report. */
export function isTraceLine(line: string): boolean {
  return FRAME.test(line) || V8_OOM_REPORT.some((re) => re.test(line));
}

/** Whether a frame points into the user's code (not Spindle's runtime, not Node's). */
export function isUserFrame(line: string): boolean {
  return FRAME.test(line) && !RUNTIME_FRAME.test(line);
}

/**
 * A filter for a stream of lines: drops trace lines, except the first user frame after each error
 * line. Stateful (one per stream); `hidden` counts what it dropped.
 */
export class TraceFilter {
  hidden = 0;
  private userFrameShown = false;
  /** The last line shown was dropped: blank lines after it belong to the trace (V8 spaces its report). */
  private dropping = false;

  /** Whether to show `line`. */
  keep(line: string): boolean {
    if (line.trim() === '' && this.dropping) return false;
    if (!isTraceLine(line)) {
      if (line.trim() !== '') this.userFrameShown = false;
      this.dropping = false;
      return true;
    }
    if (!this.userFrameShown && isUserFrame(line)) {
      this.userFrameShown = true;
      this.dropping = false;
      return true;
    }
    this.hidden++;
    this.dropping = true;
    return false;
  }

  /** The lines of `text` to show, joined again. */
  text(text: string): string {
    return text
      .split('\n')
      .filter((l) => this.keep(l))
      .join('\n');
  }
}
