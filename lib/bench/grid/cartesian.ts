/**
 * The Cartesian product of named axes, as records. The first axis varies slowest and the
 * last fastest (nested loops in key order), so the caller orders the axes by cost: put
 * what is expensive to change (endpoint, model, provider) first. An empty axis gives an
 * empty product.
 *
 *   cartesian({ model: ['a', 'b'], provider: ['cpu', 'cuda'] })
 *   // [{model:'a',provider:'cpu'}, {model:'a',provider:'cuda'}, {model:'b',provider:'cpu'}, {model:'b',provider:'cuda'}]
 */
export type Axes = Record<string, readonly unknown[]>;
export type Point<A extends Axes> = { [K in keyof A]: A[K][number] };

export function cartesian<A extends Axes>(axes: A): Point<A>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const key of Object.keys(axes)) {
    const next: Record<string, unknown>[] = [];
    for (const point of points) {
      for (const value of axes[key]) next.push({ ...point, [key]: value });
    }
    points = next;
  }
  return points as Point<A>[];
}
