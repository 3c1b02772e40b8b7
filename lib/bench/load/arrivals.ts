/**
 * Open-loop arrival times: when each request of a rate level is sent, as offsets in ms from
 * the level's start. Seeded, so a level replays the same schedule (vLLM's `--seed`).
 *
 * Inter-arrival gaps, mean 1/rate seconds in every case:
 * - 'poisson': exponential, gap = -ln(1 - U) / rate (a Poisson process; squared coefficient
 *   of variation 1).
 * - 'gamma': Gamma(shape k = burstiness, scale θ = 1 / (rate·k)), as vLLM's `--burstiness`
 *   (vllm/benchmarks/serve.py get_request: theta = 1 / (request_rate * burstiness));
 *   CV² = 1/k: k < 1 burstier than Poisson, k = 1 is Poisson, k > 1 more regular.
 * - 'constant': gap = 1/rate (CV² 0).
 * The first request goes at offset 0; request i at the sum of the first i gaps.
 */
import type { ArrivalProcess } from '../grid/spec';
import { streamFor, type Rng } from '../../util/rng';

export interface ArrivalOptions {
  arrivals: ArrivalProcess;
  /** Gamma shape (arrivals 'gamma'). */
  burstiness?: number;
  seed?: number;
}

/** A standard normal draw (Box & Muller, 1958), from two uniforms. */
function normal(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * A Gamma(shape, 1) draw: Marsaglia & Tsang, "A simple method for generating gamma
 * variables", ACM TOMS 26(3), 2000. For shape < 1, the same paper's boost:
 * Gamma(a) = Gamma(a + 1) · U^(1/a).
 */
export function gammaDraw(shape: number, rng: Rng): number {
  if (shape < 1) return gammaDraw(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do { x = normal(rng); v = 1 + c * x; } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** `n` inter-arrival gaps in ms for `rate` requests per second. */
export function interArrivalGaps(n: number, rate: number, o: ArrivalOptions): number[] {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number of requests per second, got ${rate}`);
  const rng = streamFor(o.seed ?? 0, `arrivals/${o.arrivals}`);
  const meanMs = 1000 / rate;
  const k = o.burstiness ?? 1;
  const gaps: number[] = [];
  for (let i = 0; i < n; i++) {
    if (o.arrivals === 'constant') gaps.push(meanMs);
    else if (o.arrivals === 'poisson') gaps.push(-Math.log(1 - rng()) * meanMs);
    else gaps.push(gammaDraw(k, rng) * meanMs / k);
  }
  return gaps;
}

/** Send offsets (ms from the level's start) of `n` requests: 0, then the running sum of the gaps. */
export function arrivalOffsets(n: number, rate: number, o: ArrivalOptions): number[] {
  const gaps = interArrivalGaps(Math.max(0, n - 1), rate, o);
  const out = n > 0 ? [0] : [];
  for (const g of gaps) out.push(out[out.length - 1] + g);
  return out;
}
