/**
 * CPU time of the processes on this (single-host) cluster, read from /proc, so a benchmark can say
 * where the machine's CPU went during a measured window: Spindle's executors, the Hadoop daemons,
 * everything else. Linux only; elsewhere `available` is false and nothing is sampled.
 *
 * /proc/<pid>/stat fields 14 and 15 (utime, stime) are in clock ticks; Linux has reported them in
 * USER_HZ = 100 ticks per second on every architecture Node runs on.
 */
import { parseApplicationId, parseContainerId, sameApplicationId } from '../../protocols/yarn/index.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export const CPU_SAMPLE_MS = 250;
const TICKS_PER_SECOND = 100;

export type CpuRole = 'executor' | 'appmaster' | 'hadoop' | 'other';

/** The role of a process, from its command line (NUL-separated, as /proc gives it). */
export function roleOfCommand(cmdline: string): CpuRole {
  if (cmdline.includes('spindle-executor')) return 'executor';
  if (cmdline.includes('spindle-am') || cmdline.includes('spindle-driver')) return 'appmaster';
  if (/\borg\.apache\.hadoop\./.test(cmdline)) return 'hadoop';
  return 'other';
}

/** utime + stime of a /proc/<pid>/stat text, in ticks (the comm field may hold spaces and parentheses). */
export function statTicks(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(rest[11]) + Number(rest[12]);
}

interface Track {
  role: CpuRole;
  /** The YARN container the process runs in (its CONTAINER_ID), if any. */
  container: string | undefined;
  /** [epoch ms, ticks] samples in time order. */
  samples: [number, number][];
}

/** Ticks a process had used at `t`, interpolated between samples (0 before its first sample). */
export function ticksAt(samples: readonly [number, number][], t: number): number {
  if (samples.length === 0 || t <= samples[0]![0]) return samples.length === 0 ? 0 : samples[0]![1];
  for (let i = 1; i < samples.length; i++) {
    const [t1, c1] = samples[i]!;
    if (t <= t1) {
      const [t0, c0] = samples[i - 1]!;
      return c0 + ((c1 - c0) * (t - t0)) / Math.max(t1 - t0, 1);
    }
  }
  return samples[samples.length - 1]![1];
}

/** The CONTAINER_ID in a process's environment (NodeManagers set it for everything a container runs). */
function containerOf(pid: number): string | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
    return env.find((e) => e.startsWith('CONTAINER_ID='))?.slice('CONTAINER_ID='.length);
  } catch {
    return undefined;
  }
}

/** Whether a container id belongs to application `appId`. */
export function containerOfApp(containerId: string, appId: string): boolean {
  try {
    return sameApplicationId(parseContainerId(containerId).appAttemptId.appId, parseApplicationId(appId));
  } catch {
    return false;
  }
}

/** Samples every process's CPU time until stopped; answers CPU seconds by role for any window. */
export class CpuSampler {
  readonly available = existsSync('/proc/self/stat');
  private readonly tracks = new Map<number, Track>();
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = CPU_SAMPLE_MS): void {
    if (!this.available) return;
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * CPU seconds each role used between two epoch-ms instants. A process that started inside the
   * window counts from its first sample (at most one interval late), one that ended inside it up
   * to its last sample; both errors are under CPU_SAMPLE_MS per process.
   */
  secondsBetween(from: number, to: number): Record<CpuRole, number> {
    this.sample();
    const out: Record<CpuRole, number> = { executor: 0, appmaster: 0, hadoop: 0, other: 0 };
    for (const t of this.tracks.values()) out[t.role] += (ticksAt(t.samples, to) - ticksAt(t.samples, from)) / TICKS_PER_SECOND;
    return out;
  }

  /**
   * CPU seconds of one application's processes (its AM, driver and executors, found by CONTAINER_ID)
   * in a window: unlike roles, this leaves out other applications running on the cluster meanwhile.
   */
  appSecondsBetween(appId: string, from: number, to: number): number {
    this.sample();
    let ticks = 0;
    for (const t of this.tracks.values()) {
      if (t.container && containerOfApp(t.container, appId)) ticks += ticksAt(t.samples, to) - ticksAt(t.samples, from);
    }
    return ticks / TICKS_PER_SECOND;
  }

  private sample(): void {
    const now = Date.now();
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      let ticks: number;
      try {
        ticks = statTicks(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      } catch {
        continue; // gone between readdir and read
      }
      let track = this.tracks.get(pid);
      if (!track) {
        let cmdline = '';
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
        } catch {
          continue;
        }
        track = { role: roleOfCommand(cmdline), container: containerOf(pid), samples: [] };
        this.tracks.set(pid, track);
      }
      track.samples.push([now, ticks]);
    }
  }
}
