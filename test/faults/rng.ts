// A seeded random source (mulberry32), so a run's choices can be drawn again: FAULTS_SEED=<n>.
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const between = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
export const oneOf = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
