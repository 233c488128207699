import { expect } from 'chai';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  acceptExecutor,
  connectToDriver,
  deriveChannelKeys,
  encodeMessage,
  GCM_TAG_BYTES,
  type Message,
  RECORD_PLAINTEXT_BYTES,
} from '../../protocols/driver-executor/index.js';
import { AuthenticationError, ProtocolError } from '../../protocols/errors/index.js';
import { socketPair } from './socket-pair.js';

const identity = { executorId: '3', host: 'n1', containerId: 'container_1', cores: 2, pid: 42 };
const welcome = { appId: 'application_1_1', nameNodes: ['http://nn:9870'], hdfsUser: 'alice' };

/** Both ends' keys for one made-up handshake. */
function pairOfKeys(secret = randomBytes(32), transcript = randomBytes(32)) {
  const executorNonce = randomBytes(32);
  const driverNonce = randomBytes(32);
  return {
    driver: deriveChannelKeys(secret, executorNonce, driverNonce, transcript, 'driver'),
    executor: deriveChannelKeys(secret, executorNonce, driverNonce, transcript, 'executor'),
  };
}

/** Splits bytes into chunks of random sizes (1 to 9,000 bytes), as TCP may. */
function rechunk(pieces: Buffer[]): Buffer[] {
  const all = Buffer.concat(pieces);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const n = 1 + Math.floor(Math.random() * 9000);
    out.push(all.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Splits sealed output into whole records (header and body). */
function records(pieces: Buffer[]): Buffer[] {
  const all = Buffer.concat(pieces);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; ) {
    const n = 4 + all.readUInt32BE(at);
    out.push(all.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('driver-executor protected records', () => {
  it('carries plaintext of any size, in records of at most 256 KiB, however the bytes are chunked', () => {
    const { driver, executor } = pairOfKeys();
    const sizes = [0, 1, 5000, RECORD_PLAINTEXT_BYTES, RECORD_PLAINTEXT_BYTES + 1, 3 * RECORD_PLAINTEXT_BYTES + 17];
    for (const size of sizes) {
      const data = randomBytes(size);
      // Sealed from pieces that do not line up with records.
      const pieces = [data.subarray(0, Math.floor(size / 3)), data.subarray(Math.floor(size / 3))];
      const sealed = driver.sealer.seal(pieces, size);
      const recs = records(sealed);
      expect(recs).to.have.length(Math.max(1, Math.ceil(size / RECORD_PLAINTEXT_BYTES)));
      for (const r of recs) expect(r.length).to.be.at.most(4 + RECORD_PLAINTEXT_BYTES + GCM_TAG_BYTES);
      const opened: Buffer[] = [];
      for (const chunk of rechunk(sealed)) opened.push(...executor.opener.push(chunk));
      expect(Buffer.concat(opened).equals(data)).to.equal(true);
      expect(executor.opener.buffered).to.equal(0);
    }
  });

  it('is AES-256-GCM under HKDF-SHA256 keys, with the sequence number in the nonce, as documented', () => {
    const secret = randomBytes(32);
    const [ne, nd, th] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const keys = deriveChannelKeys(secret, ne, nd, th, 'executor');
    const info = Buffer.concat([Buffer.from('spindle driver-executor channel v1', 'latin1'), th]);
    const okm = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([ne, nd]), info, 72));
    // The executor sends with the second half: key 36..68, nonce salt 68..72.
    const [key, salt] = [okm.subarray(36, 68), okm.subarray(68, 72)];
    keys.sealer.seal([Buffer.from('first')], 5);
    const second = Buffer.concat(keys.sealer.seal([Buffer.from('second')], 6));
    const nonce = Buffer.concat([salt, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1])]);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const body = Buffer.concat([cipher.update('second'), cipher.final(), cipher.getAuthTag()]);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length, 0);
    expect(second.toString('hex')).to.equal(Buffer.concat([header, body]).toString('hex'));
  });

  it('refuses a record with any byte changed, delivering none of it', () => {
    const data = randomBytes(100);
    for (const at of [4, 50, 4 + 100 + 3]) {
      const { driver, executor } = pairOfKeys();
      const sealed = Buffer.concat(driver.sealer.seal([data], data.length));
      sealed[at]! ^= 0x01;
      expect(() => executor.opener.push(sealed)).to.throw(ProtocolError, 'a protected record failed authentication');
    }
  });

  it('refuses records replayed, reordered or dropped', () => {
    const sealedBoth = (): { a: Buffer; b: Buffer; opener: ReturnType<typeof pairOfKeys>['executor']['opener'] } => {
      const { driver, executor } = pairOfKeys();
      const a = Buffer.concat(driver.sealer.seal([Buffer.from('launch task 1')], 13));
      const b = Buffer.concat(driver.sealer.seal([Buffer.from('launch task 2')], 13));
      return { a, b, opener: executor.opener };
    };
    const replay = sealedBoth();
    expect(replay.opener.push(replay.a)[0]!.toString()).to.equal('launch task 1');
    expect(() => replay.opener.push(replay.a)).to.throw(ProtocolError, 'failed authentication');
    const reorder = sealedBoth();
    expect(() => reorder.opener.push(reorder.b)).to.throw(ProtocolError, 'failed authentication');
    const drop = sealedBoth();
    expect(() => drop.opener.push(drop.b)).to.throw(ProtocolError, 'failed authentication');
  });

  it('refuses a record spliced in from another connection, or sealed by the wrong direction', () => {
    const secret = randomBytes(32);
    const one = pairOfKeys(secret);
    const other = pairOfKeys(secret);
    const spliced = Buffer.concat(other.driver.sealer.seal([Buffer.from('x')], 1));
    expect(() => one.executor.opener.push(spliced)).to.throw(ProtocolError, 'failed authentication');
    // The executor's own record reflected back at it.
    const reflected = Buffer.concat(one.executor.sealer.seal([Buffer.from('x')], 1));
    expect(() => one.executor.opener.push(reflected)).to.throw(ProtocolError, 'failed authentication');
  });

  it('refuses an impossible record length before buffering it', () => {
    const { executor } = pairOfKeys();
    const header = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => executor.opener.push(Buffer.concat([header, randomBytes(16)]))).to.throw(ProtocolError, /record of 2147483647 bytes/);
    const short = pairOfKeys().executor;
    expect(() => short.opener.push(Buffer.from([0, 0, 0, 3, 1, 2, 3]))).to.throw(ProtocolError, /record of 3 bytes/);
  });
});

describe('driver-executor channel protection', () => {
  it('puts nothing of a message on the wire in the clear after the handshake', async () => {
    const secret = randomBytes(32);
    const seen: Buffer[] = [];
    const tap = (c: Buffer): Buffer => {
      seen.push(Buffer.from(c));
      return c;
    };
    const [d, e] = socketPair({ aToB: tap, bToA: tap });
    const [accepted, connected] = await Promise.all([acceptExecutor(d, secret, welcome), connectToDriver(e, secret, identity)]);
    const marker = `(line) => line.includes(${JSON.stringify(randomBytes(12).toString('hex'))})`;
    const stage: Message = {
      type: 'stage',
      plan: {
        stageId: 1,
        description: 'd',
        nodes: [{ id: 1, op: 'filter', parents: [], numPartitions: 1, fns: [{ source: marker, builtin: null, env: null }], params: null }],
        root: 1,
        action: { kind: 'count', fns: [], params: null },
      },
    };
    const got = new Promise<Message>((resolve) => connected.channel.listen(resolve, () => {}));
    accepted.channel.send(stage);
    const received = await got;
    expect(received.type === 'stage' && received.plan.nodes[0]!.fns[0]!.source).to.equal(marker);
    // Sent in the clear, the function source would be there byte for byte.
    expect(encodeMessage(stage).includes(marker)).to.equal(true);
    expect(Buffer.concat(seen).includes(marker)).to.equal(false);
  });

  it('fails both ends when a relay alters the welcome, before the executor uses it', async () => {
    const secret = randomBytes(32);
    const [d, e] = socketPair({
      // The driver's welcome names its NameNode; a relay points the executor at its own instead.
      aToB: (c) => {
        const text = c.toString('latin1');
        return text.includes('http://nn:9870') ? Buffer.from(text.replace('http://nn:9870', 'http://ev:9870'), 'latin1') : c;
      },
    });
    const results = await Promise.allSettled([
      acceptExecutor(d, secret, welcome, undefined, 2000),
      connectToDriver(e, secret, identity, 2000),
    ]);
    const executorSide = results[1];
    expect(executorSide.status).to.equal('rejected');
    expect((executorSide as PromiseRejectedResult).reason).to.be.instanceOf(AuthenticationError);
    expect((executorSide as PromiseRejectedResult).reason.message).to.match(/first protected record did not authenticate/);
    expect(results[0].status).to.equal('rejected');
  });

  it('fails both ends when a relay alters the hello, so the driver never takes what the executor did not say', async () => {
    const secret = randomBytes(32);
    const [d, e] = socketPair({
      // Executor to driver: the hello's host changes from n1 to n9 (same length, so the frame stays well formed).
      bToA: (c) => {
        const at = c.indexOf('n1');
        if (at < 0 || !c.includes('container_1')) return c;
        const copy = Buffer.from(c);
        copy.write('n9', at, 'latin1');
        return copy;
      },
    });
    const results = await Promise.allSettled([
      acceptExecutor(d, secret, welcome, undefined, 2000),
      connectToDriver(e, secret, identity, 2000),
    ]);
    // The driver's keys follow the altered hello: the executor cannot open its first record, and hangs up.
    expect(results[1].status).to.equal('rejected');
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(AuthenticationError);
    expect((results[1] as PromiseRejectedResult).reason.message).to.match(/first protected record did not authenticate/);
    expect(results[0].status).to.equal('rejected');
  });

  it('ends the channel when a record is tampered with after the handshake', async () => {
    const secret = randomBytes(32);
    let armed = false;
    const [d, e] = socketPair({
      aToB: (c) => {
        // Record headers are written as pieces of 4 bytes; a changed length would only make the reader wait.
        if (!armed || c.length <= 4) return c;
        const copy = Buffer.from(c);
        copy[copy.length - 1]! ^= 0x80;
        return copy;
      },
    });
    const [accepted, connected] = await Promise.all([acceptExecutor(d, secret, welcome), connectToDriver(e, secret, identity)]);
    const delivered: Message[] = [];
    const closed = new Promise<Error | undefined>((resolve) => connected.channel.listen((m) => delivered.push(m), resolve));
    armed = true;
    accepted.channel.send({ type: 'shutdown', reason: 'forged' });
    await closed;
    expect(delivered).to.deep.equal([]);
  });

  it('streams a large message as many records, each under the limit', async () => {
    const secret = randomBytes(32);
    const sizes: number[] = [];
    let done = false;
    const [d, e] = socketPair({
      aToB: (c) => {
        if (done) sizes.push(c.length);
        return c;
      },
    });
    const [accepted, connected] = await Promise.all([acceptExecutor(d, secret, welcome), connectToDriver(e, secret, identity)]);
    done = true;
    const data = randomBytes(3 * RECORD_PLAINTEXT_BYTES);
    const got = new Promise<Message>((resolve) => connected.channel.listen(resolve, () => {}));
    accepted.channel.send({ type: 'chunk', tid: 1, data });
    const m = await got;
    expect(m.type === 'chunk' && m.data.equals(data)).to.equal(true);
    // Four records: header, ciphertext and tag written as separate pieces, none above a record.
    expect(Math.max(...sizes)).to.be.at.most(RECORD_PLAINTEXT_BYTES);
    expect(sizes.filter((n) => n === 4).length).to.equal(4);
  });
});
