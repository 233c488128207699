import { expect } from 'chai';
import {
  addMetrics,
  decodeEventLog,
  encodeEvents,
  EVENT_LOG_NS,
  fiveQuantiles,
  stamp,
  type LogEvent,
} from '../../protocols/event-log/index.js';

const events: LogEvent[] = [
  stamp({ type: 'AppStart', appId: 'application_1_0001', user: 'alice', attempt: 1 }, 1000),
  stamp({ type: 'StageSubmitted', stageId: 0, jobId: 0, description: 'count of textFile /in → "quoted"\nline', numTasks: 3 }, 1001),
  stamp(
    { type: 'TaskEnd', stageId: 0, partition: 2, attempt: 0, executorId: '1', succeeded: false, durationMs: 1.5, error: 'Error: ü ✓' },
    1002,
  ),
  stamp({ type: 'AppEnd', state: 'FAILED', cause: 'boom' }, 1003),
];

describe('event log codec', () => {
  it('stamps events with the namespace and time', () => {
    const e = stamp({ type: 'AppEnd', state: 'SUCCEEDED' }, 42);
    expect(e).to.deep.equal({ ns: EVENT_LOG_NS, time: 42, type: 'AppEnd', state: 'SUCCEEDED' });
  });

  it('writes one JSON line per event and reads them back (newlines and non-ASCII inside values stay inside)', () => {
    const text = encodeEvents(events);
    expect(text.split('\n')).to.have.length(events.length + 1);
    expect(text.endsWith('\n')).to.equal(true);
    const d = decodeEventLog(text);
    expect(d.events).to.deep.equal(events);
    expect(d.partialTail).to.equal(false);
    expect(d.skipped).to.equal(0);
  });

  it('reads a log cut at any byte (a file still growing): the complete lines, and whether a partial one follows', () => {
    const bytes = Buffer.from(encodeEvents(events));
    const ends = [...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = decodeEventLog(bytes.subarray(0, cut).toString('utf8'));
      const complete = ends.filter((e) => e <= cut).length;
      expect(d.events, `cut at ${cut}`).to.deep.equal(events.slice(0, complete));
      expect(d.partialTail, `cut at ${cut}`).to.equal(!ends.includes(cut) && cut > 0);
      expect(d.skipped, `cut at ${cut}`).to.equal(0);
    }
  });

  it('skips torn lines, blank lines, other namespaces and non-events, and keeps the rest', () => {
    const [a, b] = encodeEvents(events.slice(0, 2)).split('\n');
    const text = [
      a,
      '{"ns":"spindle.ev.v1","time":5,"ty', // torn by a failed append
      '',
      JSON.stringify({ ns: 'spindle.ev.v2', time: 1, type: 'AppEnd' }),
      JSON.stringify({ ns: EVENT_LOG_NS, time: 'x', type: 'AppEnd' }),
      '[1,2]',
      'null',
      b,
      '',
    ].join('\n');
    const d = decodeEventLog(text);
    expect(d.events).to.deep.equal(events.slice(0, 2));
    expect(d.skipped).to.equal(5);
  });
});

describe('event log quantiles', () => {
  it('gives min, 25th, median, 75th and max by nearest rank, whatever the input order', () => {
    expect(fiveQuantiles([])).to.equal(undefined);
    expect(fiveQuantiles([7])).to.deep.equal([7, 7, 7, 7, 7]);
    expect(fiveQuantiles([4, 1, 3, 2])).to.deep.equal([1, 1, 2, 3, 4]);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(fiveQuantiles(hundred)).to.deep.equal([1, 25, 50, 75, 100]);
    expect(fiveQuantiles([5, 1, 1000, 2, 3])).to.deep.equal([1, 2, 3, 5, 1000]);
  });

  it('does not reorder its input', () => {
    const v = [3, 1, 2];
    fiveQuantiles(v);
    expect(v).to.deep.equal([3, 1, 2]);
  });

  it('adds metrics field by field; peak heap is a maximum', () => {
    const into: Record<string, number | undefined> = {};
    addMetrics(into, { recordsOut: 2, bytesIn: 10, peakHeapBytes: 100 });
    addMetrics(into, { recordsOut: 3, peakHeapBytes: 50, cpuMs: undefined });
    addMetrics(into, undefined);
    expect(into).to.deep.equal({ recordsOut: 5, bytesIn: 10, peakHeapBytes: 100 });
  });
});
