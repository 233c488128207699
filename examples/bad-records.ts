// Cleaning JSON lines, with accumulators counting what was dropped: the records that do not parse,
// the shops of records that lack an amount, and the longest line seen.
//
//   spindle submit examples/bad-records.ts /sales /out/clean-sales
//
// Input lines look like {"shop":"berlin","amount":12.5}. The counts are exact even when tasks are
// retried: only each partition's successful attempt counts.
import type { Context } from 'spindle';

interface Order {
  shop: string;
  amount: number;
}

export default async function main(ctx: Context, [input, output]: string[]) {
  if (!input || !output) throw new Error('usage: bad-records.ts <input> <output>');
  const unparsable = ctx.accumulator('unparsable', 0);
  const noAmount = ctx.accumulator('shops without amount', new Set<string>(), (a, b) => new Set([...a, ...b]));
  const longest = ctx.accumulator('longest line', 0, Math.max);

  const orders = ctx.textFile(input).flatMap((line): Order[] => {
    longest.add(line.length);
    let o: Partial<Order>;
    try {
      o = JSON.parse(line);
    } catch {
      unparsable.add(1);
      return [];
    }
    if (typeof o.amount !== 'number') {
      noAmount.add(new Set([String(o.shop)]));
      return [];
    }
    return [{ shop: String(o.shop), amount: o.amount }];
  });
  await orders.saveAsJsonFile(output, { overwrite: true });
  return {
    unparsable: unparsable.value,
    shopsWithoutAmount: [...noAmount.value].sort(),
    longestLine: longest.value,
  };
}
