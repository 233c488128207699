import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AM_STATUS_EVENTS,
  formatContainerListEntry,
  type AmContainerEvent,
  type AmLaunchedContainer,
  type ContainerListEntry,
} from '../protocols/am-status/index.js';
import { CONTAINER_LIST_FILE } from '../protocols/app-spec/index.js';
import { EXIT_STATUS_UNKNOWN, type ContainerGrant, type LaunchContext } from '../protocols/yarn/index.js';
import type { Allocator, ContainerEvent } from './allocator.js';
import type { Launcher } from './launcher.js';
import { errorMessage } from '../protocols/errors/index.js';

/**
 * The one path by which the AM starts containers, whatever runs in them (shell commands, executors),
 * and the record of what became of them: which containers started where (served in the status
 * document and appended to `containers.jsonl`, so `spindle logs` finds every container after the RM
 * has forgotten them), the last ones that ended, and the start-up timings for the metrics line.
 */

export interface LaunchesOptions {
  launcher: Pick<Launcher, 'launch'>;
  /** The AM container's log directory, where `containers.jsonl` goes; no list is kept without one. */
  logDir?: string;
  /** A launch finished: the next heartbeat should come soon. */
  wake: () => void;
  log: (message: string) => void;
  /** Default Date.now. */
  now?: () => number;
}

/** How one launch is named and followed. */
export interface LaunchHooks {
  /** What runs in the container, for log lines, e.g. "executor 3"; none for shell containers. */
  name?: string;
  /** startContainers succeeded. */
  started?: () => void;
  /** startContainers failed; the event is already recorded and counted by the allocator. */
  failed?: (event: ContainerEvent) => void;
}

export class Launches {
  /** Every container started, oldest first. */
  readonly launched: AmLaunchedContainer[] = [];
  /** ms from the first ask to each container's start, for the metrics line and the benchmark. */
  readonly startLatencies: number[] = [];
  firstRunningAt: number | undefined;
  askedAt: number | undefined;
  private readonly recent: AmContainerEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: LaunchesOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Containers were asked for (the first call starts the start-latency clock). */
  asked(): void {
    this.askedAt ??= this.now();
  }

  /** Starts a granted container in the background; the allocator hears whether it started. */
  launch(allocator: Allocator, grant: ContainerGrant, context: LaunchContext, hooks: LaunchHooks = {}): void {
    const containerId = grant.id.text;
    const node = `${grant.nodeId.host}:${grant.nodeId.port}`;
    const p = this.options.launcher
      .launch(grant, context)
      .then(() => {
        const at = this.now();
        this.firstRunningAt ??= at;
        if (this.askedAt !== undefined) this.startLatencies.push(at - this.askedAt);
        allocator.onStarted(containerId);
        this.options.log(hooks.name ? `${hooks.name} started in ${containerId} on ${node}` : `started ${containerId} on ${node}`);
        const entry: AmLaunchedContainer = { containerId, node, nodeHttpAddress: grant.nodeHttpAddress, at };
        this.launched.push(entry);
        this.append({ event: 'started', ...entry });
        hooks.started?.();
      })
      .catch((err: unknown) => {
        const event = allocator.onLaunchFailed(containerId, errorMessage(err));
        if (!event) return;
        this.ended(event, hooks.name);
        hooks.failed?.(event);
      })
      .finally(() => {
        this.inFlight.delete(p);
        this.options.wake();
      });
    this.inFlight.add(p);
  }

  /** Records a container that ended (or never started): list file, status, log line. */
  ended(event: ContainerEvent, name?: string): void {
    this.append({
      event: 'ended',
      containerId: event.containerId,
      ...(event.node ? { node: event.node } : {}),
      ...(event.nodeHttpAddress ? { nodeHttpAddress: event.nodeHttpAddress } : {}),
      exitStatus: event.exitStatus,
      at: this.now(),
    });
    this.recent.push(event);
    if (this.recent.length > AM_STATUS_EVENTS) this.recent.shift();
    const code = event.exitStatus === EXIT_STATUS_UNKNOWN ? '' : ` (exit status ${event.exitStatus})`;
    const who = `${name ? `${name} in ` : ''}${event.containerId} on ${event.host ?? '?'}`;
    this.options.log(`${who}: ${event.classification.description}${code}`);
  }

  /** The last containers that ended, oldest first. */
  recentEnds(): AmContainerEvent[] {
    return [...this.recent];
  }

  /** Waits for launches in flight (at the end). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private append(entry: ContainerListEntry): void {
    const dir = this.options.logDir;
    if (!dir) return;
    try {
      appendFileSync(join(dir, CONTAINER_LIST_FILE), formatContainerListEntry(entry));
    } catch (err) {
      this.options.log(`could not write ${CONTAINER_LIST_FILE}: ${errorMessage(err)}`);
    }
  }
}
