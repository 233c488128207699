import { expect } from 'chai';
import { ProtocolError } from '../../protocols/errors/index.js';
import { WebHdfsClient } from '../../protocols/webhdfs/index.js';
import { pagedEntries } from '../../protocols/webhdfs/listing.js';
import type { FileStatus } from '../../protocols/webhdfs/types.js';
import {
  parseBlockLocations,
  parseContentSummary,
  parseFileChecksum,
  parseFileStatus,
  parseListingPage,
  type ListingPage,
} from '../../protocols/webhdfs/wire.js';
import { fakeServer, sendJson, wireStatus } from './webhdfs-fake-server.js';

const ctx = { operation: 'LISTSTATUS_BATCH', path: '/d' };

function entry(name: string): FileStatus {
  return { path: `/d/${name}`, name } as FileStatus;
}

describe('webhdfs listing pages', () => {
  it('asks for each page after the last name of the previous one', async () => {
    const pages: Record<string, ListingPage> = {
      '': { entries: ['a', 'b', 'c'].map(entry), remaining: 4 },
      c: { entries: ['d', 'e', 'f'].map(entry), remaining: 1 },
      f: { entries: ['g'].map(entry), remaining: 0 },
    };
    const asked: Array<string | undefined> = [];
    const names: string[] = [];
    for await (const e of pagedEntries(async (after) => {
      asked.push(after);
      return pages[after ?? '']!;
    }, ctx)) {
      names.push(e.name);
    }
    expect(asked).to.deep.equal([undefined, 'c', 'f']);
    expect(names).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('stops lazily: a consumer that breaks early fetches no more pages', async () => {
    let fetches = 0;
    const it = pagedEntries(async () => {
      fetches++;
      return { entries: [entry('x'), entry(`y${fetches}`)], remaining: 100 };
    }, ctx);
    for await (const e of it) if (e.name === 'x') break;
    expect(fetches).to.equal(1);
  });

  it('fails instead of looping when a page makes no progress', async () => {
    const empty = pagedEntries(async () => ({ entries: [], remaining: 3 }), ctx);
    const err = await (async () => {
      for await (const _ of empty) void _;
    })().catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolError);
    expect((err as Error).message).to.equal('LISTSTATUS_BATCH /d: listing made no progress (3 entries said to remain)');

    const stuck = pagedEntries(async () => ({ entries: [entry('same')], remaining: 1 }), ctx);
    const err2 = await (async () => {
      for await (const _ of stuck) void _;
    })().catch((e: unknown) => e);
    expect(err2).to.be.instanceOf(ProtocolError);
  });

  it('pages through a fake NameNode, sending startafter encoded', async () => {
    const names = ['a b', 'c+d', 'e%f', 'g&h', 'ü', 'z'];
    const nn = await fakeServer((_req, res, url) => {
      const after = url.searchParams.get('startafter');
      const start = after === null ? 0 : names.indexOf(after) + 1;
      const page = names.slice(start, start + 2);
      sendJson(res, 200, {
        DirectoryListing: {
          partialListing: { FileStatuses: { FileStatus: page.map((n) => wireStatus(n)) } },
          remainingEntries: names.length - start - page.length,
        },
      });
    });
    const client = new WebHdfsClient({ nameNodes: [nn.url], user: 'alice' });
    try {
      const listed = await client.listStatus('/dir/');
      expect(listed.map((s) => s.name)).to.deep.equal(names);
      expect(listed.map((s) => s.path)).to.deep.equal(names.map((n) => `/dir/${n}`));
      expect(nn.requests.map((u) => u.searchParams.get('startafter'))).to.deep.equal([null, 'c+d', 'g&h']);
      expect(nn.requests[0]!.pathname).to.equal('/webhdfs/v1/dir');
      expect(nn.requests[0]!.searchParams.get('op')).to.equal('LISTSTATUS_BATCH');
    } finally {
      client.close();
      await nn.close();
    }
  });
});

describe('webhdfs wire conversion', () => {
  it('converts a FileStatus to our type', () => {
    const s = parseFileStatus({ FileStatus: { ...wireStatus('', 'DIRECTORY'), permission: '1777', childrenNum: 3 } }, '/tmp', {
      operation: 'GETFILESTATUS',
      path: '/tmp',
    });
    expect(s).to.deep.equal({
      path: '/tmp',
      name: 'tmp',
      type: 'directory',
      length: 0,
      modificationTime: 1700000000000,
      accessTime: 1,
      blockSize: 0,
      replication: 0,
      owner: 'alice',
      group: 'supergroup',
      permission: 0o1777,
      fileId: 16400,
      childrenCount: 3,
    });
  });

  it('joins listed names under the directory, and a listed file to itself', () => {
    const page = parseListingPage(
      {
        DirectoryListing: {
          partialListing: { FileStatuses: { FileStatus: [wireStatus('a'), { ...wireStatus('l'), type: 'SYMLINK', symlink: '/t' }] } },
          remainingEntries: 0,
        },
      },
      '/',
      ctx,
    );
    expect(page.entries.map((e) => [e.path, e.type])).to.deep.equal([
      ['/a', 'file'],
      ['/l', 'symlink'],
    ]);
    expect(page.entries[1]!.symlinkTarget).to.equal('/t');
    const file = parseListingPage(
      { DirectoryListing: { partialListing: { FileStatuses: { FileStatus: [wireStatus('')] } }, remainingEntries: 0 } },
      '/d/f',
      ctx,
    );
    expect(file.entries[0]!.path).to.equal('/d/f');
    expect(file.entries[0]!.name).to.equal('f');
  });

  it('rejects malformed answers with a ProtocolError naming op and path', () => {
    const c = { operation: 'GETFILESTATUS', path: '/x' };
    expect(() => parseFileStatus({}, '/x', c)).to.throw(ProtocolError, 'GETFILESTATUS /x: malformed answer: missing field "FileStatus"');
    expect(() => parseFileStatus({ FileStatus: { ...wireStatus(''), type: 'PIPE' } }, '/x', c)).to.throw(
      ProtocolError,
      'unknown file type "PIPE"',
    );
    expect(() => parseFileStatus({ FileStatus: { ...wireStatus(''), length: '5' } }, '/x', c)).to.throw(
      ProtocolError,
      'field "length" should be number, got string',
    );
    expect(() => parseFileStatus(null, '/x', c)).to.throw(ProtocolError);
  });

  it('converts content summaries, checksums and block locations', () => {
    const c = { operation: 'X', path: '/x' };
    expect(
      parseContentSummary(
        { ContentSummary: { directoryCount: 2, fileCount: 3, length: 10, quota: -1, spaceConsumed: 30, spaceQuota: -1, typeQuota: {} } },
        c,
      ),
    ).to.deep.equal({ directoryCount: 2, fileCount: 3, length: 10, spaceConsumed: 30, quota: -1, spaceQuota: -1 });
    expect(parseFileChecksum({ FileChecksum: { algorithm: 'MD5-of-0MD5-of-512CRC32C', bytes: 'ABCD', length: 2 } }, c)).to.deep.equal({
      algorithm: 'MD5-of-0MD5-of-512CRC32C',
      bytes: 'abcd',
      length: 2,
    });
    const blocks = parseBlockLocations(
      {
        BlockLocations: {
          BlockLocation: [
            {
              cachedHosts: [],
              corrupt: false,
              hosts: ['127.0.0.1'],
              length: 4096,
              names: ['127.0.0.1:9866'],
              offset: 0,
              storageTypes: ['DISK'],
              topologyPaths: ['/default-rack/127.0.0.1:9866'],
            },
          ],
        },
      },
      c,
    );
    expect(blocks).to.deep.equal([
      {
        offset: 0,
        length: 4096,
        hosts: ['127.0.0.1'],
        names: ['127.0.0.1:9866'],
        topologyPaths: ['/default-rack/127.0.0.1:9866'],
        cachedHosts: [],
        storageTypes: ['DISK'],
        corrupt: false,
      },
    ]);
  });
});
