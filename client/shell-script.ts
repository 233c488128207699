/**
 * The script a shell container runs. YARN writes a container's command into its launch script inside
 * double quotes, so `$`, backquotes and quotes in a command would be interpreted twice; shipping the
 * command as a file (as DistributedShell does) keeps the user's words exactly as given.
 */

import { bashWord } from '../protocols/yarn/index.js';

/** Quotes one word for bash so that it stays one word, unchanged. */
export const shellQuote = bashWord;

/**
 * A bash script that runs `argv` (program and arguments) with `exec`. A single element is treated as
 * a shell command line (`spindle run -- 'echo $HOSTNAME | wc -c'`), several as separate words.
 */
export function shellScript(argv: readonly string[]): string {
  if (argv.length === 0) throw new RangeError('no command given');
  const line = argv.length === 1 ? argv[0]! : `exec ${argv.map(shellQuote).join(' ')}`;
  return `#!/bin/bash\n# Written by spindle: the command of every container of this application.\n${line}\n`;
}
