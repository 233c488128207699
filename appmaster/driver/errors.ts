import { SpindleError, type SpindleErrorOptions } from '../../protocols/errors/index.js';

/**
 * Errors a job's actions reject with. They extend SpindleError so that callers branch with
 * `instanceof`; the message is what the user reads on the command line.
 */

/** The job itself is wrong: a function that cannot travel, a bad argument, an existing output. */
export class JobDefinitionError extends SpindleError {
  override readonly name: string = 'JobDefinitionError';
}

/** The job module's top-level code threw while it was imported; `cause` is the user's error. */
export class JobModuleError extends SpindleError {
  override readonly name: string = 'JobModuleError';
}

/** Where and how a task failed for the last time. */
export interface TaskFailure {
  stageId: number;
  partition: number;
  /** 1-based attempt number of the last attempt. */
  attempt: number;
  executorId: string;
  host: string;
  /** The error as the executor reported it. */
  errorName: string;
  errorMessage: string;
  stack: string;
  /** USER: the job's code threw; CLOSURE: it used a name executors do not have; SYSTEM: our side. */
  kind: 'USER' | 'CLOSURE' | 'SYSTEM';
}

/** A task failed on every attempt (or a failure that retrying cannot fix); the action fails. */
export class TaskFailedError extends SpindleError {
  override readonly name: string = 'TaskFailedError';
  readonly failure: TaskFailure;

  constructor(message: string, failure: TaskFailure, options: SpindleErrorOptions = {}) {
    super(message, options);
    this.failure = failure;
  }
}

/** The job cannot go on: executors keep failing, the AM gave up, or the job was cancelled. */
export class JobAbortedError extends SpindleError {
  override readonly name: string = 'JobAbortedError';
}

/** Merging a task's accumulator updates in the driver failed (the merge function threw, an update of the wrong kind). */
export class AccumulatorError extends SpindleError {
  override readonly name: string = 'AccumulatorError';
}
