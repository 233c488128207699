import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import type { TaskScheduler } from '../../appmaster/driver/scheduler.js';
import { TaskServer } from '../../appmaster/driver/task-server.js';
import { acceptExecutor, encodeMessage, encodePreamble } from '../../protocols/driver-executor/index.js';
import { AuthenticationError, printable, ProtocolError } from '../../protocols/errors/index.js';

const welcome = { appId: 'application_1_1', nameNodes: ['http://nn:9870'], hdfsUser: 'alice' };

/** A driver-side socket fed `bytes` by a peer that then waits; what the driver writes back is collected. */
function peerSends(bytes: Buffer): { socket: PassThrough; written: Buffer[] } {
  const socket = new PassThrough();
  const written: Buffer[] = [];
  const write = socket.write.bind(socket);
  // What the driver writes goes to the peer, not back into its own input.
  socket.write = ((chunk: Buffer) => {
    written.push(Buffer.from(chunk));
    return true;
  }) as typeof socket.write;
  void write;
  socket.push(bytes);
  return { socket, written };
}

describe('driver-executor handshake against a hostile peer', () => {
  it('refuses the 16-byte pre-authentication crash by its tag, decoding nothing', async () => {
    // The 16 bytes: a cancel message announcing two billion tids; avsc would allocate before failing.
    const attack = Buffer.from('SPDE\x00\x01\x00\x00\x00\x06\x0e\x80\xd0\xac\xf3\x0e', 'latin1');
    const { socket } = peerSends(attack);
    const before = process.memoryUsage().heapUsed;
    const err = await acceptExecutor(socket, randomBytes(32), welcome).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as Error).message).to.equal('driver-executor: a cancel message where only hello or reject may come');
    // Decoding would have allocated gigabytes; the refusal allocates next to nothing.
    expect(process.memoryUsage().heapUsed - before).to.be.lessThan(8 * 1024 * 1024);
  });

  it('refuses any message but the one the handshake expects next, even a well-formed one', async () => {
    const frame = encodeMessage({ type: 'launch', tasks: [] });
    const { socket } = peerSends(Buffer.concat([encodePreamble(), frame]));
    const err = await acceptExecutor(socket, randomBytes(32), welcome).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as Error).message).to.match(/a launch message where only hello or reject may come/);
  });

  it('prints a forged executor id and host with their control characters escaped', async () => {
    const forged = 'x\n2026-01-01T00:00:00Z spindle-driver: the job has finished\u001b[2J';
    const hello = encodeMessage({
      type: 'hello',
      executorId: forged,
      host: 'h\r',
      containerId: 'c',
      cores: 1,
      pid: 1,
      nonce: randomBytes(16),
    });
    const proof = encodeMessage({ type: 'proof', proof: randomBytes(32) });
    const { socket } = peerSends(Buffer.concat([encodePreamble(), hello, proof]));
    const err = await acceptExecutor(socket, randomBytes(32), welcome).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthenticationError);
    const message = (err as Error).message;
    for (const c of ['\n', '\r', '\u001b']) expect(message).not.to.contain(c);
    expect(message).to.contain('executor x\\u000a2026-01-01T00:00:00Z spindle-driver: the job has finished\\u001b[2J on h\\u000d');
  });
});

describe('task server logs of refused peers', () => {
  it("prints a reject's reason from an unauthenticated peer with its control characters escaped", async () => {
    let logged!: (line: string) => void;
    const line = new Promise<string>((resolve) => {
      logged = resolve;
    });
    const server = new TaskServer(randomBytes(32), welcome, {} as TaskScheduler, { log: (m) => logged(m) });
    const port = await server.listen(0, '127.0.0.1');
    const peer = connect({ host: '127.0.0.1', port });
    try {
      const forged = 'no\n2026-01-01T00:00:00Z spindle-driver: the job has finished\u001b[2J';
      peer.write(Buffer.concat([encodePreamble(), encodeMessage({ type: 'reject', reason: forged })]));
      const text = await line;
      for (const c of ['\n', '\u001b']) expect(text).not.to.contain(c);
      expect(text).to.contain('refused: no\\u000a2026-01-01T00:00:00Z spindle-driver: the job has finished\\u001b[2J');
    } finally {
      peer.destroy();
      await server.close();
    }
  });
});

describe('printable', () => {
  it('escapes control characters and line separators, and cuts long text', () => {
    expect(printable('a\tb\u0085c\u2028')).to.equal('a\\u0009b\\u0085c\\u2028');
    expect(printable('plain text, ünïcode')).to.equal('plain text, ünïcode');
    expect(printable('x'.repeat(300), 10)).to.equal(`${'x'.repeat(10)}...`);
  });
});
