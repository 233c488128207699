import type { DelegationTokenIdentifier } from '../../protocols/credentials/index.js';
import { errorMessage } from '../../protocols/errors/index.js';
import { delegationTokenRefusal } from '../../protocols/webhdfs/index.js';
import { TaskFailedError } from './errors.js';

/**
 * Words for a job that failed because HDFS no longer accepts the application's delegation token: a
 * task's read, or the driver's own call, was refused with SecretManager$InvalidToken. Without a keytab
 * nobody can obtain a new token once the first one reaches its maximum lifetime
 * (dfs.namenode.delegation.token.max-lifetime, 7 days by default), so that is what long jobs die of;
 * the NameNode's own words ("Token for real user: , can't be found in cache") do not say so.
 *
 * The token's identifier (owner, sequence number, dates; never its password) tells an expiry at the
 * maximum lifetime from a cancelled token or one the ResourceManager did not renew.
 */

/** What the user can do about a token that ran out. */
const REMEDY =
  'submitting with --principal and --keytab lets the ApplicationMaster log in from the keytab and obtain new tokens ' +
  'before the old ones expire';

/**
 * The explanation for `err` when it is HDFS refusing the application's delegation token, else undefined.
 * @param token the identifier of the token the job holds, when known
 * @param now epoch ms
 */
export function explainTokenRefusal(err: unknown, token: DelegationTokenIdentifier | undefined, now: number): string | undefined {
  // A task's error travels as text; the executor's own words are in the failure.
  const text = err instanceof TaskFailedError ? `${err.message}\n${err.failure.errorMessage}` : errorMessage(err);
  const refusal = delegationTokenRefusal(text);
  if (refusal === undefined || refusal === 'invalid') return undefined;
  const which = token ? ` (owner ${token.owner}, sequence number ${token.sequenceNumber})` : '';
  if (token && now >= token.maxDate) {
    return (
      `the application's HDFS delegation token${which} expired at its maximum lifetime, ${iso(token.maxDate)} ` +
      `(issued ${iso(token.issueDate)}; dfs.namenode.delegation.token.max-lifetime): no renewal goes past it; ${REMEDY}`
    );
  }
  if (refusal === 'expired') {
    return (
      `the application's HDFS delegation token${which} expired: it was not renewed in time (the ResourceManager renews it; ` +
      `its log says why it could not)${token ? `, before its maximum lifetime ${iso(token.maxDate)}` : ''}; ${REMEDY}`
    );
  }
  return (
    `HDFS no longer knows the application's HDFS delegation token${which}: it was cancelled, or it expired` +
    `${token ? '' : ' (at its maximum lifetime, if the job ran that long)'}; ${REMEDY}`
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
