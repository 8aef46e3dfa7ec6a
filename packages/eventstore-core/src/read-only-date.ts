/**
 * The Dates of stored events. `Object.freeze` cannot protect a Date: its value sits in an
 * internal slot that `setTime`, `setHours` and the other setters still change, so a reader
 * calling one on a Date it was handed (a projection truncating a day in place) would rewrite
 * that event for every later reader. Stored Dates are instances of this subclass instead, whose
 * setters throw; getters, `toISOString`, `JSON.stringify`, `instanceof Date` and the driver's
 * BSON encoding behave as for any Date. Its `constructor` is `Date`, so equality that compares
 * constructors (vitest's `toStrictEqual`, `util.inspect`) treats it as one; only a check of the
 * prototype itself (`assert.deepStrictEqual` against a plain Date) tells them apart.
 *
 * A subclass costs no more to make than a Date (a prototype swapped per instance costs a
 * quarter more, non-enumerable own setters fifteen times more), and reads hand stored events
 * out as they are, which keeps them at millions of events per second where a copy per read
 * would not. `Date.prototype.setTime.call(date, …)` still reaches the slot: this stops
 * mistakes, not a caller set on harm, as freezing stops assignment but not a debugger.
 */
export class ReadOnlyDate extends Date {
  // Written out: the implicit constructor passes its arguments on as a spread, which made
  // every stored Date cost about half as much again (45 against 77 ns, made and dropped).
  constructor(time: number) {
    super(time);
  }
}

function refuse(this: Date, name: string): never {
  throw new TypeError(
    `Cannot call ${name}() on the Date of a stored event (${Number.isNaN(this.getTime()) ? 'Invalid Date' : this.toISOString()}): it is read-only; change a copy (new Date(date))`,
  );
}

for (const name of Object.getOwnPropertyNames(Date.prototype)) {
  if (!name.startsWith('set')) continue;
  Object.defineProperty(ReadOnlyDate.prototype, name, {
    value: function (this: Date) {
      refuse.call(this, name);
    },
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
Object.defineProperty(ReadOnlyDate.prototype, 'constructor', {
  value: Date,
  writable: false,
  enumerable: false,
  configurable: false,
});
Object.freeze(ReadOnlyDate.prototype);

/** A frozen read-only copy of `time` (milliseconds since the epoch). */
export function readOnlyDate(time: number): Date {
  return Object.freeze(new ReadOnlyDate(time));
}
