/** Values allocated up front; storage doubles from here up to the capacity. */
const INITIAL_STORAGE = 64;

/**
 * A fixed-capacity ring of float64 values: pushing past capacity overwrites the oldest value.
 * Storage starts small and doubles until it reaches capacity, so the many short-lived processes a
 * build spawns cost little, while a long-running one never grows past its bound.
 */
export class RingBuffer {
  private values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer capacity must be a positive integer, got ${capacity}`);
    }
    this.values = new Float64Array(Math.min(capacity, INITIAL_STORAGE));
  }

  /** How many values are held (at most capacity). */
  get length(): number {
    return this.count;
  }

  /** Appends a value, overwriting the oldest when full. */
  push(value: number): void {
    if (this.count === this.values.length && this.count < this.capacity) {
      // Not yet wrapped (start is 0 until count reaches capacity): grow in place of overwriting.
      const grown = new Float64Array(Math.min(this.capacity, this.values.length * 2));
      grown.set(this.values);
      this.values = grown;
    }
    const end = (this.start + this.count) % this.capacity;
    this.values[end] = value;
    if (this.count < this.capacity) {
      this.count++;
    } else {
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The value at index i, 0 being the oldest held; undefined outside [0, length). */
  at(i: number): number | undefined {
    if (i < 0) i += this.count;
    if (i < 0 || i >= this.count) return undefined;
    return this.values[(this.start + i) % this.capacity];
  }

  /** The newest value, or undefined when empty. */
  last(): number | undefined {
    return this.count === 0 ? undefined : this.at(this.count - 1);
  }

  /** Copies the values, oldest first, into a new array (optionally only the newest n). */
  toArray(newest = this.count): Float64Array {
    const n = Math.max(0, Math.min(newest, this.count));
    const out = new Float64Array(n);
    const first = this.start + this.count - n;
    for (let i = 0; i < n; i++) out[i] = this.values[(first + i) % this.capacity];
    return out;
  }

  /** Index of the first held value >= x, assuming values were pushed in ascending order. */
  lowerBound(x: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[(this.start + mid) % this.capacity] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forgets every value (capacity is kept). */
  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}
