/**
 * The `kerberos` package's native addon as a file of its own. A client with --keytab ships it to the
 * ApplicationMaster, which has no node_modules: there it is loaded straight from the file and given
 * the promise API the package's JavaScript would add. The addon is N-API (stable across Node
 * versions) and links MIT krb5's GSSAPI, which every node of a Kerberized cluster has.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GSSAPI_PACKAGE, type GssapiBinding } from './gssapi.js';

/** The package's mechanism number for SPNEGO (its GSS_MECH_OID_SPNEGO). */
const MECH_OID_SPNEGO = 6;

interface NativeClient {
  step(challenge: string, callback: (err: Error | null, response: string) => void): void;
}

interface NativeAddon {
  initializeClient(service: string, options: object, callback: (err: Error | null, client: NativeClient) => void): void;
}

/**
 * Where the installed package keeps its built addon, or undefined when the package is not installed
 * (or was not built). `from` is where module resolution starts (default: this module).
 */
export function installedAddonPath(from: string = import.meta.url): string | undefined {
  try {
    const pkg = createRequire(from).resolve(`${GSSAPI_PACKAGE}/package.json`);
    const file = join(dirname(pkg), 'build', 'Release', 'kerberos.node');
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Loads the addon at `path` (absolute) and wraps it as the binding protocols/kerberos uses. */
export function loadAddonFile(path: string): GssapiBinding {
  // dlopen, not require: the NodeManager links the file under its name, but require resolves the link to
  // the cached file, whose name has no .node extension, and would read it as JavaScript.
  const holder = { exports: {} as NativeAddon };
  process.dlopen(holder, path);
  const native = holder.exports;
  if (typeof native.initializeClient !== 'function') throw new Error(`${path} is not the ${GSSAPI_PACKAGE} addon (no initializeClient)`);
  const initialize = promisify(native.initializeClient.bind(native));
  return {
    GSS_MECH_OID_SPNEGO: MECH_OID_SPNEGO,
    async initializeClient(service, options) {
      const client = (await initialize(service, options)) as NativeClient;
      const step = promisify(client.step.bind(client));
      return { step: (challenge: string) => step(challenge) };
    },
  };
}
