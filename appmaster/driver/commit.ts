import { AlreadyExistsError } from '../../protocols/errors/index.js';
import { JobDefinitionError } from './errors.js';

/**
 * The output commit protocol of save actions. Nothing is visible under the output path until the
 * whole job succeeded:
 *
 *   <parent>/.<name>.spindle-<appId>-<job>/            hidden staging directory (readers skip "." names)
 *       _temporary/part-00003-a1-t57.txt              an attempt's file, written by the executor
 *       part-00003.txt                                committed: moved here by the driver, once
 *       _SUCCESS                                      written when every partition is committed
 *   <parent>/<name>/                                  the staging directory renamed, in one step
 *
 * The driver is the only committer: the scheduler reports the first successful attempt of each
 * partition exactly once, and only that attempt's file is moved into place, so retried, cancelled
 * or duplicate attempts never add or lose records. A failed or killed job removes its staging
 * directory; if the driver dies first, what remains is hidden and never taken for output.
 */

/** The file operations the committer uses; WebHdfsClient has them. */
export interface CommitFs {
  exists(path: string): Promise<boolean>;
  mkdirs(path: string): Promise<void>;
  rename(src: string, dst: string): Promise<void>;
  delete(path: string, options?: { recursive?: boolean }): Promise<boolean>;
  create(path: string, body: string, options?: { overwrite?: boolean }): Promise<void>;
}

export const SUCCESS_MARKER = '_SUCCESS';
export const TEMPORARY_DIR = '_temporary';

export interface CommitOptions {
  /** Replace an existing output directory (at commit time; until then it stays as it was). */
  overwrite: boolean;
  /** Unique per application and action, e.g. "application_1_0001-3". */
  jobTag: string;
  /** For messages: "saveAsTextFile". */
  action: string;
}

/** The final name of a partition's file. */
export function partFileName(partition: number, extension: string): string {
  return `part-${String(partition).padStart(5, '0')}${extension}`;
}

export class OutputCommitter {
  private readonly committed = new Set<number>();
  private finished = false;

  private constructor(
    private readonly fs: CommitFs,
    readonly output: string,
    readonly staging: string,
    private readonly options: CommitOptions,
  ) {}

  /** Checks the output path and creates the staging directory. */
  static async setup(fs: CommitFs, output: string, options: CommitOptions): Promise<OutputCommitter> {
    const clean = output.replace(/\/+$/, '');
    const slash = clean.lastIndexOf('/');
    const name = clean.slice(slash + 1);
    if (slash < 0 || name === '') throw new JobDefinitionError(`${options.action} ${output}: the output must be a directory path below /`);
    if (!options.overwrite && (await fs.exists(clean))) {
      throw new JobDefinitionError(
        `${options.action} ${clean}: the output directory already exists; remove it or pass { overwrite: true }`,
        { path: clean },
      );
    }
    const staging = `${clean.slice(0, slash)}/.${name}.spindle-${options.jobTag}`;
    await fs.delete(staging, { recursive: true });
    await fs.mkdirs(`${staging}/${TEMPORARY_DIR}`);
    return new OutputCommitter(fs, clean, staging, options);
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

  /** Every partition is committed: mark success and publish the directory. */
  async commitJob(): Promise<void> {
    this.finished = true;
    await this.fs.delete(`${this.staging}/${TEMPORARY_DIR}`, { recursive: true });
    await this.fs.create(`${this.staging}/${SUCCESS_MARKER}`, '', { overwrite: true });
    if (this.options.overwrite) await this.fs.delete(this.output, { recursive: true });
    try {
      await this.fs.rename(this.staging, this.output);
    } catch (err) {
      if (err instanceof AlreadyExistsError || (await this.fs.exists(this.output))) {
        await this.abortJob();
        throw new JobDefinitionError(`${this.options.action} ${this.output}: the output directory appeared while the job ran`, {
          path: this.output,
          cause: err,
        });
      }
      throw err;
    }
  }

  /** Removes everything the job wrote. Never throws (the job's own error matters more). */
  async abortJob(): Promise<void> {
    this.finished = true;
    try {
      await this.fs.delete(this.staging, { recursive: true });
    } catch {
      // The staging directory is hidden either way.
    }
  }
}
