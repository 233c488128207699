/**
 * A job that fails because HDFS no longer accepts the application's delegation token (issue #15,
 * item 3): the token identifier codec, HDFS's words for a refused token (recorded from the Hadoop 3.5
 * NameNode of the local Kerberized cluster), and the explanation the driver adds to the failure.
 */
import { expect } from 'chai';
import { explainTokenRefusal } from '../../appmaster/driver/token-refusal.js';
import { TaskFailedError, type TaskFailure } from '../../appmaster/driver/errors.js';
import {
  decodeDelegationTokenIdentifier,
  type DelegationTokenIdentifier,
  encodeDelegationTokenIdentifier,
} from '../../protocols/credentials/index.js';
import { AccessDeniedError, ProtocolError } from '../../protocols/errors/index.js';
import { delegationTokenRefusal } from '../../protocols/webhdfs/index.js';
import { errorFromResponse } from '../../protocols/webhdfs/remote-error.js';

/**
 * The identifier of a token the NameNode issued over WebHDFS; the NameNode described the same token
 * (refusing to cancel it twice) as "owner=root, renewer=root, realUser=, issueDate=1796318518852,
 * maxDate=1796318818852, sequenceNumber=22, masterKeyId=2".
 */
const RECORDED_IDENTIFIER = Buffer.from('0004726f6f7404726f6f74008a01a23ced5e448a01a23cf1f2241602', 'hex');
const RECORDED: DelegationTokenIdentifier = {
  owner: 'root',
  renewer: 'root',
  realUser: '',
  issueDate: 1796318518852,
  maxDate: 1796318818852,
  sequenceNumber: 22,
  masterKeyId: 2,
};

/** What the NameNode answered (HTTP 403) for a `delegation=` it no longer knew, or that had expired. */
const WEBHDFS_UNKNOWN =
  'Failed to obtain user group information: org.apache.hadoop.security.token.SecretManager$InvalidToken: ' +
  "Token for real user: , can't be found in cache";
const WEBHDFS_EXPIRED =
  'Failed to obtain user group information: org.apache.hadoop.security.token.SecretManager$InvalidToken: ' +
  'Token  has expired, current time: 2026-12-03 17:21:42,265+0000 expected renewal time: 2026-12-03 17:21:23,408+0000';
/** CANCELDELEGATIONTOKEN of a cancelled token (javaClassName SecretManager$InvalidToken). */
const CANCEL_UNKNOWN =
  'Token not found (token for root: HDFS_DELEGATION_TOKEN owner=root, renewer=root, realUser=, issueDate=1796318518852, ' +
  'maxDate=1796318818852, sequenceNumber=22, masterKeyId=2)';

function webHdfsError(message: string): Error {
  const body = JSON.stringify({
    RemoteException: { exception: 'SecurityException', javaClassName: 'java.lang.SecurityException', message },
  });
  return errorFromResponse(403, body, { operation: 'OPEN', path: '/data/in/words.txt', server: 'localhost:9870', user: 'root' });
}

/** A task that failed on every attempt with `err`'s words, as the scheduler reports it. */
function taskFailed(err: Error): TaskFailedError {
  const failure: TaskFailure = {
    stageId: 1,
    partition: 0,
    attempt: 4,
    executorId: '1',
    host: 'localhost',
    errorName: err.name,
    errorMessage: err.message,
    stack: `${err.name}: ${err.message}\n    at textLines (file:///x:1:1)`,
    kind: 'USER',
  };
  return new TaskFailedError(
    `partition 0 of stage 1 (count of textFile /data/in) failed 4 time(s); last: attempt 4 on executor 1 (localhost):\n${failure.stack}`,
    failure,
  );
}

describe('delegation token identifiers', () => {
  it('decodes what the NameNode issued to the values it printed for the same token', () => {
    expect(decodeDelegationTokenIdentifier(RECORDED_IDENTIFIER)).to.deep.equal(RECORDED);
  });

  it('encodes back to the same bytes; other values round-trip', () => {
    expect(encodeDelegationTokenIdentifier(RECORDED)).to.deep.equal(RECORDED_IDENTIFIER);
    const proxy = { ...RECORDED, owner: 'alice', renewer: 'rm', realUser: 'oozie', sequenceNumber: 1 << 20, masterKeyId: -1 };
    expect(decodeDelegationTokenIdentifier(encodeDelegationTokenIdentifier(proxy))).to.deep.equal(proxy);
  });

  it('refuses another version, a cut anywhere, and trailing bytes', () => {
    const other = Buffer.from(RECORDED_IDENTIFIER);
    other[0] = 1;
    expect(() => decodeDelegationTokenIdentifier(other)).to.throw(ProtocolError, /version 1, expected 0/);
    for (let cut = 0; cut < RECORDED_IDENTIFIER.length; cut++) {
      expect(() => decodeDelegationTokenIdentifier(RECORDED_IDENTIFIER.subarray(0, cut)), `cut at ${cut}`).to.throw(ProtocolError);
    }
    expect(() => decodeDelegationTokenIdentifier(Buffer.concat([RECORDED_IDENTIFIER, Buffer.from([0])]))).to.throw(
      ProtocolError,
      /1 unexpected bytes after masterKeyId/,
    );
  });
});

describe("HDFS's words for a refused delegation token", () => {
  it('tells expired, unknown (cancelled or removed) and other refusals apart', () => {
    expect(delegationTokenRefusal(WEBHDFS_EXPIRED)).to.equal('expired');
    expect(delegationTokenRefusal(WEBHDFS_UNKNOWN)).to.equal('unknown');
    expect(delegationTokenRefusal(`SecretManager$InvalidToken: ${CANCEL_UNKNOWN}`)).to.equal('unknown');
    // Hadoop 2.x and early 3.x: "token (...) is expired".
    expect(delegationTokenRefusal('InvalidToken: token (token for alice: HDFS_DELEGATION_TOKEN ...) is expired, current time: x')).to.equal(
      'expired',
    );
    expect(delegationTokenRefusal('SecretManager$InvalidToken: password does not match')).to.equal('invalid');
    expect(delegationTokenRefusal('Permission denied: user=other, access=EXECUTE, inode="/user/root"')).to.equal(undefined);
    expect(delegationTokenRefusal('the file has expired from the cache')).to.equal(undefined);
  });

  it('a WebHDFS answer says the token was refused (not a permission of the user), quoting the NameNode', () => {
    const err = webHdfsError(WEBHDFS_UNKNOWN);
    expect(err).to.be.instanceOf(AccessDeniedError);
    expect(err.message).to.equal(`OPEN /data/in/words.txt: HDFS refused the delegation token (${WEBHDFS_UNKNOWN})`);
  });
});

describe('explainTokenRefusal', () => {
  const atMax = RECORDED.maxDate + 1_000;
  const before = RECORDED.issueDate + 90_000;

  it('a task refused at the maximum lifetime: says so, with the dates, and that --principal/--keytab is the remedy', () => {
    for (const words of [WEBHDFS_UNKNOWN, WEBHDFS_EXPIRED]) {
      const text = explainTokenRefusal(taskFailed(webHdfsError(words)), RECORDED, atMax);
      expect(text).to.equal(
        "the application's HDFS delegation token (owner root, sequence number 22) expired at its maximum lifetime, " +
          '2026-12-03T17:26:58.852Z (issued 2026-12-03T17:21:58.852Z; dfs.namenode.delegation.token.max-lifetime): ' +
          'no renewal goes past it; submitting with --principal and --keytab lets the ApplicationMaster log in from the keytab ' +
          'and obtain new tokens before the old ones expire',
      );
    }
  });

  it('an expiry before the maximum lifetime: the renewal was missed', () => {
    const text = explainTokenRefusal(webHdfsError(WEBHDFS_EXPIRED), RECORDED, before);
    expect(text).to.match(
      /^the application's HDFS delegation token \(owner root, sequence number 22\) expired: it was not renewed in time/,
    );
    expect(text).to.include('before its maximum lifetime 2026-12-03T17:26:58.852Z');
    expect(text).to.include('--principal and --keytab');
  });

  it('an unknown token before its maximum lifetime: cancelled (or expired); without the identifier, both are named', () => {
    expect(explainTokenRefusal(taskFailed(webHdfsError(WEBHDFS_UNKNOWN)), RECORDED, before)).to.match(
      /^HDFS no longer knows the application's HDFS delegation token \(owner root, sequence number 22\): it was cancelled, or it expired; submitting with --principal and --keytab/,
    );
    expect(explainTokenRefusal(webHdfsError(WEBHDFS_UNKNOWN), undefined, before)).to.match(
      /^HDFS no longer knows the application's HDFS delegation token: it was cancelled, or it expired \(at its maximum lifetime, if the job ran that long\)/,
    );
  });

  it('says nothing about other failures, nor about a token refused for another reason', () => {
    const denied = errorFromResponse(
      403,
      JSON.stringify({
        RemoteException: {
          exception: 'AccessControlException',
          javaClassName: 'org.apache.hadoop.security.AccessControlException',
          message: 'Permission denied: user=other, access=EXECUTE, inode="/user/root":root:supergroup:drwx------',
        },
      }),
      { operation: 'OPEN', path: '/user/root/x', server: 'nn:9870', user: 'other' },
    );
    expect(explainTokenRefusal(taskFailed(denied), RECORDED, atMax)).to.equal(undefined);
    expect(explainTokenRefusal(new Error('boom'), RECORDED, atMax)).to.equal(undefined);
    expect(
      explainTokenRefusal(webHdfsError('org.apache.hadoop.security.token.SecretManager$InvalidToken: wrong password'), RECORDED, atMax),
    ).to.equal(undefined);
  });
});
