/**
 * A progress bar for transfers, drawn on the status line of a terminal (nothing otherwise), and a
 * pass-through stream that counts bytes for it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { formatBytes } from './format.js';
import type { Output } from './output.js';

/** Transfers smaller than this get no bar. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/** "put big.bin  [#########-----]  41%  12.0 MiB/29.3 MiB  8.1 MiB/s". */
export function progressText(label: string, done: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${formatBytes(Math.round((done * 1000) / elapsedMs))}/s` : '';
  if (!total) return `${label}  ${formatBytes(done)}  ${rate}`.trimEnd();
  const frac = Math.min(1, done / total);
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  return `${label}  ${bar} ${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(done)}/${formatBytes(total)}  ${rate}`.trimEnd();
}

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started: number;
  private readonly enabled: boolean;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    this.enabled = out.interactive && !out.quiet && (total === undefined || total >= PROGRESS_MIN_BYTES);
  }

  add(bytes: number): void {
    this.done += bytes;
    if (!this.enabled) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    this.out.status(progressText(this.label, this.done, this.total, t - this.started));
  }

  finish(): void {
    if (this.enabled) this.out.clearStatus();
  }

  /** A pass-through stream that reports its bytes here. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        this.add(chunk.length);
        cb(null, chunk);
      },
    });
  }
}
