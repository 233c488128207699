/**
 * Compile-time assertions for the type tests in this folder: `tsc` (npm run build) fails when an
 * inferred type changes. Nothing here runs.
 */

/** true exactly when A and B are the same type (not merely assignable one way or both). */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

/**
 * `expectType<Dataset<[string, number]>>()(counts)` compiles only when `counts` is exactly that
 * type: otherwise the call lacks its second argument (of type never).
 */
export function expectType<Expected>(): <Actual>(value: Actual, ...exact: Equal<Expected, Actual> extends true ? [] : [never]) => void {
  return () => undefined;
}
