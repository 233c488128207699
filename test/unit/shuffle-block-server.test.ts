import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { BLOCK_PIECE_BYTES, BlockClient, BlockServer, decodeFrames, encodeFrame } from '../../executor/index.js';
import { acceptExecutor, decodeFrameBody, encodeMessage } from '../../protocols/driver-executor/index.js';

describe('shuffle block server', () => {
  let dir: string;
  let server: BlockServer;
  let address: string;
  const secret = randomBytes(32);
  const clients: BlockClient[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'spindle-blocks-'));
    // Two reducers: segment 0 has two frames, segment 1 one.
    const seg0 = Buffer.concat([
      encodeFrame([['a', 1]]),
      encodeFrame([
        ['b', 2],
        ['c', 3],
      ]),
    ]);
    const seg1 = encodeFrame([[{ k: 1 }, undefined]]);
    writeFileSync(join(dir, 'shuffle_1_0_5.data'), Buffer.concat([seg0, seg1]));
    writeFileSync(join(dir, 'shuffle_1_0_5.index'), JSON.stringify([seg0.length, seg1.length]));
    server = new BlockServer(secret, dir, { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' });
    address = `127.0.0.1:${await server.listen(0)}`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = (s: Buffer = secret): BlockClient => {
    const c = new BlockClient(s, 'exec-7');
    clients.push(c);
    return c;
  };

  it('serves the segment of each requested file for a reducer, over one authenticated connection', async () => {
    const c = client();
    const [seg0] = await c.fetch(address, ['shuffle_1_0_5'], 0);
    expect([...decodeFrames(seg0!)]).to.deep.equal([
      [['a', 1]],
      [
        ['b', 2],
        ['c', 3],
      ],
    ]);
    const both = await c.fetch(address, ['shuffle_1_0_5', 'shuffle_1_0_5'], 1);
    expect(both.map((s) => [...decodeFrames(s)])).to.deep.equal([[[[{ k: 1 }, undefined]]], [[[{ k: 1 }, undefined]]]]);
  });

  it('sends segments larger than a message in pieces and puts them back together', async () => {
    const big = Array.from({ length: 2 }, (_, f) =>
      encodeFrame(Array.from({ length: 50_000 }, (_, i) => [`key-${f}-${i}`, 'v'.repeat(200)])),
    );
    expect(big[0]!.length).to.be.greaterThan(BLOCK_PIECE_BYTES * 2);
    writeFileSync(join(dir, 'shuffle_2_0_1.data'), Buffer.concat(big));
    writeFileSync(join(dir, 'shuffle_2_0_1.index'), JSON.stringify(big.map((b) => b.length)));
    const got = await client().fetch(address, ['shuffle_2_0_1', 'shuffle_1_0_5', 'shuffle_2_0_1'], 1);
    const small = await client().fetch(address, ['shuffle_1_0_5'], 1);
    expect(got.map((b) => b.length)).to.deep.equal([big[1]!.length, small[0]!.length, big[1]!.length]);
    // What it served is counted for the executor's heartbeat: every byte sent, one block per file asked for.
    expect(server.served).to.deep.equal({ bytes: 2 * big[1]!.length + 2 * small[0]!.length, blocks: 4 });
    expect(got[0]!.equals(big[1]!)).to.equal(true);
    expect([...decodeFrames(got[2]!)][0]![49_999]).to.deep.equal(['key-1-49999', 'v'.repeat(200)]);
  });

  it('streams a segment into a local file a piece at a time, and fails cleanly for a missing one', async () => {
    const big = encodeFrame(Array.from({ length: 60_000 }, (_, i) => [`key-${i}`, 'w'.repeat(150)]));
    expect(big.length).to.be.greaterThan(BLOCK_PIECE_BYTES * 2);
    writeFileSync(join(dir, 'shuffle_3_0_2.data'), Buffer.concat([encodeFrame([['x', 1]]), big]));
    writeFileSync(join(dir, 'shuffle_3_0_2.index'), JSON.stringify([encodeFrame([['x', 1]]).length, big.length]));
    const c = client();
    const into = join(dir, 'fetched.tmp');
    expect(await c.fetchToFile(address, 'shuffle_3_0_2', 1, into)).to.equal(big.length);
    expect(readFileSync(into).equals(big)).to.equal(true);
    let err: Error | undefined;
    await c.fetchToFile(address, 'shuffle_9_9_9', 0, into).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/fetch from 127\.0\.0\.1:\d+: .*shuffle_9_9_9/);
  });

  it('answers with an error for names that are not map outputs and for missing files', async () => {
    const c = client();
    let err: Error | undefined;
    await c.fetch(address, ['../secret'], 0).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/not a map output file name/);
    await c.fetch(address, ['shuffle_9_9_9'], 0).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/ENOENT/);
  });

  it('refuses a peer without the application secret', async () => {
    let err: Error | undefined;
    await client(randomBytes(32))
      .fetch(address, ['shuffle_1_0_5'], 0)
      .catch((e: Error) => (err = e));
    expect(err?.name).to.equal('AuthenticationError');
  });

  it('fails a fetch once the server is gone', async () => {
    const c = client();
    await c.fetch(address, ['shuffle_1_0_5'], 0);
    await server.close();
    let err: Error | undefined;
    await c.fetch(address, ['shuffle_1_0_5'], 0).catch((e: Error) => (err = e));
    expect(err?.name).to.equal('ConnectionError');
  });

  it("reads this executor's own segments from its directory, without the block server", async () => {
    const remote = await client().fetch(address, ['shuffle_1_0_5'], 0);
    const own = new BlockClient(secret, 'exec-7', { address, dir });
    clients.push(own);
    // Nothing answers at the address any more: only a local read can succeed.
    await server.close();
    expect((await own.fetch(address, ['shuffle_1_0_5', 'shuffle_1_0_5'], 0)).map((b) => b.toString('hex'))).to.deep.equal([
      remote[0]!.toString('hex'),
      remote[0]!.toString('hex'),
    ]);
    const copy = join(dir, 'copied');
    expect(await own.fetchToFile(address, 'shuffle_1_0_5', 1, copy)).to.equal(readFileSync(copy).length);
    expect([...decodeFrames(readFileSync(copy))]).to.deep.equal([[[{ k: 1 }, undefined]]]);
    let err: Error | undefined;
    await own.fetch(address, ['../secret'], 0).catch((e: Error) => (err = e));
    expect(err?.name).to.equal('ProtocolError');
    // Another address still goes over the network, and finds nobody.
    await own.fetch('127.0.0.1:1', ['shuffle_1_0_5'], 0).catch((e: Error) => (err = e));
    expect(err?.name).to.equal('ConnectionError');
  });

  it('fails a fetch answered with a piece for a file it did not ask for', async () => {
    // A server with the secret that does not follow the protocol: every fetch gets a piece for file 5.
    const rogue = createServer((socket) => {
      socket.on('error', () => {});
      void acceptExecutor(socket, secret, { appId: 'application_1_0001', nameNodes: [], hdfsUser: 'alice' }).then(({ channel }) =>
        channel.listen(
          (m) => {
            if (m.type === 'fetch')
              channel.send({ type: 'blocks', reqId: m.reqId, index: 5, data: Buffer.from('x'), last: true, error: null });
          },
          () => {},
        ),
      );
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    try {
      let err: Error | undefined;
      await client()
        .fetch(`127.0.0.1:${(rogue.address() as AddressInfo).port}`, ['shuffle_1_0_5', 'shuffle_1_0_6'], 0)
        .catch((e: Error) => (err = e));
      expect(err?.name).to.equal('ConnectionError');
      expect(err?.message).to.match(/a piece for file 5 of a request for 2/);
    } finally {
      for (const c of clients.splice(0)) c.close();
      await new Promise((resolve) => rogue.close(resolve));
    }
  });

  it('encodes fetch and blocks messages losslessly', () => {
    const fetch = { type: 'fetch' as const, reqId: 3, files: ['shuffle_1_2_3'], reduceId: 4 };
    const blocks = { type: 'blocks' as const, reqId: 3, index: 1, data: Buffer.from([1, 2]), last: true, error: null };
    for (const m of [fetch, blocks]) {
      const frame = encodeMessage(m);
      expect(decodeFrameBody(frame.subarray(4))).to.deep.equal(m);
    }
  });
});
