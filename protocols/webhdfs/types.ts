/**
 * The WebHDFS client's own types: what callers get back and what they pass per operation. Wire JSON
 * shapes never leave this folder (see wire.ts).
 */

/** What kind of inode a path names. */
export type FileType = 'file' | 'directory' | 'symlink';

/** One file, directory or symlink. Times are milliseconds since the epoch. */
export interface FileStatus {
  /** Absolute path. */
  path: string;
  /** Last path segment ('' for the root). */
  name: string;
  type: FileType;
  /** Bytes; 0 for directories. */
  length: number;
  /** Use this as a YARN local resource's `timestamp`. */
  modificationTime: number;
  accessTime: number;
  /** 0 for directories. */
  blockSize: number;
  /** 0 for directories. */
  replication: number;
  owner: string;
  group: string;
  /** Mode bits, e.g. 0o755 (sticky bit 0o1000 included). */
  permission: number;
  /** The NameNode's inode id, when reported. */
  fileId?: number;
  /** Entries in a directory, when reported. */
  childrenCount?: number;
  /** Target of a symlink. */
  symlinkTarget?: string;
}

/** Totals for a directory tree (GETCONTENTSUMMARY). Quotas are -1 when not set. */
export interface ContentSummary {
  directoryCount: number;
  fileCount: number;
  /** Bytes of file data. */
  length: number;
  /** Bytes used on disk, replicas included. */
  spaceConsumed: number;
  quota: number;
  spaceQuota: number;
}

/** A file checksum (GETFILECHECKSUM), e.g. algorithm "MD5-of-0MD5-of-512CRC32C". */
export interface FileChecksum {
  algorithm: string;
  /**
   * The checksum as the server serializes it, lower-case hex. Compare whole values only; Hadoop 3.5
   * sends 32 bytes for a `length` of 28 (a trailing checksum-type field).
   */
  bytes: string;
  /** Length of the checksum as the server states it. */
  length: number;
}

/** Where one block of a file lives (GETFILEBLOCKLOCATIONS). */
export interface BlockLocation {
  /** Offset of the block in the file. */
  offset: number;
  length: number;
  /** DataNode host names. */
  hosts: string[];
  /** DataNode transfer addresses, host:port. */
  names: string[];
  topologyPaths: string[];
  cachedHosts: string[];
  storageTypes: string[];
  corrupt: boolean;
}

/** Bytes to upload: a stream (Readable is one), a buffer or a string. */
export type UploadBody = AsyncIterable<Uint8Array | string> | Uint8Array | string;

/** Options for {@link WebHdfsClient.create}. Unset fields take the cluster's defaults. */
export interface CreateOptions {
  /** Replace an existing file. Default false: an existing file gives AlreadyExistsError. */
  overwrite?: boolean;
  /** Mode bits (e.g. 0o640) or an octal string passed through verbatim. Server default 644. */
  permission?: number | string;
  replication?: number;
  blockSize?: number;
  /** DataNode-side buffer size. */
  bufferSize?: number;
}

/** Options for {@link WebHdfsClient.append}. */
export interface AppendOptions {
  bufferSize?: number;
}

/** Options for {@link WebHdfsClient.open}: a byte range and a DataNode-side buffer size. */
export interface OpenOptions {
  /** First byte to read. Default 0. */
  offset?: number;
  /** Bytes to read. Default: to the end of the file. */
  length?: number;
  bufferSize?: number;
}

/** Options for {@link WebHdfsClient.mkdirs}. */
export interface MkdirsOptions {
  /** Mode bits or an octal string. Server default 755. */
  permission?: number | string;
}

/** Options for {@link WebHdfsClient.rename}. */
export interface RenameOptions {
  /** Replace an existing destination file or empty directory. Default false. */
  overwrite?: boolean;
}

/** Options for {@link WebHdfsClient.delete}. */
export interface DeleteOptions {
  /** Delete a non-empty directory and everything below it. Default false. */
  recursive?: boolean;
}

/** Options for {@link WebHdfsClient.setOwner}; at least one field. */
export interface SetOwnerOptions {
  owner?: string;
  group?: string;
}

/** Options for {@link WebHdfsClient.setTimes}; unset times stay unchanged. */
export interface SetTimesOptions {
  modificationTime?: number;
  accessTime?: number;
}

/** Options for {@link WebHdfsClient.getFileBlockLocations}: a byte range. */
export interface BlockLocationOptions {
  offset?: number;
  length?: number;
}
