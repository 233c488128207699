/**
 * An in-memory HDFS for job tests: the subset of WebHdfsClient the driver and executors use,
 * with HDFS's rules where they matter (rename fails onto an existing path, create without
 * overwrite fails on an existing file, parents are created, byte ranges and block locations).
 */
import { Readable } from 'node:stream';
import { AlreadyExistsError, NotEmptyError, NotFoundError } from '../../protocols/errors/index.js';

interface Entry {
  type: 'file' | 'directory';
  data: Buffer;
  blockSize: number;
}

export class FakeFs {
  readonly entries = new Map<string, Entry>([['/', { type: 'directory', data: Buffer.alloc(0), blockSize: 0 }]]);
  /** Every rename done, for assertions. */
  readonly renames: [string, string][] = [];

  constructor(
    readonly blockSize = 1024,
    readonly hosts: string[] = ['dn1'],
  ) {}

  private parent(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  }

  private mkParents(path: string): void {
    const p = this.parent(path);
    if (!this.entries.has(p)) {
      this.mkParents(p);
      this.entries.set(p, { type: 'directory', data: Buffer.alloc(0), blockSize: 0 });
    }
  }

  put(path: string, content: string | Buffer, blockSize = this.blockSize): void {
    this.mkParents(path);
    this.entries.set(path, { type: 'file', data: Buffer.from(content), blockSize });
  }

  text(path: string): string {
    const e = this.entries.get(path);
    if (e?.type !== 'file') throw new NotFoundError(`no file ${path}`);
    return e.data.toString('utf8');
  }

  /** Paths directly below `dir`. */
  children(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.entries.keys()].filter((p) => p !== dir && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).sort();
  }

  async exists(path: string): Promise<boolean> {
    return this.entries.has(path);
  }

  async mkdirs(path: string): Promise<void> {
    this.mkParents(path);
    if (!this.entries.has(path)) this.entries.set(path, { type: 'directory', data: Buffer.alloc(0), blockSize: 0 });
  }

  async rename(src: string, dst: string): Promise<void> {
    if (!this.entries.has(src)) throw new NotFoundError(`rename ${src}: no such file`);
    if (this.entries.has(dst)) throw new AlreadyExistsError(`rename ${src} -> ${dst}: destination exists`);
    this.renames.push([src, dst]);
    for (const [p, e] of [...this.entries]) {
      if (p === src || p.startsWith(`${src}/`)) {
        this.entries.delete(p);
        this.entries.set(dst + p.slice(src.length), e);
      }
    }
  }

  async delete(path: string, options: { recursive?: boolean } = {}): Promise<boolean> {
    if (!this.entries.has(path)) return false;
    const below = [...this.entries.keys()].filter((p) => p.startsWith(`${path}/`));
    if (below.length > 0 && !options.recursive) throw new NotEmptyError(`delete ${path}: not empty`);
    for (const p of below) this.entries.delete(p);
    this.entries.delete(path);
    return true;
  }

  async create(
    path: string,
    body: AsyncIterable<Uint8Array | string> | Uint8Array | string,
    options: { overwrite?: boolean } = {},
  ): Promise<void> {
    if (this.entries.has(path) && !options.overwrite) throw new AlreadyExistsError(`create ${path}: exists`);
    const chunks: Buffer[] = [];
    if (typeof body === 'string' || body instanceof Uint8Array) chunks.push(Buffer.from(body));
    else for await (const c of body) chunks.push(Buffer.from(c));
    this.put(path, Buffer.concat(chunks));
  }

  async getFileStatus(path: string): Promise<{ type: string; length: number; blockSize: number; path: string; name: string }> {
    const e = this.entries.get(path);
    if (!e) throw new NotFoundError(`GETFILESTATUS ${path}: not found`, { path });
    return { type: e.type, length: e.data.length, blockSize: e.blockSize, path, name: path.slice(path.lastIndexOf('/') + 1) };
  }

  async listStatus(path: string): Promise<{ type: string; length: number; blockSize: number; path: string; name: string }[]> {
    const e = this.entries.get(path);
    if (!e) throw new NotFoundError(`LISTSTATUS ${path}: not found`, { path });
    if (e.type === 'file') return [await this.getFileStatus(path)];
    return Promise.all(this.children(path).map((p) => this.getFileStatus(p)));
  }

  async getFileBlockLocations(path: string): Promise<{ offset: number; length: number; hosts: string[] }[]> {
    const e = this.entries.get(path)!;
    const out = [];
    for (let o = 0; o < e.data.length; o += e.blockSize) {
      out.push({
        offset: o,
        length: Math.min(e.blockSize, e.data.length - o),
        hosts: [this.hosts[(o / e.blockSize) % this.hosts.length]!],
      });
    }
    return out;
  }

  /** Files opened for reading so far (every open, path by path). */
  readonly opened: string[] = [];

  async open(path: string, options: { offset?: number; length?: number } = {}): Promise<Readable> {
    this.opened.push(path);
    const e = this.entries.get(path);
    if (e?.type !== 'file') throw new NotFoundError(`OPEN ${path}: not found`, { path });
    const from = options.offset ?? 0;
    const to = options.length === undefined ? e.data.length : Math.min(e.data.length, from + options.length);
    const data = e.data.subarray(from, to);
    // Small chunks, so that readers see many chunk boundaries.
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += 97) chunks.push(data.subarray(i, i + 97));
    return Readable.from(chunks);
  }
}
