/**
 * Unit tests of the benchmark's pure parts: options, result rows, the table, the chart, log parsing,
 * /proc parsing and the generated text. (Nothing here times anything.)
 * Run: npx mocha dist/bench/test/*.test.js
 */
import { expect } from 'chai';
import { amAppOfCwd, statusKb } from '../lib/am-rss.js';
import { roleOfCommand, statTicks, ticksAt } from '../lib/cpu-use.js';
import { speedupChart } from '../lib/chart.js';
import { parseOptions, QUICK_SIZES, FULL_SIZES, ROW_NAMES } from '../lib/options.js';
import { markdownTable, mergeRows, ratioOf, summarize, type Row } from '../lib/results.js';
import { Readable } from 'node:stream';
import { forEachLine } from '../lib/local-count.js';
import { textData, vocabulary, VOCABULARY_SIZE } from '../lib/text-data.js';
import { appIdIn, parseAmMetrics, phasesOf } from '../lib/yarn.js';
import { noopMsIn } from '../spindle/jobs.js';
import { keyLine } from '../workloads/measure.js';
import type { AppReport } from '../../protocols/rm-rest/index.js';

function row(name: string, fields: Partial<Row> = {}): Row {
  return { name, spindle_s: 1, peer: 'Peer 1.0', peer_s: 2, speedup: 2, quick: false, measured_at: '2026-01-01T00:00:00Z', ...fields };
}

describe('bench options', () => {
  it('defaults to every workload, full sizes and 5 runs', () => {
    const o = parseOptions([]);
    expect(o.only).to.deep.equal([...ROW_NAMES]);
    expect(o.runs).to.equal(5);
    expect(o.sizes).to.deep.equal(FULL_SIZES);
  });

  it('--quick shrinks sizes and runs 3 times; --runs overrides', () => {
    expect(parseOptions(['--quick'])).to.include({ quick: true, runs: 3 });
    expect(parseOptions(['--quick']).sizes).to.deep.equal(QUICK_SIZES);
    expect(parseOptions(['--quick', '--runs', '4']).runs).to.equal(4);
    expect(parseOptions(['--runs=6']).runs).to.equal(6);
  });

  it('--only takes a comma list of known rows', () => {
    expect(parseOptions(['--only', 'shell-4,webhdfs-put']).only).to.deep.equal(['shell-4', 'webhdfs-put']);
    expect(() => parseOptions(['--only', 'shell-4,nope'])).to.throw(/unknown workload nope/);
  });

  it('rejects fewer than 3 runs and unknown flags', () => {
    expect(() => parseOptions(['--runs', '2'])).to.throw(/--runs must be a whole number >= 3/);
    expect(() => parseOptions(['--fast'])).to.throw(/unknown argument --fast/);
    expect(() => parseOptions(['--runs'])).to.throw(/--runs needs a value/);
  });
});

describe('bench results', () => {
  it('summarizes a side as median, min, max and the runs', () => {
    expect(summarize('peer', [3, 1, 2])).to.deep.equal({ peer_s: 2, peer_min_s: 1, peer_max_s: 3, peer_runs_s: [3, 1, 2] });
    expect(summarize('spindle', [1.23456])).to.include({ spindle_s: 1.235 });
    expect(summarize('spindle', [])).to.deep.equal({ spindle_s: null });
  });

  it('speedup is peer / Spindle, null when a side is missing', () => {
    expect(ratioOf(10, 2)).to.equal(5);
    expect(ratioOf(1, 3)).to.equal(0.33);
    expect(ratioOf(null, 2)).to.equal(null);
    expect(ratioOf(2, null)).to.equal(null);
  });

  it('merging replaces rows by name and keeps report order', () => {
    const old = [row('noop-tasks'), row('shell-4', { spindle_s: 9 }), row('trivial-job')];
    const merged = mergeRows(old, [row('shell-4', { spindle_s: 3 })], ROW_NAMES);
    expect(merged.map((r) => r.name)).to.deep.equal(['trivial-job', 'shell-4', 'noop-tasks']);
    expect(merged[1]!.spindle_s).to.equal(3);
  });

  it('the table shows medians with ranges, the ratio, the goal and why Spindle is missing', () => {
    const table = markdownTable([
      row('shell-4', {
        spindle_s: 3.14,
        spindle_min_s: 2.2,
        spindle_max_s: 3.7,
        peer_s: 11.6,
        speedup: 3.69,
        goal: { field: 'speedup', min: 3 },
      }),
      row('wordcount', { spindle_s: null, speedup: null, spindle_note: 'not available yet: no shuffle', quick: true }),
      row('am-memory', { spindle_s: null, peer_s: null, speedup: null, spindle_mb: 80, peer_mb: 400, ratio: 5 }),
    ]);
    const lines = table.split('\n');
    expect(lines).to.have.length(5);
    expect(lines[2]).to.contain('| shell-4 | 3.14 s (2.20–3.70) | Peer 1.0 |').and.contain('3.69×').and.contain('≥ 3×');
    expect(lines[3]).to.contain('wordcount (quick) | — |').and.contain('Spindle not available yet: no shuffle');
    expect(lines[4]).to.contain('| 80 MB |').and.contain('| 400 MB |').and.contain('5.00× (memory ratio)');
  });

  it('the chart is one SVG with a bar per measured row and the reason for the others', () => {
    const svg = speedupChart(
      [
        row('shell-4', { speedup: 3.5, goal: { field: 'speedup', min: 3 } }),
        row('trivial-job', { speedup: null, spindle_note: 'not available yet: x < y' }),
      ],
      'T & co',
    );
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(svg).to.contain('3.50×').and.contain('T &amp; co').and.contain('not available yet: x &lt; y');
    expect(svg.match(/<rect /g)).to.have.length(2); // background + one bar
  });
});

describe('bench log and /proc parsing', () => {
  it('finds application ids in tool output', () => {
    expect(appIdIn('INFO impl.YarnClientImpl: Submitted application application_1795529466623_0004')).to.equal(
      'application_1795529466623_0004',
    );
    expect(appIdIn('nothing here')).to.equal(undefined);
  });

  it("reads Spindle's AM metrics line", () => {
    const log = 'x\n2026-01-01T00:00:00Z am metrics {"amStarted":10,"registered":20,"maxRssKb":65000}\n';
    expect(parseAmMetrics(log)).to.deep.equal({ amStarted: 10, registered: 20, maxRssKb: 65000 });
    expect(parseAmMetrics('no metrics')).to.equal(undefined);
  });

  it('splits a run into phases with the RM timestamps', () => {
    const report = { startedTime: 1_000, launchTime: 1_100, finishedTime: 3_000 } as AppReport;
    expect(phasesOf(report, 400, 3_250)).to.deep.equal({
      client_before_submit: 600,
      submit_to_am_launch: 100,
      am_launch_to_end: 1_900,
      client_after_end: 250,
    });
    expect(phasesOf({ ...report, finishedTime: 0 }, 400, 3_250)).to.equal(undefined);
  });

  it('recognizes AM container directories only', () => {
    const base = '/x/nm1/local/usercache/root/appcache/application_17_0046';
    expect(amAppOfCwd(`${base}/container_17_0046_01_000001`)).to.equal('application_17_0046');
    expect(amAppOfCwd(`${base}/container_e3_17_0046_01_000001`)).to.equal('application_17_0046');
    expect(amAppOfCwd(`${base}/container_17_0046_01_000002`)).to.equal(undefined);
    expect(amAppOfCwd(`${base}/container_17_0046_02_000001/sub`)).to.equal(undefined);
  });

  it('reads kB fields of /proc/<pid>/status', () => {
    const status = 'Name:\tjava\nVmHWM:\t  360000 kB\nVmRSS:\t  350000 kB\n';
    expect(statusKb(status, 'VmHWM')).to.equal(360000);
    expect(statusKb(status, 'VmRSS')).to.equal(350000);
    expect(statusKb(status, 'VmSwap')).to.equal(0);
  });

  it('reads utime + stime of /proc/<pid>/stat, even with spaces and parentheses in the command name', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 1234 56 0 0 20 0 11 0 99';
    expect(statTicks(`4242 (node) ${tail}`)).to.equal(1290);
    expect(statTicks(`4242 (a (b) c) ${tail}`)).to.equal(1290);
  });

  it('tells executors, the AM and driver, and Hadoop daemons apart by command line', () => {
    const cmd = (...argv: string[]): string => `${argv.join('\0')}\0`;
    expect(roleOfCommand(cmd('node', '--max-old-space-size=384', 'spindle-executor.mjs', '--executor-id', '1'))).to.equal('executor');
    expect(roleOfCommand(cmd('node', 'spindle-am.mjs'))).to.equal('appmaster');
    expect(roleOfCommand(cmd('node', 'spindle-driver.mjs', 'spindle-job.mjs'))).to.equal('appmaster');
    expect(roleOfCommand(cmd('java', '-Xmx1g', 'org.apache.hadoop.hdfs.server.datanode.DataNode'))).to.equal('hadoop');
    expect(roleOfCommand(cmd('node', 'dist/bench/wordcount-part.js', 'local'))).to.equal('other');
  });

  it('interpolates CPU ticks between samples and holds them outside', () => {
    const samples: [number, number][] = [
      [1_000, 10],
      [2_000, 30],
      [4_000, 30],
    ];
    expect(ticksAt(samples, 500)).to.equal(10);
    expect(ticksAt(samples, 1_500)).to.equal(20);
    expect(ticksAt(samples, 3_000)).to.equal(30);
    expect(ticksAt(samples, 9_000)).to.equal(30);
    expect(ticksAt([], 1_000)).to.equal(0);
  });

  it('picks the line of a failure that says what went wrong', () => {
    const diagnostics =
      'the driver exited with code 1; last lines of its stderr:\n  2026-11-24T15:05:07.817Z spindle-driver: the job failed: x.reduceByKey is not a function\n  TypeError: x';
    expect(keyLine(diagnostics)).to.equal('spindle-driver: the job failed: x.reduceByKey is not a function');
    expect(keyLine('\n  just one line\nand another')).to.equal('just one line');
    expect(keyLine('')).to.equal(undefined);
  });

  it('reads the noop-tasks timing a driver prints', () => {
    expect(noopMsIn('foo\nnoop-tasks: 20000 tasks in 1234 ms\n')).to.equal(1234);
    expect(noopMsIn('noop-tasks: done')).to.equal(undefined);
  });
});

describe('bench text data', () => {
  it('has the promised number of distinct words', () => {
    const words = vocabulary();
    expect(new Set(words.map((w) => w.toString())).size).to.equal(VOCABULARY_SIZE);
  });

  it('is deterministic, whole lines, and counts its words', async () => {
    const read = async (): Promise<{ text: string; words: number; bytes: number }> => {
      const d = textData(300_000);
      let text = '';
      for await (const c of d.stream) text += (c as Buffer).toString();
      return { text, ...d.totals };
    };
    const a = await read();
    const b = await read();
    expect(a.text).to.equal(b.text);
    expect(a.text.endsWith('\n')).to.equal(true);
    expect(a.bytes).to.equal(Buffer.byteLength(a.text)).and.to.be.at.least(300_000);
    expect(a.text.split(/\s+/).filter(Boolean)).to.have.length(a.words);
  });
});

describe('bench local word count', () => {
  it('reads every line exactly once over byte ranges cut anywhere, in small or large chunks', async () => {
    const text = 'alpha beta\n\ngamma é delta\nx\nlong line with words\nlast without newline';
    const file = Buffer.from(text);
    const all = text.split('\n');
    for (const chunk of [1, 3, 7, 1024]) {
      const open = async (offset: number): Promise<Readable> => {
        const pieces: Buffer[] = [];
        for (let i = offset; i < file.length; i += chunk) pieces.push(file.subarray(i, Math.min(file.length, i + chunk)));
        return Readable.from(pieces);
      };
      for (let cut = 0; cut <= file.length; cut++) {
        const lines: string[] = [];
        await forEachLine(open, 0, cut, (l) => lines.push(l));
        await forEachLine(open, cut, file.length, (l) => lines.push(l));
        expect(lines, `chunk ${chunk}, cut at ${cut}`).to.deep.equal(all);
      }
    }
  });
});
