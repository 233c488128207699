import { expect } from 'chai';
import { ConnectionError, NotFoundError, SafeModeError, StandbyError } from '../../protocols/errors/index.js';
import { WebHdfsClient, type WebHdfsOptions } from '../../protocols/webhdfs/index.js';
import {
  fakeServer,
  fakeSleep,
  refusedUrl,
  sendJson,
  sendRemoteException,
  wireStatus,
  type FakeServer,
  type Handler,
} from './webhdfs-fake-server.js';

const STANDBY = 'org.apache.hadoop.ipc.StandbyException';

const standby: Handler = (_req, res) => sendRemoteException(res, 403, STANDBY, 'Operation category READ is not supported in state standby');
const active: Handler = (_req, res, url) => {
  const op = url.searchParams.get('op');
  if (op === 'GETFILESTATUS') sendJson(res, 200, { FileStatus: wireStatus('') });
  else if (op === 'RENAME') res.end();
  else sendJson(res, 200, { boolean: true });
};

describe('webhdfs HA failover and retry', () => {
  const servers: FakeServer[] = [];
  const clients: WebHdfsClient[] = [];
  const clock = fakeSleep();

  async function server(handler: Handler): Promise<FakeServer> {
    const s = await fakeServer(handler);
    servers.push(s);
    return s;
  }
  function client(nameNodes: string[], extra: Partial<WebHdfsOptions> = {}): WebHdfsClient {
    const c = new WebHdfsClient({
      nameNodes,
      user: 'alice',
      retry: { maxAttempts: 4, initialDelayMs: 100, multiplier: 2, jitter: 0 },
      retryHooks: { sleep: clock.sleep },
      ...extra,
    });
    clients.push(c);
    return c;
  }

  beforeEach(() => void clock.delays.splice(0));
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) await s.close();
  });

  it('moves from a standby NameNode to the active one at once, and stays there', async () => {
    const nn1 = await server(standby);
    const nn2 = await server(active);
    const hdfs = client([nn1.url, nn2.url]);
    const status = await hdfs.getFileStatus('/x');
    expect(status.path).to.equal('/x');
    expect(nn1.requests).to.have.length(1);
    expect(nn2.requests).to.have.length(1);
    expect(clock.delays).to.deep.equal([0]);
    await hdfs.getFileStatus('/y');
    expect(nn1.requests).to.have.length(1);
    expect(nn2.requests).to.have.length(2);
  });

  it('fails over on a refused connection, even for a non-idempotent rename', async () => {
    const dead = await refusedUrl();
    const nn2 = await server(active);
    const hdfs = client([dead, nn2.url]);
    await hdfs.rename('/a', '/b');
    expect(nn2.requests).to.have.length(1);
    expect(nn2.requests[0]!.searchParams.get('destination')).to.equal('/b');
    expect(nn2.requests[0]!.searchParams.get('renameoptions')).to.equal('NONE');
  });

  it('alternates between two standbys with backoff after the first failover, then gives up', async () => {
    const nn1 = await server(standby);
    const nn2 = await server(standby);
    const hdfs = client([nn1.url, nn2.url]);
    const err = await hdfs.mkdirs('/x').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StandbyError);
    expect((err as Error).message).to.equal(`MKDIRS /x: NameNode ${nn2.host} is in standby state`);
    expect(nn1.requests).to.have.length(2);
    expect(nn2.requests).to.have.length(2);
    expect(clock.delays).to.deep.equal([0, 200, 400]);
  });

  it('retries an idempotent call on the same NameNode after a broken connection', async () => {
    let calls = 0;
    const nn = await server((req, res, url) => {
      if (++calls < 3) req.socket.destroy();
      else active(req, res, url);
    });
    const hdfs = client([nn.url]);
    await hdfs.setPermission('/x', 0o700);
    expect(calls).to.equal(3);
    expect(clock.delays).to.deep.equal([100, 200]);
    expect(nn.requests.every((u) => u.searchParams.get('permission') === '700')).to.equal(true);
  });

  it('does not repeat a rename whose request may have been processed', async () => {
    const nn = await server((req) => void req.socket.destroy());
    const hdfs = client([nn.url]);
    const err = await hdfs.rename('/a', '/b').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as Error).message).to.match(/^RENAME \/a -> \/b: connection to 127\.0\.0\.1:\d+ failed/);
    expect((err as ConnectionError).path).to.equal('/a -> /b');
    expect(nn.requests).to.have.length(1);
  });

  it('repeats a rename refused because of safe mode (the server did not act)', async () => {
    let calls = 0;
    const nn = await server((req, res, url) => {
      if (++calls === 1)
        sendRemoteException(res, 403, 'org.apache.hadoop.hdfs.server.namenode.SafeModeException', 'Name node is in safe mode.');
      else active(req, res, url);
    });
    await client([nn.url]).rename('/a', '/b');
    expect(calls).to.equal(2);
  });

  it('gives up on safe mode after maxAttempts with a SafeModeError', async () => {
    const nn = await server((_req, res) =>
      sendRemoteException(res, 403, 'org.apache.hadoop.hdfs.server.namenode.SafeModeException', 'Name node is in safe mode.'),
    );
    const err = await client([nn.url])
      .mkdirs('/x')
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SafeModeError);
    expect(nn.requests).to.have.length(4);
  });

  it('does not retry a NotFoundError', async () => {
    const nn = await server((_req, res) => sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'File does not exist: /x'));
    const err = await client([nn.url])
      .getFileStatus('/x')
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(NotFoundError);
    expect((err as Error).message).to.equal('GETFILESTATUS /x: no such file or directory');
    expect(nn.requests).to.have.length(1);
    expect(clock.delays).to.deep.equal([]);
  });

  it('exists() is false for a missing path and true otherwise', async () => {
    const nn = await server((req, res, url) =>
      url.pathname.endsWith('/missing') ? sendRemoteException(res, 404, 'java.io.FileNotFoundException', 'no') : active(req, res, url),
    );
    const hdfs = client([nn.url]);
    expect(await hdfs.exists('/missing')).to.equal(false);
    expect(await hdfs.exists('/there')).to.equal(true);
  });

  it('does not blame the NameNode for a DataNode that refuses connections', async () => {
    const deadDataNode = await refusedUrl();
    const nn1 = await server((_req, res) =>
      sendJson(res, 200, { Location: `${deadDataNode}/webhdfs/v1/f?op=OPEN&namenoderpcaddress=nn:8020&offset=0` }),
    );
    const nn2 = await server(active);
    const hdfs = client([nn1.url, nn2.url]);
    const err = await hdfs.open('/f').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectionError);
    expect((err as ConnectionError).server).to.equal(new URL(deadDataNode).host);
    expect((err as Error).message).to.equal(`OPEN /f: connection refused by ${new URL(deadDataNode).host}`);
    expect(nn1.requests).to.have.length(4);
    expect(nn2.requests).to.have.length(0);
    expect(clock.delays).to.deep.equal([100, 200, 400]);
  });

  it('times out a NameNode that never answers', async () => {
    const nn = await server(() => undefined);
    const hdfs = client([nn.url], { requestTimeoutMs: 30, retry: { maxAttempts: 1 } });
    const err = await hdfs.getFileStatus('/slow').catch((e: unknown) => e);
    expect((err as Error).name).to.equal('TimeoutError');
    expect((err as Error).message).to.equal(`GETFILESTATUS /slow: no answer from ${nn.host} within 30 ms`);
  });
});
