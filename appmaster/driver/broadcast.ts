/** A read-only value shipped to each executor once; use the handle in a function (captured or as a closure value). */
export class Broadcast<T> {
  readonly #value: T;

  /** @internal */
  constructor(
    readonly id: number,
    value: T,
  ) {
    this.#value = value;
  }

  /** The value (on executors: deserialized once per executor and shared by its tasks). */
  get value(): T {
    return this.#value;
  }
}
