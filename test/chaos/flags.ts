import { FAULTS, type FaultName, parseFaults } from './faults.js';

/** The chaos runner's options (run.ts). */
export interface Flags {
  runs: number;
  faults: FaultName[];
  seed: number;
  inputMb: number;
  burnMicros: number;
  maxDelayMs?: number;
}

export const USAGE = 'usage: npm run chaos -- --runs N [--faults a,b] [--seed S] [--input-mb M] [--burn-us U] [--max-delay-ms D]';

/** Parses the command line; throws with the offending flag. */
export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { runs: 0, faults: [...FAULTS], seed: Math.floor(Math.random() * 2 ** 31), inputMb: 6, burnMicros: 8 };
  const whole = (k: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < min)
      throw new Error(`${k} must be a whole number >= ${min} (got ${v ?? 'nothing'})`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i]!, argv[i + 1]];
    if (k === '--runs') flags.runs = whole(k, v, 1);
    else if (k === '--faults') flags.faults = parseFaults(v ?? '');
    else if (k === '--seed') flags.seed = whole(k, v, 0);
    else if (k === '--input-mb') flags.inputMb = whole(k, v, 1);
    else if (k === '--burn-us') flags.burnMicros = whole(k, v, 0);
    else if (k === '--max-delay-ms') flags.maxDelayMs = whole(k, v, 0);
    else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  if (flags.runs < 1) throw new Error(`--runs is required\n${USAGE}`);
  return flags;
}
