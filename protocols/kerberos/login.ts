/**
 * How the client logs in to Kerberos: the user's ticket cache (after `kinit`; KRB5CCNAME says which),
 * or a principal and its keytab (spark-submit's `--principal`/`--keytab`), which must leave the user's
 * cache alone. Validated once, before anything talks to a KDC.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/index.js';
import { KeytabFormatError, keytabPrincipals } from './keytab.js';

/** What the user asked for; both or neither (as spark-submit requires). */
export interface KerberosLoginOptions {
  /** `name[/instance][@REALM]`; without a realm it matches the keytab's entry of any realm. */
  principal?: string;
  /** Path of a keytab holding the principal's keys. */
  keytab?: string;
}

/** A validated login: from the ticket cache, or from a keytab with the principal as the keytab names it. */
export type KerberosLogin = { kind: 'ticket-cache' } | { kind: 'keytab'; principal: string; keytab: string };

/**
 * Check a login once: both options or neither, a readable keytab file, the principal among its
 * entries. `readFile` is injected for tests.
 * @throws ConfigError naming the option, the file or the principal
 */
export function resolveKerberosLogin(options: KerberosLoginOptions, readFile: (path: string) => Buffer = readFileSync): KerberosLogin {
  const { principal, keytab } = options;
  if (principal === undefined && keytab === undefined) return { kind: 'ticket-cache' };
  if (principal === undefined || principal.trim() === '') {
    throw new ConfigError('--keytab needs --principal: name the principal whose keys the keytab holds, e.g. --principal alice@EXAMPLE.COM');
  }
  if (keytab === undefined || keytab.trim() === '') {
    throw new ConfigError(`--principal ${principal} needs --keytab <file> (or leave both out to use your ticket cache after kinit)`);
  }
  let bytes: Buffer;
  try {
    bytes = readFile(keytab);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
    throw new ConfigError(`--keytab ${keytab}: cannot read it (${why ?? 'unreadable'})`);
  }
  let principals: string[];
  try {
    principals = keytabPrincipals(bytes);
  } catch (err) {
    if (err instanceof KeytabFormatError) throw new ConfigError(`--keytab ${keytab}: ${err.message}`);
    throw err;
  }
  const found = principals.find((p) => p === principal || (!principal.includes('@') && p.slice(0, p.lastIndexOf('@')) === principal));
  if (found === undefined) {
    const has = principals.length === 0 ? 'no entries' : `only ${principals.slice(0, 5).join(', ')}${principals.length > 5 ? ', ...' : ''}`;
    throw new ConfigError(`--keytab ${keytab} has no keys for --principal ${principal} (it holds ${has})`);
  }
  return { kind: 'keytab', principal: found, keytab };
}

/**
 * The short user name Hadoop's DEFAULT auth_to_local rule gives a principal (its first component):
 * `alice@EXAMPLE.COM` and `alice/admin@EXAMPLE.COM` → `alice`.
 */
export function principalShortName(principal: string): string {
  return principal.split('@', 1)[0]!.split('/', 1)[0]!;
}
