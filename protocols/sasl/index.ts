/**
 * SASL for Hadoop RPC: the DIGEST-MD5 client used by TOKEN authentication (AMRMToken, NMToken)
 * and its integrity/privacy security layer. Pure codecs: no sockets; the RPC connection feeds
 * challenges in and sends the returned bytes.
 */
export {
  DigestMd5Client,
  DEFAULT_MAXBUF,
  TOKEN_PROTOCOL,
  TOKEN_SERVER_ID,
  tokenAuthOptions,
  type DigestMd5Options,
  type Qop,
} from './digest-md5.js';
export type { SaslSecurityLayer } from './security-layer.js';
export { DIGEST_CIPHERS, isCipherSupported, supportedCiphers, type DigestCipher } from './ciphers.js';
