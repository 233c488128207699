import { expect } from 'chai';
import { ConnectionError, ProtocolError, TimeoutError } from '../../protocols/errors/index.js';
import { classifySocketError } from '../../protocols/http/index.js';
import { NmRestClient } from '../../protocols/nm-rest/index.js';
import { wordsFor } from '../../protocols/webhdfs/http.js';
import { fakeServer, refusedUrl } from './webhdfs-fake-server.js';

const errno = (code: string, message = `${code} happened`): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

describe('the clients over protocols/http', () => {
  describe('WebHDFS wording of failures', () => {
    const words = wordsFor({ operation: 'OPEN', path: '/f', server: 'dn1:9864' });
    const fields = { operation: 'OPEN', path: '/f', server: 'dn1:9864' };

    it('a refused connection, and other failures to connect', () => {
      const refused = words.socket(classifySocketError(errno('ECONNREFUSED')));
      expect(refused).to.be.instanceOf(ConnectionError).and.include(fields);
      expect(refused.message).to.equal('OPEN /f: connection refused by dn1:9864');
      expect(words.socket(classifySocketError(errno('ENOTFOUND'))).message).to.equal('OPEN /f: cannot reach (ENOTFOUND) dn1:9864');
    });

    it('a timed-out connection is a TimeoutError; a broken one a ConnectionError with its detail', () => {
      expect(words.socket(classifySocketError(errno('ETIMEDOUT'))))
        .to.be.instanceOf(TimeoutError)
        .and.have.property('message', 'OPEN /f: connection to dn1:9864 timed out');
      expect(words.socket(classifySocketError(errno('ECONNRESET', 'read ECONNRESET'))).message).to.equal(
        'OPEN /f: connection to dn1:9864 failed (read ECONNRESET)',
      );
    });

    it('deadlines, connect timeouts and oversize answers', () => {
      expect(words.deadline(60).message).to.equal('OPEN /f: no answer from dn1:9864 within 60 ms');
      const connect = words.connectTimeout(10);
      expect(connect).to.be.instanceOf(TimeoutError).and.include(fields);
      expect(connect.message).to.equal('OPEN /f: no connection to dn1:9864 within 10 ms');
      const tooLarge = words.tooLarge(5);
      expect(tooLarge).to.be.instanceOf(ProtocolError);
      expect(tooLarge.message).to.equal('OPEN /f: answer from dn1:9864 exceeds 5 bytes');
    });
  });

  describe('the NodeManager client on the default transport', () => {
    it('reads raw bytes with GET, user.name in the query', async () => {
      const bytes = Buffer.from([0x6f, 0x6b, 0x0a, 0xff, 0x00]);
      const server = await fakeServer((req, res) => {
        res.writeHead(req.method === 'GET' ? 200 : 405, { 'content-type': 'text/plain' });
        res.end(Buffer.concat([Buffer.from('LogType:stderr\nLogLength:5\nLogContents:\n'), bytes, Buffer.from('End of LogType:stderr\n')]));
      });
      const client = new NmRestClient({ user: 'alice' });
      try {
        const chunk = await client.readLog(server.url, 'container_1_0001_01_000001', 'stderr');
        expect([...chunk.data]).to.deep.equal([...bytes]);
        expect(server.requests[0]!.searchParams.get('user.name')).to.equal('alice');
      } finally {
        client.close();
        await server.close();
      }
    });

    it('a NodeManager that is not there: ConnectionError naming what was being done', async () => {
      const url = await refusedUrl();
      const client = new NmRestClient();
      try {
        const err = (await client.logFiles(url, 'container_1_0001_01_000001').catch((e: unknown) => e)) as Error;
        expect(err).to.be.instanceOf(ConnectionError);
        expect(err.message).to.equal(`list logs of container_1_0001_01_000001: cannot reach the NodeManager at ${url} (ECONNREFUSED)`);
      } finally {
        client.close();
      }
    });
  });
});
