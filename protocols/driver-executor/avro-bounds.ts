import type avro from 'avsc';
import { ProtocolError } from '../errors/index.js';

/**
 * A pass over Avro binary data before avsc decodes it, checking every length and count against the
 * bytes that remain. avsc allocates an array of whatever count a block announces before reading its
 * items, so ten bytes claiming ten million items cost hundreds of MB; here such a count is refused
 * first. Every item of every type in our schemas takes at least one byte, except `null`, whose items
 * are capped at MAX_EMPTY_ITEMS.
 *
 *   long/int:     zigzag varint (at most 10 bytes)
 *   string/bytes: long length, then that many bytes
 *   array/map:    blocks of (long count [, long byte size when count < 0]) items, ending with count 0
 *   union:        long branch index, then the branch
 */

/** Items of a type that takes no bytes (null) accepted in one array: nothing legitimate comes close. */
export const MAX_EMPTY_ITEMS = 1 << 16;

type AnyType = avro.Type & {
  fields?: { type: AnyType }[];
  itemsType?: AnyType;
  valuesType?: AnyType;
  types?: AnyType[];
  size?: number;
};

class Cursor {
  pos = 0;
  constructor(
    readonly buf: Buffer,
    readonly what: string,
  ) {}
  get left(): number {
    return this.buf.length - this.pos;
  }
  fail(problem: string): never {
    throw new ProtocolError(`${this.what}: ${problem} at byte ${this.pos} of ${this.buf.length}`);
  }
  long(): number {
    let n = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated number');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * shift;
      if ((b & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      shift *= 128;
    }
    return this.fail('number longer than 10 bytes');
  }
  skip(n: number, what: string): void {
    if (n < 0 || n > this.left) this.fail(`${what} of ${n} bytes with ${this.left} left`);
    this.pos += n;
  }
}

type Check = (c: Cursor) => void;

/** Checkers compiled once per type (avsc keeps one Type object per schema): a closure per node. */
const compiled = new WeakMap<AnyType, Check>();

function checker(type: AnyType): Check {
  let check = compiled.get(type);
  if (!check) {
    // Registered before compiling the parts, so that a recursive schema finds itself.
    let inner: Check = () => undefined;
    compiled.set(type, (c) => inner(c));
    inner = compile(type);
    check = inner;
    compiled.set(type, check);
  }
  return check;
}

function compile(type: AnyType): Check {
  const name = type.typeName;
  switch (name) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return (c) => c.skip(1, 'boolean');
    case 'int':
    case 'long':
    case 'enum':
      return (c) => void c.long();
    case 'float':
      return (c) => c.skip(4, 'float');
    case 'double':
      return (c) => c.skip(8, 'double');
    case 'fixed': {
      const size = type.size ?? 0;
      return (c) => c.skip(size, 'fixed');
    }
    case 'string':
    case 'bytes':
      return (c) => c.skip(c.long(), name);
    case 'record':
    case 'error': {
      const fields = (type.fields ?? []).map((f) => checker(f.type));
      return (c) => {
        for (const f of fields) f(c);
      };
    }
    case 'array':
    case 'map':
      return blocks(type);
    default: {
      if (name.startsWith('union')) {
        const branches = (type.types ?? []).map(checker);
        return (c) => {
          const branch = c.long();
          const b = branches[branch];
          if (!b) c.fail(`union branch ${branch} of ${branches.length}`);
          b(c);
        };
      }
      // A logical type wraps an underlying one; anything else is a schema this pass does not know.
      return (c) => c.fail(`no bounds check for Avro type ${name}`);
    }
  }
}

function blocks(type: AnyType): Check {
  const isMap = type.typeName === 'map';
  const itemType = isMap ? type.valuesType! : type.itemsType!;
  const item = checker(itemType);
  const emptyItems = !isMap && itemType.typeName === 'null';
  return (c) => {
    for (;;) {
      let count = c.long();
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        c.long(); // the block's size in bytes, which items are checked against anyway
      }
      if (count > (emptyItems ? MAX_EMPTY_ITEMS : c.left)) c.fail(`${type.typeName} block of ${count} items with ${c.left} bytes left`);
      for (let i = 0; i < count; i++) {
        if (isMap) c.skip(c.long(), 'map key');
        item(c);
      }
    }
  };
}

/** Throws ProtocolError (naming `what`) unless every length and count in `buf` fits in `buf`. */
export function checkAvroBounds(type: avro.Type, buf: Buffer, what: string): void {
  checker(type as AnyType)(new Cursor(buf, what));
}
