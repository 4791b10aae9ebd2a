// Deterministic randomness, shared by the simulator, the prompt generator, arrival schedules and
// the bootstrap: every random choice is derived from a hash of named inputs (seed, request
// content, purpose), never from timing.

/** FNV-1a hash (32 bit) of the parts, joined with a separator that cannot occur in numbers. */
export function hashParts(...parts: (string | number | null | undefined)[]): number {
  let h = 0x811c9dc5;
  const text = parts.map((p) => String(p)).join("\u0001");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Roughly normal (mean 0, sd 1): sum of four uniforms, rescaled. */
  normal(): number;
}

/** A mulberry32 generator seeded from the hash of the parts. */
export function rngFor(...parts: (string | number | null | undefined)[]): Rng {
  let state = hashParts(...parts);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    normal: () => (next() + next() + next() + next() - 2) * Math.sqrt(3),
  };
}

/** Uniform in [0, 1) for one named decision. */
export function uniform(...parts: (string | number | null | undefined)[]): number {
  return rngFor(...parts).next();
}
