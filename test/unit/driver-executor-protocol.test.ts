import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  acceptExecutor,
  connectToDriver,
  decodeFrameBody,
  decodePreamble,
  encodeMessage,
  encodePreamble,
  FrameDecoder,
  type Message,
} from '../../protocols/driver-executor/index.js';
import { AuthenticationError, ProtocolError } from '../../protocols/errors/index.js';
import { socketPair } from './socket-pair.js';

const MESSAGES: Message[] = [
  { type: 'launch', tasks: [{ tid: 2 ** 40, stageId: 3, partition: 17, attempt: 2, inputs: Buffer.from([1, 2, 3]) }] },
  {
    type: 'stage',
    plan: {
      stageId: 3,
      description: 'count of textFile /x → map',
      nodes: [
        { id: 1, op: 'text', parents: [], numPartitions: 4, fns: [], params: null, persist: null },
        {
          id: 2,
          op: 'map',
          parents: [1],
          numPartitions: 4,
          fns: [{ source: '(l) => l.length', builtin: null, env: Buffer.from('e') }],
          params: null,
          persist: 'MEMORY_AND_DISK',
        },
      ],
      root: 2,
      action: { kind: 'count', fns: [], params: null },
    },
  },
  {
    type: 'status',
    updates: [
      {
        tid: 9,
        succeeded: true,
        result: Buffer.from('r'),
        error: null,
        records: 10,
        bytesRead: 2 ** 33,
        bytesWritten: 0,
        durationUs: 15,
        blocks: [
          { nodeId: 2, partition: 3, bytes: 2 ** 33 },
          { nodeId: 7, partition: 0, bytes: 0 },
        ],
        accumulators: [
          { id: 1, value: Buffer.from([7]) },
          { id: 2 ** 30, value: Buffer.alloc(0) },
        ],
        metrics: {
          recordsRead: 12,
          shuffleBytesRead: 2 ** 35,
          shuffleFetchWaitUs: 1500,
          shuffleBytesWritten: 0,
          spillBytes: 2 ** 33 + 1,
          peakHeapBytes: 64 * 1024 * 1024,
          cpuUs: 987654,
          gcUs: 4321,
          cpuPerThread: true,
        },
      },
      {
        tid: 10,
        succeeded: false,
        result: null,
        error: { kind: 'CLOSURE', name: 'ClosureError', message: 'm', stack: 's' },
        records: 0,
        bytesRead: 0,
        bytesWritten: 0,
        durationUs: 1,
        blocks: [],
        accumulators: [],
        metrics: null,
      },
    ],
    executor: null,
  },
  // A heartbeat: no updates, the executor's figures (protocol 6).
  {
    type: 'status',
    updates: [],
    executor: { heapUsedBytes: 2 ** 33, heapLimitBytes: 2 ** 34, rssBytes: 3e9, shuffleBytesServed: 2 ** 40, shuffleBlocksServed: 7 },
  },
  { type: 'chunk', tid: 9, data: randomBytes(300) },
  { type: 'cancel', tids: [1, 2, 3] },
  { type: 'broadcast', id: 4, data: Buffer.from('value') },
  { type: 'forgetStage', stageId: 3 },
  { type: 'shutdown', reason: 'done' },
  { type: 'tokens', hdfs: 'SGVsbG8tdG9rZW4' },
  { type: 'commitAsk', tid: 2 ** 40, stageId: 5, partition: 3, attempt: 1 },
  { type: 'commitAnswer', tid: 77, allowed: false },
  { type: 'dropBlocks', nodeId: 12 },
];

const plain = (m: Message): unknown => JSON.parse(JSON.stringify(m));

describe('driver-executor protocol', () => {
  it('encodes a plan node without a storage level and a status without blocks as null and []', () => {
    const stage: Message = {
      type: 'stage',
      plan: {
        stageId: 1,
        description: 'd',
        nodes: [{ id: 1, op: 'range', parents: [], numPartitions: 1, fns: [], params: null }],
        root: 1,
        action: { kind: 'count', fns: [], params: null },
      },
    };
    const status: Message = {
      type: 'status',
      updates: [{ tid: 1, succeeded: true, result: null, error: null, records: 0, bytesRead: 0, bytesWritten: 0, durationUs: 0 }],
    };
    const got = new FrameDecoder().push(Buffer.concat([encodeMessage(stage), encodeMessage(status)]));
    expect((got[0] as Extract<Message, { type: 'stage' }>).plan.nodes[0]!.persist).to.equal(null);
    expect((got[1] as Extract<Message, { type: 'status' }>).updates[0]!.blocks).to.deep.equal([]);
  });

  it('round-trips every message type through frames split at every byte boundary', () => {
    const bytes = Buffer.concat(MESSAGES.map(encodeMessage));
    for (const chunk of [1, 2, 3, 7, 64, bytes.length]) {
      const decoder = new FrameDecoder();
      const got: Message[] = [];
      for (let i = 0; i < bytes.length; i += chunk) got.push(...decoder.push(bytes.subarray(i, i + chunk)));
      expect(got.map(plain), `chunk ${chunk}`).to.deep.equal(MESSAGES.map(plain));
      expect(decoder.buffered).to.equal(0);
    }
    for (let k = 0; k <= bytes.length; k++) {
      const decoder = new FrameDecoder();
      const got = [...decoder.push(bytes.subarray(0, k)), ...decoder.push(bytes.subarray(k))];
      expect(got.length, `split at ${k}`).to.equal(MESSAGES.length);
    }
  });

  it('draws the frame as documented: u32 length, tag, Avro body', () => {
    const frame = encodeMessage({ type: 'forgetStage', stageId: 1 });
    // length 2 (tag + zig-zag varint 1 = 0x02), tag 12
    expect(frame.toString('hex')).to.equal('000000020c02');
    expect(encodePreamble().toString('hex')).to.equal('535044450006');
    expect(decodePreamble(encodePreamble(7))).to.equal(7);
    expect(() => decodePreamble(Buffer.from('GET / HTTP/1.1'))).to.throw(ProtocolError, /expected "SPDE"/);
  });

  it('draws the commit messages of protocol 4: commitAsk (tag 22) and commitAnswer (tag 23)', () => {
    // tid 7 → zig-zag 0x0e, stage 2 → 0x04, partition 3 → 0x06, attempt 1 → 0x02
    expect(encodeMessage({ type: 'commitAsk', tid: 7, stageId: 2, partition: 3, attempt: 1 }).toString('hex')).to.equal(
      '00000005160e040602',
    );
    // tid 7, allowed true → 0x01
    expect(encodeMessage({ type: 'commitAnswer', tid: 7, allowed: true }).toString('hex')).to.equal('00000003170e01');
    expect(decodeFrameBody(Buffer.from('170e00', 'hex'))).to.deep.equal({ type: 'commitAnswer', tid: 7, allowed: false });
  });

  it('refuses oversized frames and unknown tags', () => {
    const decoder = new FrameDecoder(16);
    expect(() => decoder.push(Buffer.from([0, 0, 1, 0]))).to.throw(ProtocolError, /frame of 256 bytes \(limit 16\)/);
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 99]))).to.throw(ProtocolError, /unknown message tag 99/);
  });

  const identity = { executorId: '3', host: 'n1', containerId: 'container_1', cores: 2, pid: 42 };
  const welcome = { appId: 'application_1_1', nameNodes: ['http://nn:9870'], hdfsUser: 'alice' };

  it('authenticates both ways with the shared secret, then carries messages', async () => {
    const secret = randomBytes(32);
    const [driverSide, executorSide] = socketPair();
    const [accepted, connected] = await Promise.all([
      acceptExecutor(driverSide, secret, welcome),
      connectToDriver(executorSide, secret, identity),
    ]);
    expect(accepted.executor).to.deep.equal(identity);
    expect(connected.welcome).to.deep.equal(welcome);
    const got = new Promise<Message>((resolve) => connected.channel.listen(resolve, () => {}));
    accepted.channel.send({ type: 'shutdown', reason: 'bye' });
    expect(await got).to.deep.equal({ type: 'shutdown', reason: 'bye' });
  });

  it('refuses an executor with the wrong secret, and an executor refuses a driver with the wrong secret', async () => {
    const [d1, e1] = socketPair();
    const results = await Promise.allSettled([
      acceptExecutor(d1, randomBytes(32), welcome),
      connectToDriver(e1, randomBytes(32), identity),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected']);
    // The executor checks the driver's proof first: a driver without the secret gets nothing.
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(AuthenticationError);
    expect((results[1] as PromiseRejectedResult).reason.message).to.match(/the driver could not prove it knows the application secret/);
  });

  it('lets the driver turn away an executor it does not want', async () => {
    const secret = randomBytes(32);
    const [d, e] = socketPair();
    const results = await Promise.allSettled([
      acceptExecutor(d, secret, welcome, (h) => `executor ${h.executorId} is already registered`),
      connectToDriver(e, secret, identity),
    ]);
    expect((results[1] as PromiseRejectedResult).reason.message).to.equal(
      'connect to the driver: refused: executor 3 is already registered',
    );
  });
});
