import { expect } from 'chai';
import {
  AccessDeniedError,
  AlreadyExistsError,
  AuthenticationError,
  InvalidRequestError,
  NotEmptyError,
  NotFoundError,
  ParentNotDirectoryError,
  ProtocolError,
  RemoteError,
  SafeModeError,
  StandbyError,
} from '../../protocols/errors/index.js';
import { errorFromResponse, parseRemoteException, type CallContext } from '../../protocols/webhdfs/remote-error.js';

const ctx = (operation: string, path: string): CallContext => ({ operation, path, server: 'nn1:9870', user: 'bob' });

function body(javaClassName: string, message: string, withClass = true): string {
  const exception = javaClassName.slice(javaClassName.lastIndexOf('.') + 1);
  return JSON.stringify({ RemoteException: withClass ? { exception, javaClassName, message } : { exception, message } });
}

describe('webhdfs error mapping', () => {
  const cases: Array<[number, string, string, new (...args: never[]) => Error, string]> = [
    [404, 'java.io.FileNotFoundException', 'File does not exist: /data/x', NotFoundError, 'OPEN /data/x: no such file or directory'],
    [
      403,
      'org.apache.hadoop.fs.FileAlreadyExistsException',
      '/data/x for client 127.0.0.1 already exists',
      AlreadyExistsError,
      'CREATE /data/x: file already exists',
    ],
    [
      403,
      'org.apache.hadoop.fs.ParentNotDirectoryException',
      'Parent path is not a directory: /data',
      ParentNotDirectoryError,
      'MKDIRS /data/x: parent is not a directory',
    ],
    [
      403,
      'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException',
      "`/data is non empty': Directory is not empty",
      NotEmptyError,
      'DELETE /data: directory is not empty',
    ],
    [
      403,
      'org.apache.hadoop.security.AccessControlException',
      'Permission denied: user=bob, access=WRITE, inode="/data":root:supergroup:drwx------',
      AccessDeniedError,
      'MKDIRS /data/x: permission denied for user bob (Permission denied: user=bob, access=WRITE, inode="/data":root:supergroup:drwx------)',
    ],
    [
      403,
      'org.apache.hadoop.ipc.StandbyException',
      'Operation category READ is not supported in state standby',
      StandbyError,
      'GETFILESTATUS /x: NameNode nn1:9870 is in standby state',
    ],
    [
      403,
      'org.apache.hadoop.hdfs.server.namenode.SafeModeException',
      'Cannot create directory /x. Name node is in safe mode.',
      SafeModeError,
      'MKDIRS /x: NameNode nn1:9870 is in safe mode (Cannot create directory /x. Name node is in safe mode.)',
    ],
    [
      400,
      'java.lang.IllegalArgumentException',
      'Invalid value for webhdfs parameter "permission": 999',
      InvalidRequestError,
      'SETPERMISSION /x: invalid request: Invalid value for webhdfs parameter "permission": 999',
    ],
    [
      400,
      'org.apache.hadoop.fs.InvalidPathException',
      'Invalid path name Invalid file name: /a:b',
      InvalidRequestError,
      'MKDIRS /a:b: invalid request: Invalid path name Invalid file name: /a:b',
    ],
    [500, 'java.lang.NullPointerException', 'boom', RemoteError, 'OPEN /x: NullPointerException: boom'],
  ];

  for (const [status, cls, message, Expected, text] of cases) {
    const simple = cls.slice(cls.lastIndexOf('.') + 1);
    it(`maps ${simple} to ${Expected.name}`, () => {
      const [operation, path] = text.split(' ', 2) as [string, string];
      const err = errorFromResponse(status, body(cls, message), ctx(operation, path.replace(/:$/, '')));
      expect(err).to.be.instanceOf(Expected);
      expect(err.constructor).to.equal(Expected);
      expect(err.message).to.equal(text);
      expect(err.exceptionClassName).to.equal(cls);
      expect(err.status).to.equal(status);
      expect(err.operation).to.equal(operation);
      expect(err.server).to.equal('nn1:9870');
      expect((err.cause as Error).message).to.equal(message);
      expect((err.cause as Error).name).to.equal(cls);
    });
  }

  it('says "not a file" when a directory is opened', () => {
    const err = errorFromResponse(
      404,
      body('java.io.FileNotFoundException', 'Path is not a file: /tmp\n\tat org.apache...'),
      ctx('OPEN', '/tmp'),
    );
    expect(err).to.be.instanceOf(NotFoundError);
    expect(err.message).to.equal('OPEN /tmp: not a file');
    expect((err.cause as Error).message).to.equal('Path is not a file: /tmp');
  });

  it('uses the simple exception name when javaClassName is absent', () => {
    const err = errorFromResponse(404, body('java.io.FileNotFoundException', 'gone', false), ctx('OPEN', '/x'));
    expect(err).to.be.instanceOf(NotFoundError);
    expect(err.exceptionClassName).to.equal('FileNotFoundException');
  });

  it('marks standby and safe mode retriable, not-found not', () => {
    expect(errorFromResponse(403, body('org.apache.hadoop.ipc.StandbyException', 's'), ctx('OPEN', '/x')).retriable).to.equal(true);
    expect(errorFromResponse(403, body('org.apache.hadoop.ipc.RetriableException', 's'), ctx('OPEN', '/x')).retriable).to.equal(true);
    expect(errorFromResponse(404, body('java.io.FileNotFoundException', 'x'), ctx('OPEN', '/x')).retriable).to.equal(false);
  });

  it('leaves the user out of access-denied messages when acting by token', () => {
    const err = errorFromResponse(403, body('org.apache.hadoop.security.AccessControlException', 'denied'), {
      operation: 'OPEN',
      path: '/x',
      server: 's:1',
    });
    expect(err.message).to.equal('OPEN /x: permission denied (denied)');
  });

  it('quotes only the first line of a long server message, truncated', () => {
    const long = `${'a'.repeat(600)}\nsecond line`;
    const err = errorFromResponse(500, body('java.lang.RuntimeException', long), ctx('OPEN', '/x'));
    expect(err.message).to.equal(`OPEN /x: RuntimeException: ${'a'.repeat(500)}...`);
  });

  describe('answers without a RemoteException', () => {
    const html = '<html><body><h2>HTTP ERROR 404</h2> Not Found</body></html>';
    it('401 is an AuthenticationError', () => {
      const err = errorFromResponse(401, 'Authentication required', ctx('OPEN', '/x'));
      expect(err).to.be.instanceOf(AuthenticationError);
      expect(err.message).to.equal('OPEN /x: HTTP 401 from nn1:9870: authentication required (Authentication required)');
    });
    it('403 is an AccessDeniedError', () => {
      expect(errorFromResponse(403, '', ctx('OPEN', '/x'))).to.be.instanceOf(AccessDeniedError);
    });
    it('404 says there is no WebHDFS endpoint, with HTML stripped', () => {
      const err = errorFromResponse(404, html, ctx('OPEN', '/x'));
      expect(err).to.be.instanceOf(ProtocolError);
      expect(err.message).to.equal('OPEN /x: HTTP 404 from nn1:9870: no WebHDFS endpoint at this address (HTTP ERROR 404 Not Found)');
    });
    it('503 is retriable, 500 is not', () => {
      const e503 = errorFromResponse(503, 'busy', ctx('OPEN', '/x'));
      const e500 = errorFromResponse(500, '{"unexpected":true}', ctx('OPEN', '/x'));
      expect(e503).to.be.instanceOf(RemoteError);
      expect(e503.retriable).to.equal(true);
      expect(e500.retriable).to.equal(false);
      expect(e500.message).to.equal('OPEN /x: HTTP 500 from nn1:9870 ({"unexpected":true})');
    });
  });

  it('parseRemoteException ignores non-JSON and other JSON', () => {
    expect(parseRemoteException('nope')).to.equal(undefined);
    expect(parseRemoteException('null')).to.equal(undefined);
    expect(parseRemoteException('{"boolean":true}')).to.equal(undefined);
    expect(parseRemoteException('{"RemoteException":{"exception":"X","message":7}}')).to.deep.equal({
      exception: 'X',
      javaClassName: undefined,
      message: undefined,
    });
  });
});
