import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mutual challenge-response over the per-application secret. Neither side ever sends the secret:
 * each proves knowledge of it with an HMAC over both sides' fresh nonces, so a recorded exchange
 * cannot be replayed and an executor never takes tasks (code to run) from a driver that cannot
 * prove it belongs to the application.
 *
 *   proof_d = HMAC-SHA256(secret, "spindle-driver"   | nonce_e | nonce_d)
 *   proof_e = HMAC-SHA256(secret, "spindle-executor" | nonce_d | nonce_e | executorId)
 */

export const NONCE_BYTES = 32;
/** Alias of the application secret in the container credentials (a secret key, not a token). */
export const APP_SECRET_ALIAS = 'spindle.app.secret';
/** Length of a generated application secret. */
export const APP_SECRET_BYTES = 32;

export function newNonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

export function newAppSecret(): Buffer {
  return randomBytes(APP_SECRET_BYTES);
}

export function driverProof(secret: Buffer, executorNonce: Buffer, driverNonce: Buffer): Buffer {
  return createHmac('sha256', secret).update('spindle-driver').update(executorNonce).update(driverNonce).digest();
}

export function executorProof(secret: Buffer, driverNonce: Buffer, executorNonce: Buffer, executorId: string): Buffer {
  return createHmac('sha256', secret)
    .update('spindle-executor')
    .update(driverNonce)
    .update(executorNonce)
    .update(executorId, 'utf8')
    .digest();
}

/** Constant-time comparison of a received proof with the expected one. */
export function proofMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}
