/**
 * Quantile function (inverse CDF) of the standard normal distribution, Φ⁻¹(p).
 *
 * Wichura, "Algorithm AS 241: The Percentage Points of the Normal Distribution",
 * Applied Statistics 37(3):477–484, 1988 (PPND16, accurate to about 1 part in 10¹⁶).
 * Three rational approximations in r:
 *   |p − ½| ≤ 0.425:  r = 0.180625 − (p − ½)²,  z = (p − ½)·A(r)/B(r)
 *   otherwise r = √(−ln min(p, 1 − p)):
 *     r ≤ 5:  z = C(r − 1.6)/D(r − 1.6);   r > 5:  z = E(r − 5)/F(r − 5);   sign of (p − ½)
 *
 * Used to turn a confidence level into z (0.95 → 1.959964) for a normal-theory interval.
 * p must lie strictly between 0 and 1 (RangeError otherwise).
 */

// Coefficients of A/B, C/D and E/F, highest degree first (AS 241, Table; hash sums AB 55.8831928806149014439,
// CD 49.33206503301610289036, EF 47.52583317549289671629 in the original for checking transcription).
const A = [2509.0809287301226727, 33430.575583588128105, 67265.770927008700853, 45921.953931549871457,
  13731.693765509461125, 1971.5909503065514427, 133.14166789178437745, 3.387132872796366608];
const B = [5226.495278852854561, 28729.085735721942674, 39307.89580009271061, 21213.794301586595867,
  5394.1960214247511077, 687.1870074920579083, 42.313330701600911252, 1];
const C = [7.7454501427834140764e-4, 0.0227238449892691845833, 0.24178072517745061177, 1.27045825245236838258,
  3.64784832476320460504, 5.7694972214606914055, 4.6303378461565452959, 1.42343711074968357734];
const D = [1.05075007164441684324e-9, 5.475938084995344946e-4, 0.0151986665636164571966, 0.14810397642748007459,
  0.68976733498510000455, 1.6763848301838038494, 2.05319162663775882187, 1];
const E = [2.01033439929228813265e-7, 2.71155556874348757815e-5, 0.0012426609473880784386, 0.026532189526576123093,
  0.29656057182850489123, 1.7848265399172913358, 5.4637849111641143699, 6.6579046435011037772];
const F = [2.04426310338993978564e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.868691311456132591e-4,
  0.0148753612908506148525, 0.13692988092273580531, 0.59983220655588793769, 1];

/** Horner evaluation of a polynomial whose coefficients are listed highest degree first. */
function poly(c: readonly number[], x: number): number {
  let y = 0;
  for (const k of c) y = y * x + k;
  return y;
}

export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile(${p}): p must lie strictly between 0 and 1`);
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly(C, r) / poly(D, r);
  } else {
    r -= 5;
    z = poly(E, r) / poly(F, r);
  }
  return q < 0 ? -z : z;
}
