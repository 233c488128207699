import { errorMessage } from '../../protocols/errors/index.js';
import { JobDefinitionError, TaskFailedError } from './errors.js';
import { resultLine } from './result-line.js';
import type { DriverRuntime } from './runtime.js';

/**
 * Runs a job's main with the runtime's Context, the same way on the cluster (the driver process) and
 * in local mode (the client process): the value main returns becomes one line of JSON handed to
 * `writeResult`, the runtime is stopped either way, and a failure is logged (its stack only when the
 * error does not explain itself). Resolves to the exit code: 0, or 1 when main or its tasks failed.
 */
export async function runJobMain(
  main: (...args: unknown[]) => unknown,
  runtime: Pick<DriverRuntime, 'context' | 'stop'>,
  args: string[],
  options: {
    writeResult: (line: string) => Promise<void>;
    log: (message: string) => void;
    /** Where stacks go (stderr). */
    writeStack: (stack: string) => void;
    /** One more line about a failure, if there is something to add (the cluster: a refused token). */
    explain?: (err: unknown) => string | undefined;
  },
): Promise<{ code: number; error?: unknown; result?: unknown }> {
  try {
    const result = await main(runtime.context, args);
    let line: string;
    try {
      line = resultLine(result);
    } catch (err) {
      throw new JobDefinitionError(
        `the value main returned cannot be printed as JSON (${errorMessage(err).split('\n')[0]}); ` +
          'return plain data: numbers, strings, arrays, plain objects, Map or Set',
        { cause: err },
      );
    }
    await options.writeResult(line);
    await runtime.stop('succeeded', 'the job has finished');
    return { code: 0, result };
  } catch (err) {
    options.log(`the job failed: ${err instanceof Error ? err.message : String(err)}`);
    // Task failures and job definition errors say all there is to say; anything else is worth its stack.
    const explained = err instanceof TaskFailedError || err instanceof JobDefinitionError;
    if (!explained && err instanceof Error && err.stack) options.writeStack(`${err.stack}\n`);
    const more = options.explain?.(err);
    if (more) options.log(more);
    await runtime.stop('failed', 'the job failed', { cause: errorMessage(err) });
    return { code: 1, error: err };
  }
}
