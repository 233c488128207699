/**
 * Unit tests of the parts of the Spark-peer workloads that need no cluster: the generated inputs of
 * sort, join and avro-scan (determinism, expected figures), the output checks, the peers list of a
 * row and its goals, the spark-submit command lines, and the rotating run order.
 */
import avro from 'avsc';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AVRO_FILTER, avroData, matches, SALE_SCHEMA, type Sale } from '../lib/avro-data.js';
import { parseOptions, QUICK_SIZES } from '../lib/options.js';
import { ChunkedLineChecksum, joinData, LineChecksum, SORT_RECORD_BYTES, SortValidator, sortData } from '../lib/record-data.js';
import { chartRows, goalVerdicts, markdownTable, peerResult, type Row } from '../lib/results.js';
import { sparkSubmit, type PySpark } from '../peers/pyspark.js';
import { MAIN_CLASS, sourceHash, sparkJvmSubmit, type SparkJvm } from '../peers/sparkjvm.js';
import { avroCountIn, avroScanJob, joinJob, sortJob } from '../spindle/jobs.js';
import type { BenchContext } from '../workloads/context.js';
import { alternateAll } from '../workloads/measure.js';
import { amMemoryRow, sparkRow, type SparkComparison } from '../workloads/spark-peers.js';
import type { YarnSample } from '../workloads/measure.js';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function linesOf(buf: Buffer): string[] {
  const text = buf.toString('latin1');
  return text.split('\n').slice(0, -1);
}

describe('bench sort data', () => {
  it('is deterministic: 100-byte records with a 10-byte printable key, and a checksum of its lines', async () => {
    const a = sortData(25_123);
    const bytes = await bytesOf(a.stream);
    expect(bytes.equals(await bytesOf(sortData(25_123).stream))).to.equal(true);
    expect(bytes.length).to.equal(25_123 * SORT_RECORD_BYTES);
    const lines = linesOf(bytes);
    expect(lines).to.have.length(25_123);
    for (const l of lines.slice(0, 500)) {
      expect(l).to.have.length(99);
      expect(l.slice(0, 10)).to.match(/^[!-~]{10}$/);
    }
    expect(lines[42]!.slice(10, 20)).to.equal('0000000042');
    const sum = new LineChecksum();
    for (const l of lines) sum.addText(l);
    expect(a.totals.records).to.equal(25_123);
    expect(a.totals.checksum.toJSON()).to.deep.equal(sum.toJSON());
    // Another seed gives other keys.
    expect((await bytesOf(sortData(10, 12).stream)).equals(bytes.subarray(0, 1000))).to.equal(false);
  });

  it('the validator accepts the sorted records in any split into files and chunks, with the input checksum', async () => {
    const data = sortData(5_000);
    const lines = linesOf(await bytesOf(data.stream));
    const sorted = [...lines].sort((x, y) => (x.slice(0, 10) < y.slice(0, 10) ? -1 : x.slice(0, 10) > y.slice(0, 10) ? 1 : 0));
    for (const [files, chunk] of [
      [1, 1 << 20],
      [3, 7],
      [4, 333],
    ] as const) {
      const v = new SortValidator();
      const per = Math.ceil(sorted.length / files);
      for (let f = 0; f < files; f++) {
        v.file(`part-${f}`);
        const text = Buffer.from(
          sorted
            .slice(f * per, (f + 1) * per)
            .map((l) => `${l}\n`)
            .join(''),
          'latin1',
        );
        for (let i = 0; i < text.length; i += chunk) v.chunk(text.subarray(i, i + chunk));
      }
      const got = v.end();
      expect(got.problem, `${files} files, chunks of ${chunk}`).to.equal(undefined);
      expect(got.checksum).to.deep.equal(data.totals.checksum.toJSON());
    }
  });

  it('the validator finds records out of order, a line of the wrong length, and a lost or changed record', async () => {
    const lines = linesOf(await bytesOf(sortData(200).stream)).sort();
    const check = (ls: string[], parts = 1): ReturnType<SortValidator['end']> => {
      const v = new SortValidator();
      const per = Math.ceil(ls.length / parts);
      for (let f = 0; f < parts; f++) {
        v.file(`part-0000${f}`);
        v.chunk(Buffer.from(ls.slice(f * per, (f + 1) * per).join('\n'), 'latin1'));
      }
      return v.end();
    };
    const good = check(lines);
    expect(good.problem).to.equal(undefined);
    expect(good.records).to.equal(200);
    // Files in the wrong order: each sorted, not globally.
    const swapped = [...lines.slice(100), ...lines.slice(0, 100)];
    expect(check(swapped, 2).problem).to.match(/part-00001: line 101 key .* sorts before the previous/);
    expect(check([...lines.slice(0, 5), `${lines[5]!}x`, ...lines.slice(6)]).problem).to.match(/line 6 has 100 bytes, expected 99/);
    expect(check(lines.slice(1)).checksum.lines).to.equal(199);
    const changed = [...lines];
    changed[7] = `${changed[7]!.slice(0, 50)}#${changed[7]!.slice(51)}`;
    const c = check(changed);
    expect(c.problem).to.equal(undefined);
    expect(c.checksum.sum).to.not.equal(good.checksum.sum);
  });
});

describe('bench join data', () => {
  it("knows the join's records: the same count and checksum as joining the generated files", async () => {
    const d = joinData(3_000, 400);
    const [left, right] = [linesOf(await bytesOf(d.left)), linesOf(await bytesOf(d.right))];
    expect(left).to.have.length(3_000);
    expect(right).to.have.length(400);
    expect(new Set(right.map((l) => l.split('\t')[0])).size).to.equal(400);
    const byKey = new Map(right.map((l) => l.split('\t') as [string, string]));
    const joined = new ChunkedLineChecksum();
    let n = 0;
    for (const l of left) {
      const [k, v] = l.split('\t') as [string, string];
      const w = byKey.get(k);
      if (w === undefined) continue;
      n++;
      joined.chunk(Buffer.from(`${k}\t${v}\t${w}\n`, 'latin1'));
    }
    expect(n).to.be.within(1_200, 1_800); // keys drawn from twice the right's range: about half match
    expect(d.totals.matches.toJSON()).to.deep.equal(joined.result());
    const again = joinData(3_000, 400);
    expect((await bytesOf(again.left)).equals(Buffer.from(`${left.join('\n')}\n`, 'latin1'))).to.equal(true);
  });

  it('the line checksum ignores order and file boundaries but not content', () => {
    const text = (ls: string[]): Buffer => Buffer.from(ls.join('\n'), 'latin1');
    const a = new ChunkedLineChecksum();
    a.chunk(text(['x\t1\t2', 'y\t3\t4', 'z\t5\t6']));
    const b = new ChunkedLineChecksum();
    b.chunk(text(['z\t5\t6', 'x\t1']));
    b.chunk(Buffer.from('\t2\n'));
    b.endFile();
    b.chunk(text(['y\t3\t4']));
    expect(b.result()).to.deep.equal(a.result());
    const c = new ChunkedLineChecksum();
    c.chunk(text(['x\t1\t2', 'y\t3\t4', 'z\t5\t7']));
    expect(c.result().sum).to.not.equal(a.result().sum);
  });
});

describe('bench avro data', () => {
  it('is a readable Avro file of the promised records, deterministic, with the count of matches', async () => {
    const d = avroData(12_345);
    const bytes = await bytesOf(d.stream);
    expect(bytes.equals(await bytesOf(avroData(12_345).stream))).to.equal(true);
    const dir = mkdtempSync(join(tmpdir(), 'bench-avro-'));
    try {
      const file = join(dir, 'sales.avro');
      writeFileSync(file, bytes);
      const records: Sale[] = [];
      await new Promise<void>((resolve, reject) => {
        avro
          .createFileDecoder(file)
          .on('data', (r: Sale) => records.push(r))
          .on('end', resolve)
          .on('error', reject);
      });
      expect(records).to.have.length(12_345);
      expect(records[100]!.id).to.equal(100);
      const n = records.filter(matches).length;
      expect(d.totals).to.deep.equal({ records: 12_345, matches: n });
      expect(n / 12_345).to.be.within(0.03, 0.07);
      expect(records.every((r) => r.category === AVRO_FILTER.category || !matches(r))).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(SALE_SCHEMA.fields.map((f) => f.name)).to.include.members(['category', 'amount']);
  });
});

describe('bench Spark peers', () => {
  const spark: PySpark = { version: '4.3.0', python: '/venv/bin/python', home: '/x/pyspark', installSeconds: 0 };

  it('the jar cache key changes with the sources and the Spark version', () => {
    const a = sourceHash('4.3.0', [{ name: 'A.java', text: 'class A {}' }]);
    expect(a).to.match(/^[0-9a-f]{16}$/);
    expect(sourceHash('4.3.0', [{ name: 'A.java', text: 'class A {}' }])).to.equal(a);
    expect(sourceHash('4.3.0', [{ name: 'A.java', text: 'class A { }' }])).to.not.equal(a);
    expect(sourceHash('4.2.0', [{ name: 'A.java', text: 'class A {}' }])).to.not.equal(a);
  });

  it('submits the JVM peer with --class, the same executors and local Spark jars, and nothing of Python', () => {
    const jvm: SparkJvm = { version: '4.3.0', jar: '/p/spindle-bench.jar', spark, buildSeconds: 0 };
    const executors = { executors: 2, cores: 1, memoryMb: 1024 };
    const cmd = sparkJvmSubmit(jvm, { name: 'n', tag: 't', executors, confDir: '/conf' }, 'sort', ['a', 'b', '2']);
    expect(cmd.command).to.equal('/x/pyspark/bin/spark-submit');
    const args = cmd.args.join(' ');
    expect(args).to.contain('--master yarn --deploy-mode cluster');
    expect(args).to.contain('--num-executors 2 --executor-cores 1 --executor-memory 1024m');
    expect(args).to.contain('spark.yarn.jars=local:/x/pyspark/jars/*');
    expect(args).to.not.contain('pyspark.python');
    expect(cmd.args.slice(-7)).to.deep.equal(['--class', MAIN_CLASS, '/p/spindle-bench.jar', 'sort', 'a', 'b', '2']);
    expect(cmd.env.PYSPARK_PYTHON).to.equal(undefined);
  });

  it('passes extra jars to PySpark with --jars before the program', () => {
    const home = mkdtempSync(join(tmpdir(), 'bench-pyspark-'));
    try {
      mkdirSync(join(home, 'python', 'lib'), { recursive: true });
      writeFileSync(join(home, 'python', 'lib', 'pyspark.zip'), '');
      writeFileSync(join(home, 'python', 'lib', 'py4j-0.10.9.9-src.zip'), '');
      const cmd = sparkSubmit(
        { ...spark, home },
        {
          name: 'n',
          tag: 't',
          executors: { executors: 2, cores: 1, memoryMb: 1024 },
          confDir: '/c',
          script: 'j.py',
          jars: ['/p/b.jar'],
          args: ['x'],
        },
      );
      expect(cmd.args.slice(-4)).to.deep.equal(['--jars', '/p/b.jar', 'j.py', 'x']);
      expect(cmd.env.PYSPARK_ARCHIVES_PATH).to.contain('local:');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('rotates which side goes first, run by run, and stops a failing side only', async () => {
    const order: string[] = [];
    const side = (label: string, failOn?: number) => ({
      label,
      run: async (i: number) => {
        order.push(`${label}${i}`);
        if (i === failOn) throw new Error(`${label} broke`);
        return { seconds: i };
      },
    });
    const log = console.log;
    console.log = () => {};
    try {
      const r = await alternateAll('t', 3, [side('S'), side('P', 2), side('J')]);
      expect(order).to.deep.equal(['S1', 'P1', 'J1', 'P2', 'J2', 'S2', 'J3', 'S3']);
      expect(r.map((x) => x.samples.length)).to.deep.equal([3, 1, 3]);
      expect(r[1]!.note).to.equal('failed on run 2: P broke');
      const u = await alternateAll('t', 3, [{ unavailable: 'no submit' }, side('P')]);
      expect(u[0]!.note).to.equal('not available yet: no submit');
      expect(u[1]!.samples).to.have.length(3);
    } finally {
      console.log = log;
    }
  });

  it('the Spindle jobs inline their paths and sizes', () => {
    expect(sortJob('hdfs://a/in', 'hdfs://a/out', 4))
      .to.contain('"hdfs://a/in"')
      .and.contain('sortByKey({ partitions: 4 })');
    expect(joinJob('L', 'R', 'O', 8))
      .to.contain('.join(r, { partitions: 8 })')
      .and.contain('"O"');
    expect(avroScanJob('A', 'books', 500)).to.contain('r.category === "books" && r.amount > 500');
    expect(avroCountIn('x\navro-scan: 1234 records\n')).to.equal(1234);
    expect(avroCountIn('avro-scan: none')).to.equal(undefined);
  });

  it('--only knows the new rows, and --quick shrinks them', () => {
    expect(parseOptions(['--only', 'sort,join,avro-scan']).only).to.deep.equal(['sort', 'join', 'avro-scan']);
    const q = parseOptions(['--quick']).sizes;
    expect(q).to.deep.equal(QUICK_SIZES);
    expect(q.sortRecords * 100).to.be.at.most(2 ** 26);
    expect(q.joinLeft).to.be.below(parseOptions([]).sizes.joinLeft);
  });
});

describe('bench rows with several peers', () => {
  const ctx = { options: { quick: true } } as BenchContext;
  const sample = (seconds: number, appId: string, amKb?: number): YarnSample =>
    ({
      seconds,
      appId,
      report: {},
      run: {},
      ...(amKb ? { am: { peakSumRssKb: amKb, sumHwmKb: amKb, processes: ['java'] } } : {}),
    }) as unknown as YarnSample;
  const comparison: SparkComparison<YarnSample> = {
    spindle: { samples: [sample(2, 'a1', 100 * 1024), sample(4, 'a2', 120 * 1024), sample(3, 'a3', 110 * 1024)] },
    peers: [
      { id: 'pyspark', label: 'PySpark 4.3.0 RDD (spark-submit, YARN cluster mode)', result: { samples: [sample(30, 'p1', 360 * 1024)] } },
      {
        id: 'spark-jvm',
        label: 'Spark JVM 4.3.0 Java RDD (spark-submit, YARN cluster mode)',
        result: { samples: [sample(2, 'j1'), sample(2.5, 'j2')], note: 'failed on run 3: x' },
      },
    ],
  };

  it('a row keeps the first peer in the old fields and lists every peer with its ratio and goal', () => {
    const row = JSON.parse(JSON.stringify(sparkRow(ctx, { name: 'sort', goal: { field: 'speedup', min: 1.5 } }, comparison))) as Row;
    expect(row).to.include({ name: 'sort', spindle_s: 3, peer_s: 30, speedup: 10, quick: true, spindle_am_mb: 110, peer_am_mb: 360 });
    expect(row.peer).to.match(/^PySpark 4.3.0/);
    expect(row.peers).to.have.length(2);
    const [py, jvm] = row.peers!;
    expect(py).to.include({ id: 'pyspark', s: 30, ratio: 10, goal_min: 1.5, pass: true, am_mb: 360 });
    expect(jvm).to.include({ id: 'spark-jvm', s: 2.25, ratio: 0.75, goal_min: 1, pass: false, note: 'failed on run 3: x' });
    expect(jvm!.app_ids).to.deep.equal(['j1', 'j2']);
    expect(goalVerdicts(row)).to.deep.equal([
      'PySpark 4.3.0 RDD: 10.00× (goal ≥ 1.5×) PASS',
      'Spark JVM 4.3.0 Java RDD: 0.75× (goal ≥ 1×) FAIL',
    ]);
    const table = markdownTable([row]);
    expect(table).to.contain('Spark JVM 4.3.0 Java RDD (spark-submit, YARN cluster mode): 2.25 s (2.00–2.50), 0.75× (failed on run 3: x)');
    expect(table).to.contain('(goal ≥ 1×) FAIL');
  });

  it('a peer without runs has no ratio and no verdict yet; the wordcount goals differ', () => {
    const none = peerResult('spark-jvm', 'Spark JVM 4.3.0', [], 3, { goalMin: 0.8 });
    expect(none).to.deep.equal({ id: 'spark-jvm', peer: 'Spark JVM 4.3.0', s: null, ratio: null, goal_min: 0.8, pass: null });
    const row = sparkRow(ctx, { name: 'wordcount' }, comparison);
    expect(row.peers![1]!.goal_min).to.equal(0.8);
    expect(goalVerdicts({ ...row, peers: [none] })).to.deep.equal(['Spark JVM 4.3.0: — (goal ≥ 0.8×) NOT MEASURED']);
  });

  it('the chart draws a bar per peer, each with its own goal', () => {
    const row = sparkRow(ctx, { name: 'trivial-job', goal: { field: 'speedup', min: 5 } }, comparison);
    const bars = chartRows([row, { ...row, name: 'shell-4', peers: undefined }]);
    expect(bars.map((b) => [b.name, b.speedup, b.goal?.min])).to.deep.equal([
      ['trivial-job (PySpark)', 10, 5],
      ['trivial-job (Spark JVM)', 0.75, 1],
      ['shell-4', 10, 5],
    ]);
    expect(bars[1]!.peer_note).to.equal('failed on run 3: x');
  });

  it('am-memory lists each peer AM against Spindle', () => {
    const row = amMemoryRow(ctx, comparison, 'wordcount 1 MiB');
    expect(row).to.include({ name: 'am-memory', spindle_mb: 110, peer_mb: 360, ratio: 3.27 });
    expect(row.peers!.map((p) => [p.id, p.ratio])).to.deep.equal([
      ['pyspark', 3.27],
      ['spark-jvm', null],
    ]);
    const jvm = { ...comparison.peers[1]!, result: { samples: [sample(2, 'j', 300 * 1024)] } };
    const withJvm = amMemoryRow(ctx, { ...comparison, peers: [comparison.peers[0]!, jvm] }, 'w');
    expect(markdownTable([withJvm])).to.contain('Spark JVM 4.3.0 Java RDD AM/driver: 300 MB, 2.73×');
  });
});
