import { Readable } from 'node:stream';
import { runCli } from '../../client/cli/program.js';
import type { TextSink } from '../../client/cli/output.js';

class Sink implements TextSink {
  text = '';
  write(chunk: string | Uint8Array): boolean {
    this.text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }
}

/** Runs the CLI in-process with no Hadoop configuration at all: nothing run through it may reach a cluster. */
export async function cliWithoutCluster(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(
    argv,
    { env: {}, cwd: process.cwd(), execPath: process.execPath, onInterrupt: () => () => {} },
    { stdout, stderr, stdin: Readable.from([]) },
  );
  return { code, stdout: stdout.text, stderr: stderr.text };
}
