import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULTS, faultSchedule, parseFaults } from '../chaos/faults.js';
import { parseFlags } from '../chaos/flags.js';
import { SeededRandom } from '../chaos/random.js';
import { median, summaryTable } from '../chaos/report.js';
import { expectedLines, generateData, JOB_SOURCE, SINGLE_WORDS } from '../chaos/workload.js';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

/** The chaos suite's pure parts (test/chaos): its options, fault order, data and expected output, table. */
describe('chaos suite', function () {
  this.timeout(30_000);

  it('a seed gives the same draws; forks are independent of later draws of the parent', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const xs = Array.from({ length: 50 }, () => a.next());
    expect(Array.from({ length: 50 }, () => b.next())).to.deep.equal(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
    expect(new Set(xs).size).to.equal(50);
    const r = new SeededRandom(7);
    expect(Array.from({ length: 200 }, () => r.int(3)).every((n) => n === 0 || n === 1 || n === 2)).to.equal(true);
    const p1 = new SeededRandom(9);
    const p2 = new SeededRandom(9);
    const f1 = p1.fork();
    const f2 = p2.fork();
    p1.next();
    expect(f1.next()).to.equal(f2.next());
  });

  it('the schedule covers every chosen fault once per round, in a seeded order', () => {
    const schedule = faultSchedule(new SeededRandom(3), FAULTS, 20);
    expect(schedule).to.have.length(20);
    for (let round = 0; round < 3; round++) {
      expect([...schedule.slice(round * 6, round * 6 + 6)].sort()).to.deep.equal([...FAULTS].sort());
    }
    const counts = FAULTS.map((f) => schedule.filter((s) => s === f).length);
    expect(counts.every((n) => n === 3 || n === 4)).to.equal(true);
    expect(faultSchedule(new SeededRandom(3), FAULTS, 20)).to.deep.equal(schedule);
    expect(faultSchedule(new SeededRandom(4), ['am-kill'], 2)).to.deep.equal(['am-kill', 'am-kill']);
  });

  it('options: --runs is required, faults and numbers are checked by name', () => {
    expect(() => parseFlags([])).to.throw(/--runs is required/);
    expect(() => parseFlags(['--runs', '0'])).to.throw(/--runs must be a whole number >= 1 \(got 0\)/);
    expect(() => parseFlags(['--runs', '2', '--faults', 'am-kill,disk-full'])).to.throw(
      /unknown fault 'disk-full' \(known: executor-kill, /,
    );
    expect(() => parseFlags(['--runs', '2', '--speed', '3'])).to.throw(/unknown argument --speed/);
    expect(() => parseFaults(' , ')).to.throw(/--faults needs at least one/);
    const f = parseFlags(['--runs', '4', '--faults', 'am-kill,task-throw,am-kill', '--seed', '17', '--max-delay-ms', '3000']);
    expect(f).to.include({ runs: 4, seed: 17, maxDelayMs: 3000 });
    expect(f.faults).to.deep.equal(['am-kill', 'task-throw']);
    expect(parseFlags(['--runs', '1']).faults).to.deep.equal([...FAULTS]);
  });

  it('expected output: words in both inputs, by count descending, then word', () => {
    const table = new Map([
      ['b', 'x'],
      ['a', 'y'],
      ['c', 'z'],
      ['zz', 'never'],
    ]);
    expect(expectedLines('a b c d\nb c a c\nd d d\n', table)).to.deep.equal(['c 3 z', 'a 2 y', 'b 2 x']);
  });

  it('generated data: each single word occurs once, the table drops some words, the size is about what was asked', () => {
    const data = generateData(new SeededRandom(5), 64 * 1024);
    expect(data.text.length).to.be.within(64 * 1024, 64 * 1024 + 2000);
    const words = data.text.split(/[\n ]/).filter(Boolean);
    expect(data.singles).to.have.length(SINGLE_WORDS);
    for (const s of data.singles)
      expect(
        words.filter((w) => w === s),
        s,
      ).to.have.length(1);
    const withCategory = new Set(data.expected.map((l) => l.split(' ')[0]));
    expect(withCategory.size).to.be.below(new Set(words).size);
    expect(data.expected.some((l) => l.startsWith('absent '))).to.equal(false);
    expect(generateData(new SeededRandom(5), 64 * 1024)).to.deep.equal(data);
  });

  it('the job computes the expected output in process, and throws once on the trigger word when armed', async () => {
    const data = generateData(new SeededRandom(11), 32 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'spindle-chaos-unit-'));
    try {
      const marker = join(dir, 'marker');
      for (const trigger of ['-', data.singles[3]!]) {
        const fs = new FakeFs(4096);
        fs.put('/in/text.txt', data.text);
        fs.put('/in/categories.csv', data.categories);
        const run = await runLocalJob(JOB_SOURCE, { fs, args: ['/in/text.txt', '/in/categories.csv', '/out', marker, trigger, '0'] });
        expect(run.error, run.logs.join('\n')).to.equal(undefined);
        expect(run.result).to.equal('saved');
        const parts = fs.children('/out').filter((p) => /^\/out\/part-\d{5}$/.test(p));
        const lines = parts.flatMap((p) => fs.text(p).split('\n').filter(Boolean));
        expect(lines).to.deep.equal(data.expected);
        expect(existsSync(marker), `marker after trigger ${trigger}`).to.equal(trigger !== '-');
        // The map stage's progress line counts the one failed attempt, and only when armed.
        const failed = run.logs.filter((l) => /^stage 0 .*\[succeeded\]/.test(l)).join('\n');
        expect(failed).to.match(trigger === '-' ? /running \[succeeded\]/ : /running, 1 failed attempt\(s\) \[succeeded\]/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the table: one row per fault that ran, in order, and a total; failures are the runs not exact', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 2, 3])).to.equal(2.5);
    expect(Number.isNaN(median([]))).to.equal(true);
    const table = summaryTable(
      [
        { fault: 'am-kill', exact: true, injected: true, seconds: 40 },
        { fault: 'executor-kill', exact: false, injected: true, seconds: 30 },
        { fault: 'am-kill', exact: true, injected: false, seconds: 50 },
      ],
      ['none', 'executor-kill', 'am-kill'],
    ).split('\n');
    expect(table[0]!.split(/ {2,}/)).to.deep.equal(['fault', 'runs', 'exact', 'failures', 'injected', 'median time']);
    expect(table.slice(2).map((l) => l.split(/ +/))).to.deep.equal([
      ['executor-kill', '1', '0', '1', '1', '30.0', 's'],
      ['am-kill', '2', '2', '0', '1', '45.0', 's'],
      ['all', '3', '2', '1', '2', '40.0', 's'],
    ]);
  });
});
