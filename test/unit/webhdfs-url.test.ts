import { expect } from 'chai';
import { inspect } from 'node:util';
import { ConfigError } from '../../protocols/errors/index.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  resolveWebHdfsOptions,
} from '../../protocols/webhdfs/index.js';
import {
  baseName,
  buildQuery,
  buildUrl,
  encodePath,
  formatPermission,
  joinPath,
  normalizePath,
  parentOf,
} from '../../protocols/webhdfs/url.js';

describe('webhdfs URLs', () => {
  it('normalizes absolute paths and rejects relative ones', () => {
    expect(normalizePath('/')).to.equal('/');
    expect(normalizePath('//a///b/')).to.equal('/a/b');
    expect(normalizePath('/a/./b/../c')).to.equal('/a/c');
    expect(normalizePath('/../..')).to.equal('/');
    expect(() => normalizePath('a/b')).to.throw(TypeError, 'absolute');
    expect(() => normalizePath('')).to.throw(TypeError);
    expect(() => normalizePath(undefined as unknown as string)).to.throw(TypeError);
  });

  it('encodes each path segment, keeping slashes', () => {
    expect(encodePath('/a b/c%d/é+#?;&=')).to.equal('/a%20b/c%25d/%C3%A9%2B%23%3F%3B%26%3D');
    expect(encodePath('/')).to.equal('/');
  });

  it('splits and joins paths', () => {
    expect(parentOf('/a/b')).to.equal('/a');
    expect(parentOf('/a')).to.equal('/');
    expect(parentOf('/')).to.equal('/');
    expect(baseName('/a/b')).to.equal('b');
    expect(baseName('/')).to.equal('');
    expect(joinPath('/', 'a')).to.equal('/a');
    expect(joinPath('/a', 'b')).to.equal('/a/b');
    expect(joinPath('/a/f', '')).to.equal('/a/f');
  });

  it('puts op first, skips undefined, encodes values without "+"', () => {
    const q = buildQuery(
      'RENAME',
      { destination: '/x y/+z', renameoptions: 'NONE', skipped: undefined, n: 5, b: false },
      { user: 'al ice' },
    );
    expect(q).to.equal('op=RENAME&destination=%2Fx%20y%2F%2Bz&renameoptions=NONE&n=5&b=false&user.name=al%20ice');
  });

  it('sends the delegation token instead of the user, never both', () => {
    expect(buildQuery('OPEN', {}, { user: 'alice', delegationToken: 'tok+en/=' })).to.equal('op=OPEN&delegation=tok%2Ben%2F%3D');
    expect(buildQuery('OPEN', {}, {})).to.equal('op=OPEN');
  });

  it('builds the full URL under the base path', () => {
    const url = buildUrl(new URL('http://nn:9870/gateway/'), '/data/a b', 'GETFILESTATUS', {}, { user: 'u' });
    expect(url.href).to.equal('http://nn:9870/gateway/webhdfs/v1/data/a%20b?op=GETFILESTATUS&user.name=u');
    expect(buildUrl(new URL('http://nn:9870'), '/', 'LISTSTATUS', {}, {}).href).to.equal('http://nn:9870/webhdfs/v1/?op=LISTSTATUS');
  });

  it('formats permissions as octal, strings verbatim', () => {
    expect(formatPermission(0o755)).to.equal('755');
    expect(formatPermission(0o1777)).to.equal('1777');
    expect(formatPermission(0o7)).to.equal('7');
    expect(formatPermission('999')).to.equal('999');
    expect(formatPermission(undefined)).to.equal(undefined);
  });
});

describe('webhdfs options', () => {
  it('fills in the named defaults', () => {
    const o = resolveWebHdfsOptions({ nameNodes: ['http://127.0.0.1:9870/'], user: 'alice' });
    expect(o.nameNodes.map((u) => u.href)).to.deep.equal(['http://127.0.0.1:9870/']);
    expect(o.connectTimeoutMs).to.equal(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(o.requestTimeoutMs).to.equal(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(o.idleTimeoutMs).to.equal(DEFAULT_IDLE_TIMEOUT_MS);
    expect(o.retry.maxAttempts).to.equal(5);
    expect(o.user).to.equal('alice');
  });

  const bad: Array<[string, object, string]> = [
    ['empty nameNodes', { nameNodes: [] }, 'nameNodes must be a non-empty array'],
    ['a non-URL', { nameNodes: ['http://ok:1', 'not a url'] }, 'nameNodes[1] is not a URL'],
    ['ftp', { nameNodes: ['ftp://nn:9871'] }, 'nameNodes[0] must use http: or https: (got ftp:'],
    ['a query', { nameNodes: ['http://nn:9870/?op=x'] }, 'nameNodes[0] must be a plain base URL'],
    ['an empty user', { nameNodes: ['http://nn:1'], user: '' }, 'user must be a non-empty string'],
    ['a zero timeout', { nameNodes: ['http://nn:1'], idleTimeoutMs: 0 }, 'idleTimeoutMs must be a number > 0 (got 0)'],
    ['a fractional socket count', { nameNodes: ['http://nn:1'], maxSocketsPerHost: 1.5 }, 'maxSocketsPerHost must be an integer'],
    ['zero attempts', { nameNodes: ['http://nn:1'], retry: { maxAttempts: 0 } }, 'retry.maxAttempts must be an integer >= 1 (got 0)'],
    ['jitter above 1', { nameNodes: ['http://nn:1'], retry: { jitter: 2 } }, 'retry.jitter must be a number in [0, 1] (got 2)'],
  ];
  for (const [what, options, message] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(() => resolveWebHdfsOptions(options as never)).to.throw(ConfigError, message);
    });
  }

  it('keeps the delegation token out of keys, JSON and inspect', () => {
    const o = resolveWebHdfsOptions({ nameNodes: ['http://nn:1'], delegationToken: 'SECRET-TOKEN' });
    expect(o.delegationToken()).to.equal('SECRET-TOKEN');
    expect(Object.keys(o)).not.to.include('delegationToken');
    expect(JSON.stringify(o)).not.to.include('SECRET');
    expect(inspect(o, { depth: 5 })).not.to.include('SECRET');
  });
});
