/**
 * A container's command as YARN runs it. The NodeManager writes each command into the container's
 * launch script as
 *
 *   exec /bin/bash -c "<command>"
 *
 * (seen in launch_container.sh on Hadoop 3.5.0), without escaping it. So a word in a command is read
 * twice: first inside those double quotes (where `\`, `"`, `$` and backquotes act), then by
 * `bash -c`. A word written with `containerCommandWord` comes out of both as itself.
 */

/** Quotes one word for bash so that it stays one word, unchanged. */
export function bashWord(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_\-+=.,/:@%^]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `word` written for a container command: one word, exactly as given, after both readings. */
export function containerCommandWord(word: string): string {
  return bashWord(word).replace(/[\\"$`]/g, (c) => `\\${c}`);
}
