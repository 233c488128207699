/**
 * Resident memory of ApplicationMaster containers, read from /proc on this (single-host) cluster.
 *
 * A container's processes run in its working directory,
 * `<nm-local-dir>/usercache/<user>/appcache/<application id>/<container id>`, so every process whose
 * cwd is an AM container's directory (attempt 01, container 000001) belongs to that AM: Spindle's AM
 * and its driver process, Spark's AM JVM (the driver too, in cluster mode) and its Python driver,
 * and the launch shells of either. The same rule applies to both, and no application id has to be
 * known in advance: samples are kept per application.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** How often the sampler looks (VmHWM covers the peaks between samples of each process). */
export const RSS_SAMPLE_MS = 500;
const AM_DIR = /\/(application_\d+_\d+)\/container_(?:e\d+_)?\d+_\d+_0*1_0*1$/;

export interface AmMemory {
  /** Largest sum of VmRSS over the container's processes seen in one sample, KiB. */
  peakSumRssKb: number;
  /** Sum over the container's processes of each one's own peak (VmHWM), KiB: an upper bound. */
  sumHwmKb: number;
  /** Command names of the processes seen, e.g. ["bash", "java", "python"]. */
  processes: string[];
}

/** The kB value of `field` in a /proc/<pid>/status text. */
export function statusKb(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

/** The application id of an AM container's working directory, or undefined for anything else. */
export function amAppOfCwd(cwd: string): string | undefined {
  return AM_DIR.exec(cwd)?.[1];
}

/** Samples AM containers' memory until stopped. */
export class AmRssSampler {
  private readonly peaks = new Map<string, { peakSumRssKb: number; hwm: Map<number, number>; names: Set<string> }>();
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = RSS_SAMPLE_MS): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** What was seen of `appId`'s AM container, or undefined if none of its processes was seen. */
  memoryOf(appId: string): AmMemory | undefined {
    const p = this.peaks.get(appId);
    if (!p) return undefined;
    return {
      peakSumRssKb: p.peakSumRssKb,
      sumHwmKb: [...p.hwm.values()].reduce((a, b) => a + b, 0),
      processes: [...p.names].sort(),
    };
  }

  /** One pass over /proc. Processes vanish at any moment; those are skipped. */
  sample(): void {
    const sums = new Map<string, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      let app: string | undefined;
      let status: string;
      try {
        app = amAppOfCwd(readlinkSync(`/proc/${pid}/cwd`));
        if (!app) continue;
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue;
      }
      let p = this.peaks.get(app);
      if (!p) this.peaks.set(app, (p = { peakSumRssKb: 0, hwm: new Map(), names: new Set() }));
      p.hwm.set(pid, Math.max(p.hwm.get(pid) ?? 0, statusKb(status, 'VmHWM')));
      p.names.add(/^Name:\s+(\S+)/m.exec(status)?.[1] ?? '?');
      sums.set(app, (sums.get(app) ?? 0) + statusKb(status, 'VmRSS'));
    }
    for (const [app, sum] of sums) {
      const p = this.peaks.get(app)!;
      p.peakSumRssKb = Math.max(p.peakSumRssKb, sum);
    }
  }
}
