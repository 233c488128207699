import { SHELL_SCRIPT_FILE, type ShellSpec } from '../../protocols/app-spec/index.js';
import type { RegisterResult } from '../../protocols/yarn/index.js';
import { Allocator, checkContainerSize } from '../allocator.js';
import type { Heartbeat } from '../heartbeat.js';
import type { Launches } from '../launches.js';
import type { RmClient } from '../rm-client.js';
import { amCommandOutcome, type AmOutcome, type Workload } from './workload.js';

export interface ShellWorkloadDeps {
  appId: string;
  rm: Pick<RmClient, 'allocate'>;
  heartbeat: Pick<Heartbeat, 'run'>;
  launches: Launches;
  /** HDTS credentials for the containers (delegation tokens; no AMRMToken). */
  containerTokens: () => Buffer;
}

/**
 * The distributed shell (`spindle run`): the command runs once in each of `containers` containers;
 * the application succeeds when all of them exited 0 and fails past `maxFailures` failed ones.
 */
export class ShellWorkload implements Workload {
  private readonly alloc: Allocator;

  constructor(
    private readonly shell: ShellSpec,
    private readonly deps: ShellWorkloadDeps,
  ) {
    this.alloc = new Allocator({
      resource: { memoryMb: shell.memoryMb, vcores: shell.vcores },
      maxFailures: shell.maxFailures,
      replaceSucceeded: false,
      ...(shell.priority !== undefined ? { priority: shell.priority } : {}),
      ...(shell.nodeLabel ? { nodeLabel: shell.nodeLabel } : {}),
    });
  }

  allocator(): Allocator {
    return this.alloc;
  }

  progress(): undefined {
    return undefined;
  }

  async run(registration: RegisterResult, signal: AbortSignal): Promise<AmOutcome> {
    const { shell, alloc: allocator } = this;
    const { rm, launches } = this.deps;
    const words = { noun: 'containers', memoryAdvice: 'ask for less with --memory', vcoresAdvice: 'ask for fewer with --vcores' };
    const tooBig = checkContainerSize({ memoryMb: shell.memoryMb, vcores: shell.vcores }, registration.maximumCapability, words);
    if (tooBig) return { finalStatus: 'failed', diagnostics: tooBig };

    allocator.setTarget(shell.containers);
    const context = {
      localResources: shell.localResources,
      environment: { ...shell.environment, SPINDLE_APP_ID: this.deps.appId },
      commands: [`/bin/bash ./${SHELL_SCRIPT_FILE} 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr`],
      tokens: this.deps.containerTokens(),
    };
    let outcome: AmOutcome | undefined;
    await this.deps.heartbeat.run(async () => {
      const counts = allocator.counts();
      const asks = allocator.takeAsks();
      if (asks.some((a) => a.count > 0)) launches.asked();
      const result = await rm.allocate({
        progress: counts.target === 0 ? 0 : counts.succeeded / counts.target,
        asks,
        releases: allocator.takeReleases(),
      });
      if (result.amCommand) {
        outcome = amCommandOutcome(result.amCommand);
        return 'stop';
      }
      for (const grant of allocator.onAllocated(result.allocated)) launches.launch(allocator, grant, context);
      for (const event of allocator.onCompleted(result.completed)) launches.ended(event);
      const failure = allocator.failureReason();
      if (failure) {
        outcome = { finalStatus: 'failed', diagnostics: failure };
        return 'stop';
      }
      if (allocator.isDone()) {
        outcome = { finalStatus: 'succeeded', diagnostics: `all ${shell.containers} container(s) exited 0` };
        return 'stop';
      }
      // Run-once commands: their completions are what the user waits for, so poll fast while any live.
      const c = allocator.counts();
      return c.pending > 0 || c.launching > 0 || c.running > 0 ? 'fast' : 'idle';
    }, signal);
    return outcome ?? { finalStatus: 'failed', diagnostics: 'the AM stopped without an outcome' };
  }
}
