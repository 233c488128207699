/**
 * Hadoop credentials: security tokens, HDTS token storage (container_tokens files and
 * ContainerLaunchContext.tokens), token URL strings, and Hadoop's VInt encoding. Pure codecs.
 */
export {
  TokenKinds,
  createCredentials,
  createToken,
  selectToken,
  withoutKinds,
  type Credentials,
  type Token,
} from './token.js';
export {
  DEFAULT_CREDENTIALS_FORMAT,
  parseCredentials,
  readCredentialsFile,
  serializeCredentials,
} from './credentials.js';
export { decodeTokenUrlString, encodeTokenUrlString } from './token-url.js';
export {
  decodeDelegationTokenIdentifier,
  encodeDelegationTokenIdentifier,
  type DelegationTokenIdentifier,
} from './delegation-token.js';
export { decodeVInt, decodeVLong, encodeVInt, encodeVLong } from './vint.js';
