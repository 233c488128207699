import { AccessDeniedError, AlreadyExistsError, errorMessage, ParentNotDirectoryError } from '../../protocols/errors/index.js';
import { JobDefinitionError } from './errors.js';
import { type AppLiveness, cleanLeftovers, type LeftoverFs, REPLACED_SUFFIX, stagingName } from './leftovers.js';

/**
 * The output commit protocol of save actions. Nothing is visible under the output path until the
 * whole job succeeded:
 *
 *   <parent>/.<name>.spindle-<appId>-<job>/            hidden staging directory (readers skip "." names)
 *       _temporary/part-00003-a1-t57.txt              an attempt's file, written by the executor
 *       part-00003.txt                                committed: moved here by the driver, once
 *       _SUCCESS                                      written when every partition is committed; holds the job tag
 *   <parent>/<name>/                                  the staging directory renamed, in one step
 *   <parent>/.<name>.spindle-<appId>-<job>.replaced/   overwrite: the old output, until the new is in place
 *
 * The driver is the only committer: the scheduler reports the first successful attempt of each
 * partition exactly once, and only that attempt's file is moved into place, so retried, cancelled
 * or duplicate attempts never add or lose records. A failed or killed job removes its staging
 * directory; if the driver dies first, what remains is hidden and never taken for output, and the
 * next save to the same path cleans it up once the RM says its application ended (leftovers.ts),
 * putting back an old output whose overwrite never finished.
 *
 * A later attempt of the same application reruns the driver's `main`, whose saves get the same job
 * tags in the same order. `_SUCCESS` names the job that committed the output, so a save finds
 * whether an earlier attempt already committed it: then it is not run again (the output stays as
 * that attempt left it, never committed twice). Otherwise what the earlier attempt left under this
 * job's names is settled first: its staging directory goes, and an old output it had moved aside
 * goes back to the output path (or goes, when the new output is in place).
 */

/** The file operations the committer uses; WebHdfsClient has them. */
export interface CommitFs extends LeftoverFs {
  exists(path: string): Promise<boolean>;
  open(path: string): Promise<AsyncIterable<Buffer | string>>;
  mkdirs(path: string): Promise<void>;
  rename(src: string, dst: string): Promise<void>;
  delete(path: string, options?: { recursive?: boolean }): Promise<boolean>;
  create(path: string, body: string, options?: { overwrite?: boolean }): Promise<void>;
}

export const SUCCESS_MARKER = '_SUCCESS';
export const TEMPORARY_DIR = '_temporary';

/** How setup learns which applications ended, to clean up what their dead drivers left. */
export interface LeftoverCleanup {
  /** The RM's view of an application; 'unknown' when it cannot be asked. */
  liveness: (appId: string) => Promise<AppLiveness>;
  /** This application: its own hidden directories are never touched. */
  ownAppId: string;
  log: (message: string) => void;
}

export interface CommitOptions {
  /** Replace an existing output directory (at commit time; until then it stays as it was). */
  overwrite: boolean;
  /** Unique per application and action, e.g. "application_1_0001-3". */
  jobTag: string;
  /** For messages: "saveAsTextFile". */
  action: string;
  /** Clean up the leftovers of dead drivers beside the output first. Default: leave them. */
  leftovers?: LeftoverCleanup;
}

/** The final name of a partition's file. */
export function partFileName(partition: number, extension: string): string {
  return `part-${String(partition).padStart(5, '0')}${extension}`;
}

export class OutputCommitter {
  private readonly committed = new Set<number>();
  private finished = false;
  private committing: Promise<void> | undefined;
  /** Set while the old output (overwrite) sits at the aside path. */
  private aside: string | undefined;
  private published = false;

  private constructor(
    private readonly fs: CommitFs,
    readonly output: string,
    readonly staging: string,
    private readonly options: CommitOptions,
    /** An earlier attempt of this application committed this job: nothing to run, nothing to commit. */
    readonly committedEarlier = false,
    private readonly earlier: EarlierWork = { complete: false, parts: new Set() },
  ) {
    if (committedEarlier) {
      this.finished = true;
      this.published = true;
    }
  }

  /**
   * Cleans up after dead drivers (with `options.leftovers`), checks the output path and creates the
   * staging directory. The cleanup comes first: an old output it puts back counts as existing.
   */
  static async setup(fs: CommitFs, output: string, options: CommitOptions): Promise<OutputCommitter> {
    const clean = output.replace(/\/+$/, '');
    const slash = clean.lastIndexOf('/');
    const name = clean.slice(slash + 1);
    if (slash < 0 || name === '') throw new JobDefinitionError(`${options.action} ${output}: the output must be a directory path below /`);
    if (options.leftovers) await cleanUpBeside(fs, clean, options.leftovers);
    const parent = clean.slice(0, slash) || '/';
    const staging = `${clean.slice(0, slash)}/${stagingName(name, options.jobTag)}`;
    const aside = `${staging}${REPLACED_SUFFIX}`;
    if (await committedBy(fs, clean, options.jobTag)) {
      // Only an earlier attempt can have used this application's job tag; the old output it had moved aside is obsolete.
      await fs.delete(aside, { recursive: true }).catch(() => false);
      await fs.delete(staging, { recursive: true }).catch(() => false);
      return new OutputCommitter(fs, clean, staging, options, true);
    }
    if (await fs.exists(aside)) {
      // An earlier attempt died during its overwrite: the old output goes back, as abortJob would have put it.
      if (await fs.exists(clean)) await fs.delete(aside, { recursive: true });
      else await fs.rename(aside, clean);
    }
    if (!options.overwrite && (await fs.exists(clean))) {
      throw new JobDefinitionError(
        `${options.action} ${clean}: the output directory already exists; remove it or pass { overwrite: true }`,
        { path: clean },
      );
    }
    const earlier = await earlierWork(fs, staging, options.jobTag);
    if (earlier.complete) return new OutputCommitter(fs, clean, staging, options, false, earlier);
    try {
      // Partitions an earlier attempt committed stay (see resume); its attempts' files go.
      await fs.delete(earlier.parts.size > 0 ? `${staging}/${TEMPORARY_DIR}` : staging, { recursive: true });
      await fs.mkdirs(`${staging}/${TEMPORARY_DIR}`);
    } catch (err) {
      // HDFS answers a path below a file with an AccessControlException "... (is not a directory)".
      if (err instanceof ParentNotDirectoryError || (err instanceof AccessDeniedError && /is not a directory/.test(err.message))) {
        throw new JobDefinitionError(
          `${options.action} ${clean}: a parent of the output is a file, not a directory; choose an output path below a directory`,
          { path: clean, cause: err },
        );
      }
      if (err instanceof AccessDeniedError) {
        throw new JobDefinitionError(
          `${options.action} ${clean}: the job may not write in ${parent} (${errorMessage(err)}); ` +
            'choose an output directory its user can write to, or submit as a user who may (--user)',
          { path: clean, cause: err },
        );
      }
      throw err;
    }
    return new OutputCommitter(fs, clean, staging, options, false, earlier);
  }

  /**
   * An earlier attempt of this application committed every partition and died before publishing:
   * `commitJob` publishes what it left, nothing needs to run.
   */
  get completeEarlier(): boolean {
    return this.earlier.complete;
  }

  /**
   * The partitions left to compute when an earlier attempt committed some of this job's partitions
   * before it died: all but those, whose files stay as that attempt committed them. Undefined when
   * there is nothing to resume, or when what it left does not fit this job's `count` partitions
   * (another plan): then its files go and every partition is computed.
   */
  async resume(count: number): Promise<number[] | undefined> {
    const parts = this.earlier.parts;
    if (parts.size === 0) return undefined;
    if ([...parts].some((p) => p >= count)) {
      parts.clear();
      await this.fs.delete(this.staging, { recursive: true });
      await this.fs.mkdirs(`${this.staging}/${TEMPORARY_DIR}`);
      return undefined;
    }
    for (const p of parts) this.committed.add(p);
    return Array.from({ length: count }, (_, i) => i).filter((p) => !parts.has(p));
  }

  /** Where task attempts write their files. */
  get attemptDir(): string {
    return `${this.staging}/${TEMPORARY_DIR}`;
  }

  /** Moves the accepted attempt's file of `partition` into place. Called once per partition. */
  async commitTask(partition: number, attemptFile: string, extension: string): Promise<void> {
    if (this.finished) throw new Error(`internal: ${this.options.action} ${this.output}: task committed after the job ended`);
    if (this.committed.has(partition)) return;
    this.committed.add(partition);
    if (!attemptFile.startsWith(`${this.attemptDir}/`)) {
      throw new Error(`internal: ${this.options.action}: attempt file ${attemptFile} is outside ${this.attemptDir}`);
    }
    await this.fs.rename(attemptFile, `${this.staging}/${partFileName(partition, extension)}`);
  }

  /**
   * Every partition is committed: mark success and publish the directory. With overwrite the old
   * output is first moved aside (hidden, beside the staging directory) and deleted only once the new
   * one is in place, so that a failure or a kill at any step leaves the old output or the new one
   * whole under the output path, or both hidden where `abortJob` puts the old one back.
   */
  commitJob(): Promise<void> {
    if (this.committedEarlier) return Promise.resolve();
    this.committing ??= this.publish();
    return this.committing;
  }

  private async publish(): Promise<void> {
    this.finished = true;
    await this.fs.delete(`${this.staging}/${TEMPORARY_DIR}`, { recursive: true });
    await this.fs.create(`${this.staging}/${SUCCESS_MARKER}`, `${this.options.jobTag}\n`, { overwrite: true });
    if (this.options.overwrite && (await this.fs.exists(this.output))) {
      await this.fs.rename(this.output, this.asidePath);
      this.aside = this.asidePath;
    }
    try {
      await this.fs.rename(this.staging, this.output);
    } catch (err) {
      if (!this.aside && (err instanceof AlreadyExistsError || (await this.fs.exists(this.output)))) {
        await this.discardStaging();
        throw new JobDefinitionError(`${this.options.action} ${this.output}: the output directory appeared while the job ran`, {
          path: this.output,
          cause: err,
        });
      }
      throw err;
    }
    this.published = true;
    if (this.aside) {
      const old = this.aside;
      this.aside = undefined;
      // The new output is in place; an old one that cannot be deleted now is hidden and harmless.
      await this.fs.delete(old, { recursive: true }).catch(() => false);
    }
  }

  /** Where overwrite keeps the old output while the new one is moved into place. */
  private get asidePath(): string {
    return `${this.staging}${REPLACED_SUFFIX}`;
  }

  /**
   * Undoes the job's output. Never throws (the job's own error matters more). A commit in progress
   * is let finish first: if it published, the new output stays (it is complete); if it had moved
   * the old output aside, the old one is put back before the staging directory goes, and if that
   * fails both stay, hidden, rather than either being lost.
   */
  async abortJob(): Promise<void> {
    this.finished = true;
    await this.committing?.catch(() => undefined);
    if (this.published) return;
    if (this.aside) {
      try {
        await this.fs.rename(this.aside, this.output);
        this.aside = undefined;
      } catch {
        // The old output is still whole at the aside path, and the new one in the staging directory.
        return;
      }
    }
    await this.discardStaging();
  }

  private async discardStaging(): Promise<void> {
    try {
      await this.fs.delete(this.staging, { recursive: true });
    } catch {
      // The staging directory is hidden either way.
    }
  }
}

/** What an earlier attempt of this application left in this job's staging directory. */
interface EarlierWork {
  /** Every partition committed and `_SUCCESS` written: only the publishing rename was missing. */
  complete: boolean;
  /** Partitions whose files it had committed (moved out of `_temporary`). */
  parts: Set<number>;
}

async function earlierWork(fs: CommitFs, staging: string, jobTag: string): Promise<EarlierWork> {
  let names: string[];
  try {
    names = (await fs.listStatus(staging)).map((e) => e.name);
  } catch {
    return { complete: false, parts: new Set() };
  }
  const complete = names.includes(SUCCESS_MARKER) && (await successTag(fs, `${staging}/${SUCCESS_MARKER}`)) === jobTag;
  const parts = new Set<number>();
  for (const n of names) {
    const m = /^part-(\d{5,})(\.|$)/.exec(n);
    if (m) parts.add(Number(m[1]));
  }
  return { complete, parts };
}

/** Whether `output` holds an output committed by job `jobTag` (its `_SUCCESS` names it). */
async function committedBy(fs: CommitFs, output: string, jobTag: string): Promise<boolean> {
  // No such output (the usual case), or one that cannot be read: not ours; setup's next steps say what is wrong.
  return (await successTag(fs, `${output}/${SUCCESS_MARKER}`)) === jobTag;
}

/** The job tag a `_SUCCESS` file holds; undefined when it cannot be read. */
async function successTag(fs: CommitFs, path: string): Promise<string | undefined> {
  let text = '';
  try {
    for await (const chunk of await fs.open(path)) text += chunk.toString();
  } catch {
    return undefined;
  }
  return text.trim();
}

/** Never fails the save: a leftover that cannot be handled now stays hidden until the next one. */
async function cleanUpBeside(fs: CommitFs, output: string, cleanup: LeftoverCleanup): Promise<void> {
  try {
    const r = await cleanLeftovers(fs, output, cleanup.liveness, { ownAppId: cleanup.ownAppId });
    if (r.restore)
      cleanup.log(`${output}: put back the old output ${r.restore.path}, whose overwrite by an ended application never finished`);
    for (const l of r.remove) cleanup.log(`${output}: removed ${l.path}, left by ${l.appId}, which ended`);
    for (const e of r.errors) cleanup.log(`${output}: leftover cleanup: ${e}`);
  } catch (err) {
    cleanup.log(`${output}: leftover cleanup skipped: ${errorMessage(err)}`);
  }
}
