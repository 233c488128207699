import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { errorMessage } from '../../protocols/errors/index.js';
import type { ShippedFn } from './closure.js';
import type { DatasetNode } from './nodes.js';

/**
 * The action journal: what each of the driver's actions returned, kept in the application's staging
 * directory so that a later ApplicationMaster attempt, which reruns `main` from its start, gets the
 * results of the actions attempt 1 finished without computing them again.
 *
 *   <staging>/journal/000003          the 4th action's entry: magic, then one v8-serialized record
 *   <staging>/journal/.000003.tmp     an entry being written; renamed into place when whole
 *
 * An entry is written after its action returned, in the background, and never changed. Every attempt
 * numbers its actions from 0 in the order `main` runs them, so attempt 2's n-th action looks up entry
 * n. The entry's key is a digest of the action and its whole lineage (operations, the functions'
 * sources and captured values, parameters, the partitions asked for): an action whose key differs
 * from the entry's means `main` took another path this time, and from there on nothing is replayed.
 * Saves are not journaled: their output commit tells on its own whether an earlier attempt
 * committed them (commit.ts). A journal that cannot be read or written costs recomputation, never
 * the job.
 */

/** What the journal keeps of one partition of an action. */
export interface JournaledOutcome {
  partition: number;
  /** The task's result (an encoded value) and its metrics, as the executor reported them. */
  status: unknown;
  chunks: Buffer[];
}

export interface JournalEntry {
  key: string;
  outcomes: JournaledOutcome[];
}

/** File operations the journal uses; WebHdfsClient has them. */
export interface JournalFs {
  listStatus(path: string): Promise<{ name: string }[]>;
  open(path: string): Promise<AsyncIterable<Buffer | string>>;
  create(path: string, body: Uint8Array, options?: { overwrite?: boolean }): Promise<void>;
  rename(src: string, dst: string): Promise<void>;
}

/** Entries larger than this are not written: a huge collect() is computed again rather than stored twice. */
export const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

const MAGIC = Buffer.from('SPJ1');

/** Pure: an entry as stored. */
export function encodeEntry(entry: JournalEntry): Buffer {
  return Buffer.concat([MAGIC, serialize(entry)]);
}

/** Pure: an entry from its stored bytes; throws on anything that is not one. */
export function decodeEntry(bytes: Buffer): JournalEntry {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a journal entry');
  const entry = deserialize(bytes.subarray(MAGIC.length)) as JournalEntry;
  if (typeof entry?.key !== 'string' || !Array.isArray(entry.outcomes)) throw new Error('malformed journal entry');
  return entry;
}

/** An action as the journal identifies it. */
export interface JournaledAction {
  kind: string;
  fns: readonly ShippedFn[];
  params: unknown;
  label: string;
}

/**
 * Pure: the digest naming an action over `node`'s partitions `parts`: the action, then every node of
 * the lineage (parents first, each once) with its operation, label, parameters and functions
 * (source and captured values).
 */
export function actionKey(node: DatasetNode, action: JournaledAction, parts: readonly number[]): string {
  const hash = createHash('sha256');
  const field = (s: string | Uint8Array): void => {
    hash.update(String(s.length));
    hash.update(':');
    hash.update(s);
  };
  const fns = (list: readonly ShippedFn[]): void => {
    field(String(list.length));
    for (const f of list) {
      field(f.ref.source);
      field(f.ref.builtin ?? '');
      field(f.ref.env ?? '');
    }
  };
  field(action.kind);
  field(action.label);
  field(valueBytes(action.params));
  fns(action.fns);
  field(parts.join(','));
  const seen = new Set<number>();
  const visit = (n: DatasetNode): void => {
    if (seen.has(n.id)) return;
    seen.add(n.id);
    for (const p of n.parents) visit(p);
    field(`${n.id} ${n.op} ${n.parents.map((p) => p.id).join(',')}`);
    field(n.label);
    field(valueBytes((n as { params?: unknown }).params));
    fns(n.fns);
  };
  visit(node);
  return hash.digest('hex');
}

/** Parameters as bytes; those that cannot be serialized (a partitioner function) count by their text. */
function valueBytes(value: unknown): Uint8Array | string {
  try {
    return serialize(value ?? null);
  } catch {
    return String(value);
  }
}

function entryName(seq: number): string {
  return String(seq).padStart(6, '0');
}

export interface JournalOptions {
  fs: JournalFs;
  /** <staging>/journal */
  dir: string;
  log: (message: string) => void;
  maxEntryBytes?: number;
}

export class ActionJournal {
  private nextSeq = 0;
  /** False once an action differed from the earlier attempt's: later entries describe another path. */
  private replaying = true;
  private readonly pending = new Set<Promise<void>>();
  private readonly maxEntryBytes: number;

  private constructor(
    private readonly options: JournalOptions,
    private readonly entries: Map<number, JournalEntry>,
  ) {
    this.maxEntryBytes = options.maxEntryBytes ?? MAX_ENTRY_BYTES;
  }

  /** Reads what earlier attempts journaled (nothing on a first attempt, or when it cannot be read). */
  static async open(options: JournalOptions): Promise<ActionJournal> {
    const entries = new Map<number, JournalEntry>();
    let names: string[] = [];
    try {
      names = (await options.fs.listStatus(options.dir)).map((s) => s.name).filter((n) => /^\d{6}$/.test(n));
    } catch {
      // No journal yet: a first attempt.
    }
    for (const name of names.sort()) {
      try {
        const chunks: Buffer[] = [];
        for await (const c of await options.fs.open(`${options.dir}/${name}`)) chunks.push(Buffer.from(c));
        entries.set(Number(name), decodeEntry(Buffer.concat(chunks)));
      } catch (err) {
        options.log(`journal entry ${options.dir}/${name} cannot be read (${errorMessage(err)}); that action is computed again`);
      }
    }
    if (entries.size > 0) options.log(`an earlier attempt journaled ${entries.size} action result(s) in ${options.dir}`);
    return new ActionJournal(options, entries);
  }

  /** The number the next action gets. Called once per action, in the order `main` runs them. */
  next(): number {
    return this.nextSeq++;
  }

  /** The earlier attempt's outcomes of action `seq`, if it journaled that same action. */
  replay(seq: number, key: string, label: string): JournaledOutcome[] | undefined {
    if (!this.replaying) return undefined;
    const entry = this.entries.get(seq);
    if (!entry) return undefined;
    if (entry.key !== key) {
      this.replaying = false;
      this.options.log(
        `${label}: the earlier attempt's action ${seq + 1} was a different one (main took another path, or its data or ` +
          'captured values differ); this and later actions are computed again',
      );
      return undefined;
    }
    return entry.outcomes;
  }

  /** Writes action `seq`'s outcomes in the background; a failure is logged, never thrown. */
  record(seq: number, key: string, label: string, outcomes: JournaledOutcome[]): void {
    if (this.entries.has(seq) && this.entries.get(seq)!.key === key) return;
    let bytes: Buffer;
    try {
      bytes = encodeEntry({ key, outcomes });
    } catch (err) {
      this.options.log(`${label}: its result cannot be journaled (${errorMessage(err)}); a later attempt computes it again`);
      return;
    }
    if (bytes.length > this.maxEntryBytes) {
      this.options.log(
        `${label}: its result (${bytes.length} bytes) is larger than the journal keeps (${this.maxEntryBytes}); ` +
          'a later attempt computes it again',
      );
      return;
    }
    const name = `${this.options.dir}/${entryName(seq)}`;
    const temp = `${this.options.dir}/.${entryName(seq)}.tmp`;
    const write = (async () => {
      try {
        await this.options.fs.create(temp, bytes, { overwrite: true });
        await this.options.fs.rename(temp, name);
      } catch (err) {
        this.options.log(`${label}: could not journal its result (${errorMessage(err)}); a later attempt computes it again`);
      }
    })();
    this.pending.add(write);
    void write.finally(() => this.pending.delete(write));
  }

  /** Waits for the entries being written. */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
