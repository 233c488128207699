/**
 * WebHDFS JSON answers and their conversion to our types, in one place. Parsing is defensive: a
 * missing or mistyped field becomes a ProtocolError naming the operation and path.
 *
 *   GETFILESTATUS        {"FileStatus":{...}}
 *   LISTSTATUS           {"FileStatuses":{"FileStatus":[{...}, ...]}}
 *   LISTSTATUS_BATCH     {"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[...]}},
 *                                             "remainingEntries":N}}
 *   GETCONTENTSUMMARY    {"ContentSummary":{"directoryCount","fileCount","length","quota",
 *                                           "spaceConsumed","spaceQuota",...}}
 *   GETFILECHECKSUM      {"FileChecksum":{"algorithm","bytes","length"}}
 *   GETFILEBLOCKLOCATIONS {"BlockLocations":{"BlockLocation":[{...}, ...]}}
 *   MKDIRS/DELETE/...    {"boolean":true}
 *   GETHOMEDIRECTORY     {"Path":"/user/alice"}
 *   CREATE/OPEN step 1 with noredirect=true   {"Location":"http://<dn>:<port>/webhdfs/v1/...?op=..."}
 */
import { ProtocolError } from '../errors/index.js';
import type { BlockLocation, ContentSummary, FileChecksum, FileStatus, FileType } from './types.js';
import { baseName, joinPath } from './url.js';

/** Operation and path, for error messages. */
export interface WireContext {
  operation: string;
  path: string;
}

type Json = Record<string, unknown>;

/** One page of a LISTSTATUS_BATCH answer. */
export interface ListingPage {
  entries: FileStatus[];
  /** Entries left after this page, per the NameNode. */
  remaining: number;
}

export function parseFileStatus(body: unknown, path: string, ctx: WireContext): FileStatus {
  return toFileStatus(field(body, 'FileStatus', 'object', ctx), path, ctx);
}

/** A LISTSTATUS answer; `dir` is the listed path. */
export function parseFileStatuses(body: unknown, dir: string, ctx: WireContext): FileStatus[] {
  const list = field(field(body, 'FileStatuses', 'object', ctx), 'FileStatus', 'array', ctx);
  return list.map((entry) => toListedStatus(entry, dir, ctx));
}

/** A LISTSTATUS_BATCH answer; `dir` is the listed path. */
export function parseListingPage(body: unknown, dir: string, ctx: WireContext): ListingPage {
  const listing = field(body, 'DirectoryListing', 'object', ctx);
  const partial = field(listing, 'partialListing', 'object', ctx);
  return {
    entries: parseFileStatuses(partial, dir, ctx),
    remaining: field(listing, 'remainingEntries', 'number', ctx),
  };
}

export function parseContentSummary(body: unknown, ctx: WireContext): ContentSummary {
  const s = field(body, 'ContentSummary', 'object', ctx);
  return {
    directoryCount: field(s, 'directoryCount', 'number', ctx),
    fileCount: field(s, 'fileCount', 'number', ctx),
    length: field(s, 'length', 'number', ctx),
    spaceConsumed: field(s, 'spaceConsumed', 'number', ctx),
    quota: optional(s, 'quota', 'number', ctx) ?? -1,
    spaceQuota: optional(s, 'spaceQuota', 'number', ctx) ?? -1,
  };
}

export function parseFileChecksum(body: unknown, ctx: WireContext): FileChecksum {
  const c = field(body, 'FileChecksum', 'object', ctx);
  return {
    algorithm: field(c, 'algorithm', 'string', ctx),
    bytes: field(c, 'bytes', 'string', ctx).toLowerCase(),
    length: field(c, 'length', 'number', ctx),
  };
}

export function parseBlockLocations(body: unknown, ctx: WireContext): BlockLocation[] {
  const list = field(field(body, 'BlockLocations', 'object', ctx), 'BlockLocation', 'array', ctx);
  return list.map((entry) => {
    const b = asObject(entry, 'BlockLocation', ctx);
    return {
      offset: field(b, 'offset', 'number', ctx),
      length: field(b, 'length', 'number', ctx),
      hosts: strings(b, 'hosts', ctx),
      names: strings(b, 'names', ctx),
      topologyPaths: strings(b, 'topologyPaths', ctx),
      cachedHosts: strings(b, 'cachedHosts', ctx),
      storageTypes: strings(b, 'storageTypes', ctx),
      corrupt: optional(b, 'corrupt', 'boolean', ctx) ?? false,
    };
  });
}

export function parseBoolean(body: unknown, ctx: WireContext): boolean {
  return field(body, 'boolean', 'boolean', ctx);
}

export function parseHomeDirectory(body: unknown, ctx: WireContext): string {
  return field(body, 'Path', 'string', ctx);
}

/** `{"Token":{"urlString":"..."}}` (GETDELEGATIONTOKEN) → the token's URL string form. */
export function parseDelegationToken(body: unknown, ctx: WireContext): string {
  return field(field(body, 'Token', 'object', ctx), 'urlString', 'string', ctx);
}

/** `{"long": n}` (RENEWDELEGATIONTOKEN's new expiry). */
export function parseLong(body: unknown, ctx: WireContext): number {
  return field(body, 'long', 'number', ctx);
}

/** The DataNode URL from a `noredirect=true` answer. */
export function parseLocation(body: unknown, ctx: WireContext): URL {
  const raw = field(body, 'Location', 'string', ctx);
  try {
    return new URL(raw);
  } catch {
    throw new ProtocolError(`${ctx.operation} ${ctx.path}: the NameNode sent an invalid redirect URL`, ctx);
  }
}

const TYPES: Record<string, FileType> = { FILE: 'file', DIRECTORY: 'directory', SYMLINK: 'symlink' };

/** A listed entry: its path is the listed directory plus `pathSuffix` ('' when a file was listed). */
function toListedStatus(entry: unknown, dir: string, ctx: WireContext): FileStatus {
  const suffix = field(asObject(entry, 'FileStatus', ctx), 'pathSuffix', 'string', ctx);
  return toFileStatus(entry, joinPath(dir, suffix), ctx);
}

function toFileStatus(raw: unknown, path: string, ctx: WireContext): FileStatus {
  const s = asObject(raw, 'FileStatus', ctx);
  const type = TYPES[field(s, 'type', 'string', ctx)];
  if (type === undefined) throw malformed(ctx, `unknown file type ${JSON.stringify(s.type)}`);
  const permission = Number.parseInt(field(s, 'permission', 'string', ctx), 8);
  if (Number.isNaN(permission)) throw malformed(ctx, `bad permission ${JSON.stringify(s.permission)}`);
  const status: FileStatus = {
    path,
    name: baseName(path),
    type,
    length: field(s, 'length', 'number', ctx),
    modificationTime: field(s, 'modificationTime', 'number', ctx),
    accessTime: optional(s, 'accessTime', 'number', ctx) ?? 0,
    blockSize: optional(s, 'blockSize', 'number', ctx) ?? 0,
    replication: optional(s, 'replication', 'number', ctx) ?? 0,
    owner: field(s, 'owner', 'string', ctx),
    group: field(s, 'group', 'string', ctx),
    permission,
  };
  const fileId = optional(s, 'fileId', 'number', ctx);
  if (fileId !== undefined) status.fileId = fileId;
  const children = optional(s, 'childrenNum', 'number', ctx);
  if (children !== undefined) status.childrenCount = children;
  const target = optional(s, 'symlink', 'string', ctx);
  if (target !== undefined) status.symlinkTarget = target;
  return status;
}

interface Kinds {
  object: Json;
  array: unknown[];
  string: string;
  number: number;
  boolean: boolean;
}

function kindOf(v: unknown): keyof Kinds | 'other' {
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as keyof Kinds;
  return 'other';
}

function field<K extends keyof Kinds>(obj: unknown, name: string, kind: K, ctx: WireContext): Kinds[K] {
  const value = optional(obj, name, kind, ctx);
  if (value === undefined) throw malformed(ctx, `missing field "${name}"`);
  return value;
}

function optional<K extends keyof Kinds>(obj: unknown, name: string, kind: K, ctx: WireContext): Kinds[K] | undefined {
  const value = asObject(obj, name, ctx)[name];
  if (value === undefined || value === null) return undefined;
  if (kindOf(value) !== kind) throw malformed(ctx, `field "${name}" should be ${kind}, got ${kindOf(value)}`);
  return value as Kinds[K];
}

function strings(obj: Json, name: string, ctx: WireContext): string[] {
  const list = optional(obj, name, 'array', ctx) ?? [];
  return list.map((v) => {
    if (typeof v !== 'string') throw malformed(ctx, `field "${name}" should hold strings`);
    return v;
  });
}

function asObject(v: unknown, what: string, ctx: WireContext): Json {
  if (kindOf(v) !== 'object') throw malformed(ctx, `expected an object around "${what}"`);
  return v as Json;
}

function malformed(ctx: WireContext, detail: string): ProtocolError {
  return new ProtocolError(`${ctx.operation} ${ctx.path}: malformed answer: ${detail}`, ctx);
}
