import { expect } from 'chai';
import { ActionJournal, actionKey, decodeEntry, encodeEntry, type JournaledOutcome } from '../../appmaster/driver/journal.js';
import type { DatasetNode } from '../../appmaster/driver/nodes.js';
import { FakeFs } from './job-fake-fs.js';
import { runLocalJob } from './job-local.js';

const DIR = '/user/alice/.spindle/application_1_0001/journal';

function node(id: number, op: string, parents: DatasetNode[], env: string | null = null, label = op): DatasetNode {
  const fns =
    env === undefined
      ? []
      : [{ ref: { source: '(x) => x * k', builtin: null, env: env === null ? null : Buffer.from(env) }, broadcasts: [] }];
  return { id, op, parents, fns, params: null, label } as unknown as DatasetNode;
}

const count = { kind: 'count', fns: [], params: null, label: 'count' };
const outcome = (partition: number, n: number): JournaledOutcome => ({
  partition,
  status: {
    tid: partition + 1,
    succeeded: true,
    result: Buffer.from([n]),
    error: null,
    records: n,
    bytesRead: 0,
    bytesWritten: 0,
    durationUs: 5,
  },
  chunks: [Buffer.from(`chunk ${partition}`)],
});

describe('action journal', () => {
  it('encodes and decodes an entry with its buffers, and refuses bytes that are not one', () => {
    const entry = { key: 'k1', outcomes: [outcome(0, 3), outcome(1, 4)] };
    const back = decodeEntry(encodeEntry(entry));
    expect(back.key).to.equal('k1');
    expect(Buffer.isBuffer(back.outcomes[1]!.chunks[0])).to.equal(true);
    expect(back.outcomes[1]!.chunks[0]!.toString()).to.equal('chunk 1');
    expect((back.outcomes[0]!.status as { result: Buffer }).result).to.deep.equal(Buffer.from([3]));
    expect(() => decodeEntry(Buffer.from('{"key":"k1"}'))).to.throw(/not a journal entry/);
  });

  it('keys an action by its whole lineage: captured values, labels, partitions and the action all count', () => {
    const src = node(1, 'range', [], undefined, 'range(10)');
    const key = (n: DatasetNode, parts = [0, 1]) => actionKey(n, count, parts);
    const base = key(node(2, 'map', [src], 'k=2'));
    expect(key(node(2, 'map', [src], 'k=2')), 'the same action again').to.equal(base);
    expect(key(node(2, 'map', [src], 'k=3')), 'another captured value').to.not.equal(base);
    expect(key(node(2, 'map', [node(1, 'range', [], undefined, 'range(11)')], 'k=2')), 'another source').to.not.equal(base);
    expect(key(node(2, 'map', [src], 'k=2'), [0]), 'other partitions').to.not.equal(base);
    expect(actionKey(node(2, 'map', [src], 'k=2'), { ...count, kind: 'collect', label: 'collect' }, [0, 1])).to.not.equal(base);
  });

  it('writes each entry under a dot name and renames it into place; a later attempt reads it back', async () => {
    const fs = new FakeFs();
    const logs: string[] = [];
    const first = await ActionJournal.open({ fs: fs as never, dir: DIR, log: (m) => logs.push(m) });
    const seq = first.next();
    expect(first.replay(seq, 'k0', 'count')).to.equal(undefined);
    first.record(seq, 'k0', 'count', [outcome(0, 7)]);
    await first.settle();
    expect(fs.children(DIR)).to.deep.equal([`${DIR}/000000`]);
    expect(fs.renames).to.deep.equal([[`${DIR}/.000000.tmp`, `${DIR}/000000`]]);

    const second = await ActionJournal.open({ fs: fs as never, dir: DIR, log: (m) => logs.push(m) });
    expect(logs.join('\n')).to.contain('an earlier attempt journaled 1 action result(s)');
    const got = second.replay(second.next(), 'k0', 'count');
    expect(got?.map((o) => o.chunks[0]!.toString())).to.deep.equal(['chunk 0']);
  });

  it('stops replaying at the first action that differs from the earlier attempt, and says so', async () => {
    const fs = new FakeFs();
    const first = await ActionJournal.open({ fs: fs as never, dir: DIR, log: () => {} });
    for (const k of ['a', 'b', 'c']) first.record(first.next(), k, k, [outcome(0, 1)]);
    await first.settle();
    const logs: string[] = [];
    const second = await ActionJournal.open({ fs: fs as never, dir: DIR, log: (m) => logs.push(m) });
    expect(second.replay(second.next(), 'a', 'a')).to.not.equal(undefined);
    expect(second.replay(second.next(), 'B', 'collect')).to.equal(undefined);
    expect(second.replay(second.next(), 'c', 'c'), 'after a difference nothing is replayed').to.equal(undefined);
    expect(logs.join('\n')).to.match(/collect: the earlier attempt's action 2 was a different one/);
  });

  it('does not keep results above its size limit, and a write that fails costs a log line, not the job', async () => {
    const fs = new FakeFs();
    const logs: string[] = [];
    const j = await ActionJournal.open({ fs: fs as never, dir: DIR, log: (m) => logs.push(m), maxEntryBytes: 100 });
    j.record(j.next(), 'big', 'collect', [{ partition: 0, status: {}, chunks: [Buffer.alloc(200)] }]);
    await j.settle();
    expect(fs.entries.has(DIR), 'nothing written').to.equal(false);
    expect(logs.join('\n')).to.match(/collect: its result \(\d+ bytes\) is larger than the journal keeps \(100\)/);

    const broken = { ...fs, listStatus: fs.listStatus.bind(fs), open: fs.open.bind(fs), rename: fs.rename.bind(fs) } as never as FakeFs;
    (broken as unknown as { create: () => Promise<void> }).create = () => Promise.reject(new Error('disk quota exceeded'));
    const k = await ActionJournal.open({ fs: broken as never, dir: DIR, log: (m) => logs.push(m) });
    k.record(k.next(), 'x', 'count', [outcome(0, 1)]);
    await k.settle();
    expect(logs.join('\n')).to.contain('count: could not journal its result (disk quota exceeded)');
  });

  it('a rerun of main replays what the first run journaled, without running a task, and computes what differs', async () => {
    const fs = new FakeFs();
    const job = (threshold: number) => `
export default async function main(ctx) {
  const d = ctx.range(100, 4).map((x) => { globalThis.__journalCalls = (globalThis.__journalCalls ?? 0) + 1; return x * 2; });
  const n = await d.count();
  const sum = await d.reduce((a, b) => a + b);
  const top = await d.filter((x) => x > ${threshold}).collect();
  return { n, sum, top };
}`;
    const g = globalThis as { __journalCalls?: number };
    g.__journalCalls = 0;
    const first = await runLocalJob(job(190), { fs, journalDir: DIR });
    expect(first.error).to.equal(undefined);
    expect(first.result).to.deep.equal({ n: 100, sum: 9900, top: [192, 194, 196, 198] });
    expect(g.__journalCalls, 'the first run computes each action').to.equal(300);
    expect(fs.children(DIR)).to.have.length(3);

    g.__journalCalls = 0;
    const second = await runLocalJob(job(190), { fs, journalDir: DIR });
    expect(second.result).to.deep.equal(first.result);
    expect(g.__journalCalls, 'nothing computed again').to.equal(0);
    expect(second.logs.filter((l) => /not computed again/.test(l))).to.have.length(3);

    g.__journalCalls = 0;
    const third = await runLocalJob(job(194), { fs, journalDir: DIR });
    expect(third.result).to.deep.equal({ n: 100, sum: 9900, top: [196, 198] });
    expect(g.__journalCalls, 'only the action that differs runs').to.equal(100);
    expect(third.logs.join('\n')).to.match(/collect: the earlier attempt's action 3 was a different one/);
    delete g.__journalCalls;
  });
});
