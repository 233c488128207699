/**
 * `npm run fuzz`: every decoder target (targets.ts) on many fuzzed inputs, with a fresh seed per
 * target, reporting per target the inputs run, findings (anything thrown that is not a typed error),
 * hangs (an input over 1 s), the slowest input and the process's peak resident memory.
 *
 *   node dist/test/fuzz/run.js [--runs 1000000] [--only <name part>] [--seed <n>]
 *
 * Exits 1 if any target had a finding or a hang; each finding is printed with its seed and input.
 */
import fc from 'fast-check';
import { expected, inputsFor, TARGETS } from './targets.js';

function flags(argv: string[]): { runs: number; only?: string; seed?: number } {
  const out: { runs: number; only?: string; seed?: number } = { runs: 1_000_000 };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1] ?? ''];
    if (k === '--runs') out.runs = Number(v);
    else if (k === '--only') out.only = v;
    else if (k === '--seed') out.seed = Number(v);
    else throw new Error(`unknown argument ${k} (known: --runs n --only name --seed n)`);
  }
  if (!Number.isSafeInteger(out.runs) || out.runs < 1) throw new Error('--runs must be a whole number >= 1');
  return out;
}

const HANG_MS = 1000;
const BATCH = 10_000;
const opts = flags(process.argv.slice(2));
let bad = 0;
for (const target of TARGETS) {
  if (opts.only && !target.name.includes(opts.only)) continue;
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  let runs = 0;
  let findings = 0;
  let hangs = 0;
  let slowest = 0;
  const started = performance.now();
  // Inputs come in batches (with derived seeds) so that a million of them are never held at once.
  const batches = function* (): Generator<Buffer> {
    for (let b = 0; b * BATCH < opts.runs; b++) {
      yield* fc.sample(inputsFor(target), { numRuns: Math.min(BATCH, opts.runs - b * BATCH), seed: seed + b });
    }
  };
  for (const input of batches()) {
    runs++;
    const t0 = performance.now();
    try {
      await target.run(input);
    } catch (err) {
      if (!expected(err)) {
        findings++;
        if (findings <= 3)
          console.error(
            `  finding (seed ${seed}, batch ${Math.floor((runs - 1) / BATCH)}): ${String(err)}\n    input ${input.toString('hex').slice(0, 400)}`,
          );
      }
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    if (ms > HANG_MS) {
      hangs++;
      if (hangs <= 3) console.error(`  hang of ${ms.toFixed(0)} ms (seed ${seed}): input ${input.toString('hex').slice(0, 400)}`);
    }
  }
  const rssMb = process.resourceUsage().maxRSS / 1024;
  const secs = (performance.now() - started) / 1000;
  console.log(
    `${target.name}: ${runs} inputs in ${secs.toFixed(1)} s, ${findings} findings, ${hangs} hangs, ` +
      `slowest ${slowest.toFixed(1)} ms, peak RSS ${rssMb.toFixed(0)} MB (seed ${seed})`,
  );
  bad += findings + hangs;
}
process.exit(bad === 0 ? 0 : 1);
