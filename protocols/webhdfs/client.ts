/**
 * A typed WebHDFS client: promises for metadata, streams for data.
 *
 * Data operations take two steps. Step 1 asks the NameNode with `noredirect=true` and gets
 * `{"Location":"http://<datanode>/webhdfs/v1/<path>?op=...&namenoderpcaddress=..."}`; step 2 talks to
 * that URL exactly as given (its query carries the NameNode address and any token).
 */
import type { Readable } from 'node:stream';
import { AlreadyExistsError, NotFoundError, RemoteError } from '../errors/index.js';
import { backoffDelay } from '../retry/index.js';
import { openDataNodeStream } from './download.js';
import { WebHdfsTransport } from './http.js';
import { pagedEntries } from './listing.js';
import { NameNodes, interpretJson, type NameNodeCall } from './namenodes.js';
import { resolveWebHdfsOptions, type ResolvedWebHdfsOptions, type WebHdfsOptions } from './options.js';
import type { CallContext } from './remote-error.js';
import type {
  AppendOptions,
  BlockLocation,
  BlockLocationOptions,
  ContentSummary,
  CreateOptions,
  DeleteOptions,
  FileChecksum,
  FileStatus,
  MkdirsOptions,
  OpenOptions,
  RenameOptions,
  SetOwnerOptions,
  SetTimesOptions,
  UploadBody,
} from './types.js';
import { isUnsentUpload, uploadToDataNode } from './upload.js';
import { formatPermission, normalizePath, serverOf } from './url.js';
import {
  parseBlockLocations,
  parseBoolean,
  parseContentSummary,
  parseDelegationToken,
  parseFileChecksum,
  parseFileStatus,
  parseFileStatuses,
  parseHomeDirectory,
  parseListingPage,
  parseLocation,
  parseLong,
  type WireContext,
} from './wire.js';

/** A WebHDFS client for one HDFS cluster (one or several HA NameNodes). */
export class WebHdfsClient {
  private readonly options: ResolvedWebHdfsOptions;
  private readonly transport: WebHdfsTransport;
  private readonly nameNodes: NameNodes;

  /** Validates `options` once; throws ConfigError naming the offending field. */
  constructor(options: WebHdfsOptions) {
    this.options = resolveWebHdfsOptions(options);
    this.transport = new WebHdfsTransport(this.options);
    this.nameNodes = new NameNodes(this.options, this.transport);
  }

  /** Status of one path; NotFoundError if it does not exist. */
  async getFileStatus(path: string): Promise<FileStatus> {
    const p = normalizePath(path);
    const body = await this.get('GETFILESTATUS', p);
    return parseFileStatus(body, p, ctx('GETFILESTATUS', p));
  }

  /** Whether `path` exists. */
  async exists(path: string): Promise<boolean> {
    try {
      await this.getFileStatus(path);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * The entries of a directory (or the file itself, for a file), fetched page by page with
   * LISTSTATUS_BATCH so that a huge directory never sits in memory. Sorted by name.
   */
  async *listStatusIterator(path: string): AsyncGenerator<FileStatus, void, undefined> {
    const p = normalizePath(path);
    const wctx = ctx('LISTSTATUS_BATCH', p);
    yield* pagedEntries(async (startAfter) => {
      // The parameter is `startafter` (StartAfterParam.NAME); Hadoop 3.5 ignores `startAfter`, as
      // spelled in the WebHDFS docs, and would return the first page again.
      const body = await this.get('LISTSTATUS_BATCH', p, { startafter: startAfter });
      return parseListingPage(body, p, wctx);
    }, wctx);
  }

  /** All entries of a directory, collected from {@link listStatusIterator}. */
  async listStatus(path: string): Promise<FileStatus[]> {
    const all: FileStatus[] = [];
    for await (const entry of this.listStatusIterator(path)) all.push(entry);
    return all;
  }

  /** All entries of a directory in one LISTSTATUS call (for small directories or old clusters). */
  async listStatusOnce(path: string): Promise<FileStatus[]> {
    const p = normalizePath(path);
    const body = await this.get('LISTSTATUS', p);
    return parseFileStatuses(body, p, ctx('LISTSTATUS', p));
  }

  /** Create a directory and any missing parents. Succeeds if it already exists. */
  async mkdirs(path: string, options: MkdirsOptions = {}): Promise<void> {
    const p = normalizePath(path);
    const body = await this.nameNodes.json({
      method: 'PUT',
      op: 'MKDIRS',
      path: p,
      params: { permission: formatPermission(options.permission) },
      idempotent: true,
    });
    if (!parseBoolean(body, ctx('MKDIRS', p))) throw refused('MKDIRS', p);
  }

  /**
   * Rename `src` to `dst` (absolute). Fails with AlreadyExistsError if `dst` exists (unless
   * `overwrite`, which replaces a file or an empty directory), NotFoundError if `src` does not
   * exist. `dst` is the new name, never a directory to move into. Not retried once sent.
   */
  async rename(src: string, dst: string, options: RenameOptions = {}): Promise<void> {
    const from = normalizePath(src);
    const to = normalizePath(dst);
    // With renameoptions the NameNode uses rename2, which reports failures as exceptions instead
    // of the old rename's bare `false`.
    await this.nameNodes.json({
      method: 'PUT',
      op: 'RENAME',
      path: from,
      params: { destination: to, renameoptions: options.overwrite ? 'OVERWRITE' : 'NONE' },
      idempotent: false,
      target: `${from} -> ${to}`,
    });
  }

  /**
   * Delete a file or directory. Resolves to false if nothing was there. NotEmptyError for a non-empty
   * directory unless `recursive`. Retried on connection failures, so a lost answer may read as false.
   */
  async delete(path: string, options: DeleteOptions = {}): Promise<boolean> {
    const p = normalizePath(path);
    const body = await this.nameNodes.json({
      method: 'DELETE',
      op: 'DELETE',
      path: p,
      params: { recursive: options.recursive ?? false },
      idempotent: true,
    });
    return parseBoolean(body, ctx('DELETE', p));
  }

  /** Totals for the tree under `path`. */
  async getContentSummary(path: string): Promise<ContentSummary> {
    const p = normalizePath(path);
    return parseContentSummary(await this.get('GETCONTENTSUMMARY', p), ctx('GETCONTENTSUMMARY', p));
  }

  /** The file's checksum, computed by a DataNode (two steps, like OPEN). */
  async getFileChecksum(path: string): Promise<FileChecksum> {
    const p = normalizePath(path);
    const call: NameNodeCall = { method: 'GET', op: 'GETFILECHECKSUM', path: p, params: { noredirect: true }, idempotent: true };
    const body = await this.nameNodes.run(call, async (url, c) => {
      const location = await this.locate(call, url, c);
      const dn = { ...c, server: serverOf(location) };
      const { status, text } = await this.transport.fetchDataNodeText('GET', location, dn, this.options.requestTimeoutMs);
      return interpretJson(status, text, dn);
    });
    return parseFileChecksum(body, ctx('GETFILECHECKSUM', p));
  }

  /** Where the blocks of a byte range of the file live. */
  async getFileBlockLocations(path: string, options: BlockLocationOptions = {}): Promise<BlockLocation[]> {
    const p = normalizePath(path);
    const body = await this.get('GETFILEBLOCKLOCATIONS', p, { offset: options.offset, length: options.length });
    return parseBlockLocations(body, ctx('GETFILEBLOCKLOCATIONS', p));
  }

  /** Set mode bits (a number such as 0o750, or an octal string passed through verbatim). */
  async setPermission(path: string, permission: number | string): Promise<void> {
    await this.put('SETPERMISSION', path, { permission: formatPermission(permission) });
  }

  /** Set the owner and/or group (changing the owner needs the superuser). */
  async setOwner(path: string, options: SetOwnerOptions): Promise<void> {
    if (options.owner === undefined && options.group === undefined) {
      throw new TypeError('setOwner needs an owner or a group');
    }
    await this.put('SETOWNER', path, { owner: options.owner, group: options.group });
  }

  /** Set a file's replication factor; resolves to false for a directory. */
  async setReplication(path: string, replication: number): Promise<boolean> {
    const p = normalizePath(path);
    return parseBoolean(await this.put('SETREPLICATION', p, { replication }), ctx('SETREPLICATION', p));
  }

  /** Set modification and/or access time (ms since the epoch); unset ones stay. */
  async setTimes(path: string, times: SetTimesOptions): Promise<void> {
    await this.put('SETTIMES', path, { modificationtime: times.modificationTime ?? -1, accesstime: times.accessTime ?? -1 });
  }

  /** The user's home directory, e.g. /user/alice. */
  async getHomeDirectory(): Promise<string> {
    return parseHomeDirectory(await this.get('GETHOMEDIRECTORY', '/'), ctx('GETHOMEDIRECTORY', '/'));
  }

  /**
   * Create a file from `body`, streamed to the DataNode with backpressure (never buffered whole).
   * Step 1 is retried like any idempotent call; the upload is not (a stream cannot be replayed).
   * Without `overwrite`, an existing path gives AlreadyExistsError before any byte is sent.
   */
  async create(path: string, body: UploadBody, options: CreateOptions = {}): Promise<void> {
    const p = normalizePath(path);
    // The DataNode opens the file when our headers arrive and, if that fails, answers and closes
    // while we are sending; the close can reset the connection and drop the answer. So the most
    // common refusal is checked here, where the answer cannot be lost.
    if (!options.overwrite) await this.refuseExisting(p);
    const call = {
      method: 'PUT' as const,
      op: 'CREATE',
      path: p,
      params: {
        overwrite: options.overwrite ?? false,
        permission: formatPermission(options.permission),
        replication: options.replication,
        blocksize: options.blockSize,
        buffersize: options.bufferSize,
        noredirect: true,
      },
      idempotent: true,
    };
    await this.upload(call, body, 201);
  }

  /** Append `body` to an existing file. Like create, only step 1 is retried. */
  async append(path: string, body: UploadBody, options: AppendOptions = {}): Promise<void> {
    const p = normalizePath(path);
    const call = {
      method: 'POST' as const,
      op: 'APPEND',
      path: p,
      params: { buffersize: options.bufferSize, noredirect: true },
      idempotent: true,
    };
    await this.upload(call, body, 200);
  }

  /**
   * Open a file (or a byte range of it) for reading. Resolves once the DataNode has answered, so a
   * missing file rejects here; a failure mid-stream is emitted on the stream as ConnectionError
   * (connection broke) or TimeoutError (DataNode silent for `idleTimeoutMs`).
   */
  async open(path: string, options: OpenOptions = {}): Promise<Readable> {
    const p = normalizePath(path);
    const call: NameNodeCall = {
      method: 'GET',
      op: 'OPEN',
      path: p,
      params: { offset: options.offset, length: options.length, buffersize: options.bufferSize, noredirect: true },
      idempotent: true,
    };
    return this.nameNodes.run(call, async (url, c) => {
      const location = await this.locate(call, url, c);
      return openDataNodeStream(this.transport, location, { ...c, server: serverOf(location) }, this.options);
    });
  }

  /** End every connection, including streams still open; call when done with the client. */
  close(): void {
    this.transport.close();
  }

  /** AlreadyExistsError (as CREATE) if `path` exists. */
  private async refuseExisting(path: string): Promise<void> {
    const call: NameNodeCall = { method: 'GET', op: 'GETFILESTATUS', label: 'CREATE', path, idempotent: true };
    try {
      await this.nameNodes.json(call);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      throw err;
    }
    const server = this.nameNodes.activeServer;
    throw new AlreadyExistsError(`CREATE ${path}: file already exists`, { operation: 'CREATE', path, server });
  }

  /**
   * CREATE or APPEND: step 1 under the retry policy, then the upload. A DataNode that cannot be
   * reached (nothing of the body sent yet) sends us back to step 1 for another, under the same
   * policy; once bytes went out, the upload is not repeated.
   */
  private async upload(call: NameNodeCall & { method: 'PUT' | 'POST' }, body: UploadBody, expectStatus: number): Promise<void> {
    const { retry, retryHooks } = this.options;
    const sleep = retryHooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      const { location, c } = await this.nameNodes.run(call, async (url, c) => ({ location: await this.locate(call, url, c), c }));
      try {
        await uploadToDataNode(
          this.transport,
          call.method,
          location,
          body,
          { ...c, server: serverOf(location) },
          this.options,
          expectStatus,
        );
        return;
      } catch (err) {
        if (!isUnsentUpload(err) || attempt >= retry.maxAttempts) throw err;
        await sleep(backoffDelay(attempt, retry, retryHooks.random));
      }
    }
  }

  /** Step 1 of a two-step op: the DataNode URL from the NameNode's `noredirect` answer. */
  private async locate(call: NameNodeCall, url: URL, c: CallContext): Promise<URL> {
    const { status, text } = await this.transport.fetchText(call.method, url, c, this.options.requestTimeoutMs);
    return parseLocation(interpretJson(status, text, c), ctx(call.op, c.path));
  }

  /**
   * A new HDFS delegation token (URL string form) that `renewer` may renew: `GETDELEGATIONTOKEN`. The
   * NameNode issues tokens only to a caller authenticated by Kerberos (SPNEGO), never to one holding a
   * token; it records `renewer` by its short name, so a full principal (`rm/host@REALM`) is fine.
   */
  async getDelegationToken(renewer: string): Promise<string> {
    return parseDelegationToken(await this.get('GETDELEGATIONTOKEN', '/', { renewer }), ctx('GETDELEGATIONTOKEN', '/'));
  }

  /**
   * Renews `token` (URL string form); resolves to its new expiry (epoch ms). Only the token's renewer
   * may renew it, and never past its maximum lifetime.
   */
  async renewDelegationToken(token: string): Promise<number> {
    const body = await this.nameNodes.json({ method: 'PUT', op: 'RENEWDELEGATIONTOKEN', path: '/', params: { token }, idempotent: true });
    return parseLong(body, ctx('RENEWDELEGATIONTOKEN', '/'));
  }

  /** Cancels `token` (URL string form): the NameNode forgets it at once. */
  async cancelDelegationToken(token: string): Promise<void> {
    await this.nameNodes.json({ method: 'PUT', op: 'CANCELDELEGATIONTOKEN', path: '/', params: { token }, idempotent: true });
  }

  private get(op: string, path: string, params: NameNodeCall['params'] = {}): Promise<unknown> {
    return this.nameNodes.json({ method: 'GET', op, path, params, idempotent: true });
  }

  private put(op: string, path: string, params: NameNodeCall['params']): Promise<unknown> {
    return this.nameNodes.json({ method: 'PUT', op, path: normalizePath(path), params, idempotent: true });
  }
}

function ctx(operation: string, path: string): WireContext {
  return { operation, path };
}

function refused(operation: string, path: string): RemoteError {
  return new RemoteError(`${operation} ${path}: the NameNode answered false`, { operation, path });
}
