import { errorMessage, NotFoundError } from '../../protocols/errors/index.js';
import { isFinalState, type RmRestClient } from '../../protocols/rm-rest/index.js';

/**
 * Hidden directories a dead driver left beside an output path (see commit.ts for the layout):
 *
 *   <parent>/.<name>.spindle-<appId>-<job>/            staging: new output, complete or not
 *   <parent>/.<name>.spindle-<appId>-<job>.replaced/   overwrite: the OLD output, moved aside
 *
 * A driver that dies (SIGKILL, lost node) between the steps of a commit can leave either. What each
 * state means, by the step it died after:
 *   - setup, tasks, _SUCCESS written: staging only, the output untouched → the staging goes;
 *   - old output moved aside, new not yet renamed: the output path is MISSING, `.replaced` holds the
 *     old output whole → it is renamed back to the output path (the job failed, so its output is
 *     the old one, as abortJob would have left it), then the staging goes;
 *   - new output renamed into place, old not yet deleted: `.replaced` beside a present output → it goes.
 * Several dead overwrites of a missing output (each moved aside what the one before left): the
 * newest `.replaced` (by application id, then job number) is the latest output and is restored; the
 * older ones held outputs already replaced once.
 *
 * Only leftovers of applications the ResourceManager reports as ended are touched: one that may still
 * run may be mid-commit. An application it does not know (another cluster on the same HDFS, or one
 * long forgotten), or a ResourceManager that cannot be asked, leaves them in place. While such an
 * application has a `.replaced` beside a missing output, nothing is restored: it may be an overwrite
 * between its two renames, whose old output is newer than ours. (One with only a staging directory
 * that finds the restored output in its way fails its save as "appeared while the job ran", and
 * loses nothing.)
 */

/** What the ResourceManager says about an application: ended (final state), running, or unknown. */
export type AppLiveness = 'ended' | 'running' | 'unknown';

/**
 * Liveness from the ResourceManager's REST API: a final state (FINISHED, FAILED, KILLED) is ended,
 * any other (KILLING and FINAL_SAVING included) running; an id it does not know, or no answer, is
 * unknown.
 */
export function livenessFromRm(rm: Pick<RmRestClient, 'state'>): (appId: string) => Promise<AppLiveness> {
  return async (appId) => {
    try {
      return isFinalState(await rm.state(appId)) ? 'ended' : 'running';
    } catch {
      // NotFound (another cluster's application, or one the RM forgot), access denied, unreachable.
      return 'unknown';
    }
  };
}

/** The calls the cleanup makes; WebHdfsClient has them. */
export interface LeftoverFs {
  listStatus(path: string): Promise<{ name: string; type: string }[]>;
  exists(path: string): Promise<boolean>;
  rename(src: string, dst: string): Promise<void>;
  delete(path: string, options?: { recursive?: boolean }): Promise<boolean>;
}

export interface Leftover {
  path: string;
  appId: string;
  job: number;
  /** staging: the new output of a job that never published; replaced: the old output moved aside. */
  kind: 'staging' | 'replaced';
}

export interface LeftoverPlan {
  /** The `.replaced` directory to rename back to the missing output path. */
  restore?: Leftover;
  remove: Leftover[];
  /** Left in place, with the reason. */
  keep: { leftover: Leftover; reason: string }[];
}

export interface LeftoverResult extends LeftoverPlan {
  /** What went wrong while acting on the plan (nothing is retried; the next save tries again). */
  errors: string[];
}

const APP_ID = /^application_(\d+)_(\d+)$/;

/** The staging directory's name for an output named `name` and a job tag "<appId>-<job>". */
export function stagingName(name: string, jobTag: string): string {
  return `.${name}.spindle-${jobTag}`;
}

/** The suffix of the directory holding the old output during an overwrite. */
export const REPLACED_SUFFIX = '.replaced';

/** A directory name beside output `name` as a leftover, or undefined if it is not one of ours. */
export function parseLeftover(name: string, entry: string): Omit<Leftover, 'path'> | undefined {
  const prefix = `.${name}.spindle-`;
  if (!entry.startsWith(prefix)) return undefined;
  const m = /^(application_\d+_\d+)-(\d+)(\.replaced)?$/.exec(entry.slice(prefix.length));
  if (!m) return undefined;
  return { appId: m[1]!, job: Number(m[2]), kind: m[3] ? 'replaced' : 'staging' };
}

/** Newest first: by the RM's start time in the id, then the sequence number, then the job. */
function newestFirst(a: Leftover, b: Leftover): number {
  const [, at, as] = APP_ID.exec(a.appId)!;
  const [, bt, bs] = APP_ID.exec(b.appId)!;
  return Number(bt) - Number(at) || Number(bs) - Number(as) || b.job - a.job;
}

/**
 * Decides what to do with the leftovers beside an output, by the rules above. Pure: `liveness`
 * holds the RM's answer for every application id among them.
 */
export function planLeftovers(
  leftovers: readonly Leftover[],
  liveness: ReadonlyMap<string, AppLiveness>,
  outputExists: boolean,
): LeftoverPlan {
  const plan: LeftoverPlan = { remove: [], keep: [] };
  const ended: Leftover[] = [];
  for (const l of leftovers) {
    const state = liveness.get(l.appId) ?? 'unknown';
    if (state === 'ended') ended.push(l);
    else
      plan.keep.push({ leftover: l, reason: state === 'running' ? 'its application may still be running' : 'its application is unknown' });
  }
  const replaced = ended.filter((l) => l.kind === 'replaced').sort(newestFirst);
  const mayBeMoving = plan.keep.some((k) => k.leftover.kind === 'replaced');
  if (!outputExists && replaced.length > 0 && mayBeMoving) {
    // Another application's old output aside may be an overwrite in progress, and newer than ours.
    for (const l of replaced)
      plan.keep.push({ leftover: l, reason: 'the output is missing and another application may be committing to it' });
  } else if (!outputExists && replaced.length > 0) {
    plan.restore = replaced[0]!;
    plan.remove.push(...replaced.slice(1));
  } else {
    plan.remove.push(...replaced);
  }
  plan.remove.push(...ended.filter((l) => l.kind === 'staging'));
  return plan;
}

/** The leftovers beside `output` (an absolute path without a trailing slash). */
export async function findLeftovers(fs: LeftoverFs, output: string): Promise<Leftover[]> {
  const slash = output.lastIndexOf('/');
  const parent = output.slice(0, slash) || '/';
  const name = output.slice(slash + 1);
  let entries: { name: string; type: string }[];
  try {
    entries = await fs.listStatus(parent);
  } catch (err) {
    if (err instanceof NotFoundError) return [];
    throw err;
  }
  const out: Leftover[] = [];
  for (const e of entries) {
    const l = e.type === 'directory' ? parseLeftover(name, e.name) : undefined;
    if (l) out.push({ ...l, path: `${parent === '/' ? '' : parent}/${e.name}` });
  }
  return out;
}

export interface CleanLeftoversOptions {
  /** The application cleaning up: its own leftovers are never touched (it may be saving there now). */
  ownAppId?: string;
  /** Only report the plan. */
  dryRun?: boolean;
}

/**
 * Finds the leftovers beside `output`, asks `liveness` about their applications, and acts on the
 * plan: the restore first (its failure cancels the removal of nothing else, since only leftovers of
 * ended applications are in the plan), then the removals.
 */
export async function cleanLeftovers(
  fs: LeftoverFs,
  output: string,
  liveness: (appId: string) => Promise<AppLiveness>,
  options: CleanLeftoversOptions = {},
): Promise<LeftoverResult> {
  const leftovers = await findLeftovers(fs, output);
  if (leftovers.length === 0) return { remove: [], keep: [], errors: [] };
  const states = new Map<string, AppLiveness>();
  for (const appId of new Set(leftovers.map((l) => l.appId))) {
    states.set(appId, appId === options.ownAppId ? 'running' : await liveness(appId).catch((): AppLiveness => 'unknown'));
  }
  const plan = planLeftovers(leftovers, states, await fs.exists(output));
  if (options.dryRun) return { ...plan, errors: [] };
  const errors: string[] = [];
  if (plan.restore) {
    try {
      await fs.rename(plan.restore.path, output);
    } catch (err) {
      // The old output stays whole where it is; the next attempt tries again.
      errors.push(`restore ${plan.restore.path} to ${output}: ${errorMessage(err)}`);
      plan.keep.push({ leftover: plan.restore, reason: 'it could not be restored' });
      plan.restore = undefined;
    }
  }
  const removed: Leftover[] = [];
  for (const l of plan.remove) {
    try {
      await fs.delete(l.path, { recursive: true });
      removed.push(l);
    } catch (err) {
      errors.push(`delete ${l.path}: ${errorMessage(err)}`);
      plan.keep.push({ leftover: l, reason: 'it could not be deleted' });
    }
  }
  return { ...plan, remove: removed, errors };
}
