import { expect } from 'chai';
import fc from 'fast-check';
import { expected, inputsFor, TARGETS } from '../fuzz/targets.js';

/**
 * Every decoder of untrusted bytes, on a bounded number of fuzzed inputs with a fixed seed (so a
 * failure here reproduces): it returns or throws a typed error, within a second. `npm run fuzz`
 * runs the same targets a million inputs each with fresh seeds.
 */
const RUNS = 1500;
const SEED = 20261203;

describe('decoders under fuzzed input', function () {
  this.timeout(60_000);
  for (const target of TARGETS) {
    it(`${target.name}: returns or throws a typed error, never anything else, within 1 s`, async () => {
      await fc.assert(
        fc.asyncProperty(inputsFor(target), async (input) => {
          const started = performance.now();
          try {
            await target.run(input);
          } catch (err) {
            if (!expected(err)) throw err;
          }
          expect(performance.now() - started, `input ${input.toString('hex')}`).to.be.lessThan(1000);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  }
});
