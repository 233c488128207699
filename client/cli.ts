#!/usr/bin/env node
/**
 * The `spindle` executable. The only module that touches the process: argv, the environment, the
 * standard streams, Ctrl-C and the exit code. Everything else is in cli/program.ts.
 */
import { runCli } from './cli/program.js';
import type { InterruptSource } from './cli/context.js';
import { EXIT_INTERRUPTED } from './cli/exit-codes.js';

/**
 * Ctrl-C goes to the running command's handler (run/submit kill their application); a second
 * Ctrl-C, or one with no handler registered, ends the process at once.
 */
function interrupts(): InterruptSource {
  const handlers = new Set<() => void>();
  let pressed = 0;
  process.on('SIGINT', () => {
    pressed++;
    if (handlers.size === 0 || pressed > 1) {
      process.stderr.write('\nspindle: interrupted\n');
      process.exit(EXIT_INTERRUPTED);
    }
    for (const h of handlers) h();
  });
  return (handler) => {
    handlers.add(handler);
    return () => handlers.delete(handler);
  };
}

// EPIPE on stdout (spindle fs cat x | head) is a normal end, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await runCli(
  process.argv.slice(2),
  { env: process.env, cwd: process.cwd(), execPath: process.execPath, onInterrupt: interrupts() },
  { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin },
);
process.exitCode = code;
