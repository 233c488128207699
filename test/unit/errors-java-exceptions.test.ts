import { expect } from 'chai';
import {
  errorMessage,
  NotFoundError,
  RemoteError,
  RetriableError,
  SafeModeError,
  fromJavaException,
} from '../../protocols/errors/index.js';

describe('Java exception table', () => {
  it('maps RetriableException to a retriable RetriableError, not to safe mode', () => {
    const err = fromJavaException('org.apache.hadoop.ipc.RetriableException', 'token not yet loaded');
    expect(err).to.be.instanceOf(RetriableError);
    expect(err).not.to.be.instanceOf(SafeModeError);
    expect(err.retriable).to.equal(true);
    expect(err.exceptionClassName).to.equal('org.apache.hadoop.ipc.RetriableException');
  });

  it('treats a RetriableException wrapping SafeModeException (an HA NameNode) as safe mode', () => {
    const message = 'org.apache.hadoop.hdfs.server.namenode.SafeModeException: Cannot create file /x. Name node is in safe mode.';
    const err = fromJavaException('RetriableException', message);
    expect(err).to.be.instanceOf(SafeModeError);
    expect(err.retriable).to.equal(true);
  });

  it('matches simple names and falls back to a plain RemoteError', () => {
    expect(fromJavaException('FileNotFoundException', 'gone')).to.be.instanceOf(NotFoundError);
    const other = fromJavaException('com.example.WeirdException', 'odd');
    expect(other.constructor).to.equal(RemoteError);
    expect(other.retriable).to.equal(false);
  });
});

describe('errorMessage', () => {
  it('says what was thrown, whatever it was', () => {
    expect(errorMessage(new RangeError('too far'))).to.equal('too far');
    expect(errorMessage('plain text')).to.equal('plain text');
    expect(errorMessage({ code: 7 })).to.equal('{"code":7}');
    expect(errorMessage(undefined)).to.equal('undefined');
    expect(errorMessage(10n)).to.equal('10');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorMessage(cyclic)).to.equal('[object Object]');
  });
});
