import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBlockServerThread } from '../../executor/block-server-thread.js';
import { BlockClient, decodeFrames, encodeFrame } from '../../executor/index.js';

describe('shuffle block server on its own thread', () => {
  let dir: string;
  const secret = randomBytes(32);
  const entry = new URL('./block-server-thread-entry.js', import.meta.url);
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'spindle-blocks-thread-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves map output from its thread, and counts what it sent where this thread can read it', async () => {
    const seg0 = encodeFrame([['a', 1]]);
    const seg1 = encodeFrame([['b', 'x'.repeat(1000)]]);
    writeFileSync(join(dir, 'shuffle_2_0_9.data'), Buffer.concat([seg0, seg1]));
    writeFileSync(join(dir, 'shuffle_2_0_9.index'), JSON.stringify([seg0.length, seg1.length]));
    const server = await startBlockServerThread(entry, secret, dir, { appId: 'application_1_0002', nameNodes: [], hdfsUser: 'bob' });
    const client = new BlockClient(secret, 'exec-3');
    try {
      expect(server.served).to.deep.include({ bytes: 0, blocks: 0 });
      const [got] = await client.fetch(`127.0.0.1:${server.port}`, ['shuffle_2_0_9'], 1);
      expect([...decodeFrames(got!)]).to.deep.equal([[['b', 'x'.repeat(1000)]]]);
      expect(server.served.bytes).to.equal(seg1.length);
      expect(server.served.blocks).to.equal(1);
      await client.fetch(`127.0.0.1:${server.port}`, ['shuffle_2_0_9'], 0);
      expect(server.served).to.deep.include({ bytes: seg0.length + seg1.length, blocks: 2 });
    } finally {
      client.close();
      await server.close();
    }
  });

  it('refuses a client without the application secret', async () => {
    const server = await startBlockServerThread(entry, secret, dir, { appId: 'application_1_0003', nameNodes: [], hdfsUser: 'bob' });
    const client = new BlockClient(randomBytes(32), 'exec-4');
    try {
      let failed: unknown;
      await client.fetch(`127.0.0.1:${server.port}`, ['shuffle_2_0_9'], 0).catch((err: unknown) => (failed = err));
      expect(String(failed)).to.match(/secret|authenticat|refused|closed/i);
      expect(server.served.bytes).to.equal(0);
    } finally {
      client.close();
      await server.close();
    }
  });
});
