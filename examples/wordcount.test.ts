// Testing a job with spindle/testing: runLocal runs the job in local mode (the driver in this
// process, executors on this machine, local files) and resolves with what main returned. Run by
// the unit tests (test/.mocharc.unit.json), from the repository root:
//
//   npx mocha dist/examples/wordcount.test.js
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocal } from 'spindle/testing';

describe('examples/wordcount.ts (in local mode, with spindle/testing)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wordcount-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the words of a file and saves the counts', async () => {
    writeFileSync(join(dir, 'words.txt'), 'It was the best of times,\nit was the worst of times.\n');
    const result = await runLocal<{ words: number; distinct: number; top: [string, number][] }>('examples/wordcount.ts', {
      args: [join(dir, 'words.txt'), join(dir, 'counts'), '2'],
    });
    expect(result.words).to.equal(12);
    expect(result.distinct).to.equal(7);
    expect(Object.fromEntries(result.top)).to.deep.include({ it: 2, was: 2, the: 2, of: 2, times: 2, best: 1, worst: 1 });

    const saved = readdirSync(join(dir, 'counts'))
      .filter((f) => f.startsWith('part-'))
      .flatMap((f) =>
        readFileSync(join(dir, 'counts', f), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean),
      )
      .map((line) => JSON.parse(line) as [string, number]);
    expect(Object.fromEntries(saved)).to.deep.equal({ it: 2, was: 2, the: 2, best: 1, of: 2, times: 2, worst: 1 });
  });

  it('fails with the usage message when the output is missing', async () => {
    const err = await runLocal('examples/wordcount.ts', { args: [join(dir, 'words.txt')] }).catch((e: unknown) => e);
    expect((err as Error).message).to.match(/usage: wordcount\.ts <input> <output>/);
  });
});
