import {
  createCredentials,
  encodeTokenUrlString,
  selectToken,
  serializeCredentials,
  TokenKinds,
  type Credentials,
  type Token,
} from '../protocols/credentials/index.js';

/** The HDFS delegation token now (URL string form), and news of fresher ones. */
export interface TokenFeed {
  current(): string | undefined;
  subscribe(listener: () => void): void;
}

/**
 * The credentials the AM hands to the containers it launches, and the HDFS delegation token it and
 * its driver use: the submitted ones, until a keytab login (token-renewal.ts) brings fresher tokens.
 * Secret throughout: nothing here is ever logged.
 */
export class ContainerCredentials implements TokenFeed {
  private credentials: Credentials;
  private bytes: Buffer;
  private hdfs: string | undefined;
  private readonly listeners: (() => void)[] = [];

  /** `credentials`: the AM's own without the AMRMToken. */
  constructor(credentials: Credentials) {
    this.credentials = credentials;
    this.bytes = serializeCredentials(credentials);
    const token = selectToken(credentials, TokenKinds.HDFS_DELEGATION);
    this.hdfs = token ? encodeTokenUrlString(token) : undefined;
  }

  /** HDTS bytes for a container launched now. */
  containerTokens(): Buffer {
    return this.bytes;
  }

  current(): string | undefined {
    return this.hdfs;
  }

  /** The service of the HDFS delegation token held (what fresh ones are filed under), if any. */
  hdfsService(): string | undefined {
    return selectToken(this.credentials, TokenKinds.HDFS_DELEGATION)?.service;
  }

  subscribe(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Puts `token` in place of every HDFS delegation token held, filed under its service. */
  replaceHdfsToken(token: Token): void {
    const others = [...this.credentials.tokens].filter(([, t]) => t.kind !== TokenKinds.HDFS_DELEGATION);
    this.credentials = createCredentials([...others, [token.service, token]], this.credentials.secrets);
    this.bytes = serializeCredentials(this.credentials);
    this.hdfs = encodeTokenUrlString(token);
    for (const listener of this.listeners) listener();
  }
}
