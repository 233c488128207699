import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { AlreadyExistsError, ConnectionError, NotFoundError, TimeoutError } from '../../protocols/errors/index.js';
import { WebHdfsClient, type WebHdfsOptions } from '../../protocols/webhdfs/index.js';
import {
  fakeServer,
  fakeSleep,
  refusedUrl,
  readBody,
  sendJson,
  sendRemoteException,
  wireStatus,
  type FakeServer,
  type Handler,
} from './webhdfs-fake-server.js';

const MiB = 1024 * 1024;

/** `total` random bytes in 64 KiB chunks, hashed as they are produced. */
function source(total: number, progress: { produced: number; finished: boolean; hash: ReturnType<typeof createHash> }) {
  return (async function* () {
    try {
      while (progress.produced < total) {
        const chunk = randomBytes(Math.min(64 * 1024, total - progress.produced));
        progress.produced += chunk.length;
        progress.hash.update(chunk);
        yield chunk;
      }
    } finally {
      progress.finished = true;
    }
  })();
}

function progress() {
  return { produced: 0, finished: false, hash: createHash('sha256') };
}

async function hashStream(stream: Readable): Promise<{ hex: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { hex: hash.digest('hex'), bytes };
}

/** Resolve once `done()` holds and `probe()` has stayed the same for 50 event-loop turns. */
async function settle(probe: () => number, done: () => boolean = () => true): Promise<void> {
  let last = -1;
  let stable = 0;
  for (let turns = 0; turns < 200_000; turns++) {
    await new Promise((r) => setImmediate(r));
    const now = probe();
    stable = now === last ? stable + 1 : 0;
    last = now;
    if (stable >= 50 && done()) return;
  }
  throw new Error('never settled');
}

describe('webhdfs data streams against a fake NameNode and DataNode', () => {
  let nn: FakeServer;
  let dn: FakeServer;
  let dnHandler: Handler;
  let client: WebHdfsClient;
  const DN_QUERY = 'namenoderpcaddress=nn%3A8020&createflag=&overwrite=false&user.name=alice';

  function makeClient(extra: Partial<WebHdfsOptions> = {}): WebHdfsClient {
    client?.close();
    client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice', retryHooks: { sleep: fakeSleep().sleep }, ...extra });
    return client;
  }

  beforeEach(async () => {
    dn = await fakeServer((req, res, url) => dnHandler(req, res, url));
    // The NameNode names the DataNode; the DataNode URL carries a query that must arrive intact.
    nn = await fakeServer((_req, res, url) => {
      const op = url.searchParams.get('op');
      if (op === 'GETFILESTATUS') {
        if (url.pathname.endsWith('/existing')) sendJson(res, 200, { FileStatus: wireStatus('') });
        else sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'File does not exist');
        return;
      }
      sendJson(res, 200, { Location: `${dn.url}${url.pathname}?op=${op}&${DN_QUERY}&offset=${url.searchParams.get('offset') ?? 0}` });
    });
    makeClient();
  });

  afterEach(async () => {
    client.close();
    await nn.close();
    await dn.close();
  });

  it('create: asks the NameNode with noredirect, then streams chunked octets to the DataNode URL as given', async () => {
    let seen: { method?: string; search: string; headers: IncomingMessage['headers']; hash: string; bytes: number } | undefined;
    dnHandler = async (req, res, url) => {
      res.writeContinue(); // as the real DataNode does, asked or not
      const body = await readBody(req);
      seen = {
        method: req.method,
        search: url.search,
        headers: req.headers,
        hash: createHash('sha256').update(body).digest('hex'),
        bytes: body.length,
      };
      res.writeHead(201, { location: 'hdfs://nn:8020/data/x', 'content-length': 0 });
      res.end();
    };
    const p = progress();
    await client.create('/data/x', source(8 * MiB + 7, p), { permission: 0o640, replication: 1 });
    expect(nn.requests[0]!.searchParams.get('op')).to.equal('GETFILESTATUS');
    const q = nn.requests[1]!.searchParams;
    expect(q.get('op')).to.equal('CREATE');
    expect(q.get('noredirect')).to.equal('true');
    expect(q.get('overwrite')).to.equal('false');
    expect(q.get('permission')).to.equal('640');
    expect(q.get('replication')).to.equal('1');
    expect(q.get('user.name')).to.equal('alice');
    expect(seen!.method).to.equal('PUT');
    expect(seen!.search).to.equal(`?op=CREATE&${DN_QUERY}&offset=0`);
    expect(seen!.headers['content-type']).to.equal('application/octet-stream');
    expect(seen!.headers['transfer-encoding']).to.equal('chunked');
    expect(seen!.bytes).to.equal(8 * MiB + 7);
    expect(seen!.hash).to.equal(p.hash.digest('hex'));
  });

  it('create: a DataNode that refuses the connection sends it back to the NameNode, the source untouched, until one takes it', async () => {
    const closed = await refusedUrl();
    let creates = 0;
    await nn.close();
    nn = await fakeServer((_req, res, url) => {
      const op = url.searchParams.get('op');
      if (op === 'GETFILESTATUS') return sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'File does not exist');
      creates++;
      // The first two DataNodes named are down (restarting): nothing listens there.
      sendJson(res, 200, { Location: `${creates <= 2 ? closed : dn.url}${url.pathname}?op=${op}&${DN_QUERY}` });
    });
    makeClient();
    let got: { hash: string; bytes: number } | undefined;
    dnHandler = async (req, res) => {
      const body = await readBody(req);
      got = { hash: createHash('sha256').update(body).digest('hex'), bytes: body.length };
      res.writeHead(201, { 'content-length': 0 });
      res.end();
    };
    const p = progress();
    await client.create('/data/x', source(3 * MiB + 1, p));
    expect(creates, 'CREATE asked of the NameNode again after each refused DataNode').to.equal(3);
    expect(got).to.deep.equal({ hash: p.hash.digest('hex'), bytes: 3 * MiB + 1 });
  });

  it('create: a DataNode that stays unreachable fails after the retry policy, without reading the source', async () => {
    const closed = await refusedUrl();
    await nn.close();
    nn = await fakeServer((_req, res, url) => {
      if (url.searchParams.get('op') === 'GETFILESTATUS') return sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'gone');
      sendJson(res, 200, { Location: `${closed}${url.pathname}?op=CREATE&${DN_QUERY}` });
    });
    makeClient({ retry: { maxAttempts: 3 } });
    const p = progress();
    const err = await client.create('/data/x', source(MiB, p)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect(nn.requests.filter((u) => u.searchParams.get('op') === 'CREATE')).to.have.length(3);
    expect(p.produced, 'no byte taken from the source').to.equal(0);
  });

  it('create: a buffer body goes with Content-Length; append uses POST and expects 200', async () => {
    const got: Array<[string | undefined, string | undefined, string]> = [];
    dnHandler = async (req, res) => {
      got.push([req.method, req.headers['content-length'], (await readBody(req)).toString()]);
      res.writeHead(req.method === 'PUT' ? 201 : 200, { 'content-length': 0 }).end();
    };
    await client.create('/f', 'héllo');
    await client.append('/f', Buffer.from(' world'));
    expect(got).to.deep.equal([
      ['PUT', '6', 'héllo'],
      ['POST', '6', ' world'],
    ]);
    expect(nn.requests.map((u) => u.searchParams.get('op'))).to.deep.equal(['GETFILESTATUS', 'CREATE', 'APPEND']);
  });

  it('create: an early error answer from the DataNode stops the upload and names the path', async () => {
    dnHandler = (_req, res) => {
      res.writeContinue();
      sendRemoteException(res, 403, 'org.apache.hadoop.fs.FileAlreadyExistsException', '/data/x for client 127.0.0.1 already exists');
    };
    const p = progress();
    // overwrite skips the up-front existence check, so the refusal comes from the DataNode.
    const err = await client.create('/data/x', source(1024 * MiB, p), { overwrite: true }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AlreadyExistsError);
    expect((err as Error).message).to.equal('CREATE /data/x: file already exists');
    expect((err as AlreadyExistsError).server).to.equal(dn.host);
    expect(p.finished).to.equal(true);
    expect(p.produced).to.be.below(256 * MiB);
  });

  it('create: without overwrite, an existing path is refused before the DataNode is asked', async () => {
    dnHandler = () => expect.fail('the DataNode must not be contacted');
    const err = await client.create('/dir/existing', 'data').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AlreadyExistsError);
    expect((err as Error).message).to.equal('CREATE /dir/existing: file already exists');
    expect(nn.requests.map((u) => u.searchParams.get('op'))).to.deep.equal(['GETFILESTATUS']);
    expect(dn.requests).to.have.length(0);
  });

  it('create: a failing source rejects with its own error', async () => {
    let aborted = false;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((r) => (arrived = r));
    dnHandler = (req) => {
      req.on('error', () => (aborted = true)).on('aborted', () => (aborted = true));
      req.resume();
      arrived();
    };
    const boom = new Error('disk on fire');
    const failing = (async function* () {
      yield Buffer.alloc(1000);
      await requestArrived;
      throw boom;
    })();
    const err = await client.create('/f', failing).catch((e: unknown) => e);
    expect(err).to.equal(boom);
    await settle(
      () => 0,
      () => aborted,
    );
  });

  it('create: applies backpressure, so a stalled DataNode stops the source', async () => {
    let dnReq: IncomingMessage | undefined;
    const dnHash = createHash('sha256');
    let received = 0;
    dnHandler = (req, res) => {
      dnReq = req;
      req.pause();
      req.on('data', (c: Buffer) => {
        received += c.length;
        dnHash.update(c);
      });
      req.on('end', () => res.writeHead(201, { 'content-length': 0 }).end());
    };
    const p = progress();
    const upload = client.create('/big', source(128 * MiB, p));
    await settle(
      () => p.produced,
      () => dnReq !== undefined,
    );
    expect(p.produced).to.be.below(32 * MiB);
    dnReq!.resume();
    await upload;
    expect(received).to.equal(128 * MiB);
    expect(dnHash.digest('hex')).to.equal(p.hash.digest('hex'));
  });

  it('open: passes the range to the NameNode and streams the DataNode body', async () => {
    const data = randomBytes(3 * MiB + 11);
    dnHandler = (_req, res, url) => {
      const offset = Number(url.searchParams.get('offset'));
      const slice = data.subarray(offset, offset + 1000_003);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': slice.length, connection: 'close' });
      res.end(slice);
    };
    const stream = await client.open('/f', { offset: 12345, length: 1000_003 });
    const q = nn.requests[0]!.searchParams;
    expect([q.get('op'), q.get('offset'), q.get('length'), q.get('noredirect')]).to.deep.equal(['OPEN', '12345', '1000003', 'true']);
    const got = await hashStream(stream);
    expect(got.bytes).to.equal(1000_003);
    expect(got.hex).to.equal(
      createHash('sha256')
        .update(data.subarray(12345, 12345 + 1000_003))
        .digest('hex'),
    );
  });

  it('open: a missing file rejects the promise with NotFoundError', async () => {
    dnHandler = (_req, res) => sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'File /nope does not exist.');
    const err = await client.open('/nope').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotFoundError);
    expect((err as Error).message).to.equal('OPEN /nope: no such file or directory');
  });

  it('open: a DataNode that dies mid-body gives a ConnectionError naming op, path and progress', async () => {
    dnHandler = (_req, res) => {
      res.writeHead(200, { 'content-length': 10 * MiB });
      res.write(Buffer.alloc(MiB), () => res.socket?.destroy());
    };
    const stream = await client.open('/data/f');
    const err = await hashStream(stream).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.match(
      new RegExp(`^OPEN /data/f: connection to DataNode ${dn.host} broke after \\d+ of ${10 * MiB} bytes \\(ECONNRESET: aborted\\)$`),
    );
    expect((err as ConnectionError).path).to.equal('/data/f');
  });

  it('open: a DataNode that goes silent gives a TimeoutError after idleTimeoutMs', async () => {
    makeClient({ idleTimeoutMs: 50 });
    dnHandler = (_req, res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write(Buffer.alloc(10));
    };
    const stream = await client.open('/f');
    const err = await hashStream(stream).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TimeoutError);
    expect((err as Error).message).to.equal(`OPEN /f: no data from DataNode ${dn.host} for 50 ms (after 10 of 100 bytes)`);
  });

  it('open: destroying the stream early closes the DataNode connection quietly', async () => {
    let closed = false;
    dnHandler = (req, res) => {
      res.writeHead(200, { 'content-length': 64 * MiB });
      res.write(Buffer.alloc(MiB));
      req.socket.once('close', () => (closed = true));
    };
    const stream = await client.open('/f');
    const errors: unknown[] = [];
    stream.on('error', (e) => errors.push(e));
    for await (const _ of stream) break; // destroys the stream
    await settle(
      () => 0,
      () => closed,
    );
    expect(stream.destroyed).to.equal(true);
    // Node reports a consumer's early exit as AbortError; nothing of ours is raised.
    expect(errors.map((e) => (e as Error).name)).to.deep.equal(['AbortError']);
  });

  it('open: applies backpressure, so an unread stream stalls the DataNode', async () => {
    const total = 128 * MiB;
    const chunk = randomBytes(MiB);
    let sent = 0;
    let blocked = false;
    dnHandler = async (_req, res) => {
      res.writeHead(200, { 'content-length': total });
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          blocked = true;
          await new Promise((r) => res.once('drain', r));
          blocked = false;
        }
      }
      res.end();
    };
    const stream = await client.open('/big');
    await settle(
      () => sent,
      () => blocked,
    );
    expect(sent).to.be.below(32 * MiB);
    const got = await hashStream(stream);
    expect(got.bytes).to.equal(total);
  });
});
