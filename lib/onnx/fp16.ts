/**
 * IEEE 754 binary32 -> binary16 conversion with round-to-nearest-even, as numpy's
 * astype(float16) does. Subnormals, infinities and NaN are handled.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> 0
    mant |= 0x800000; // implicit leading one
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: still correct
  return sign | h;
}

export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toHalfArray(src: Float32Array, out = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toHalfBits(src[i]);
  return out;
}

/**
 * The binary16 bits of a float16 tensor's data. onnxruntime-common hands float16 data out as a
 * Uint16Array of bits where JavaScript has no Float16Array, but as a Float16Array of values
 * where it has one (Node >= 24): a Uint16Array view of the same bytes serves both.
 */
export function halfBits(data: unknown): Uint16Array {
  if (data instanceof Uint16Array) return data;
  const view = data as { buffer?: ArrayBufferLike; byteOffset?: number; length?: number; BYTES_PER_ELEMENT?: number };
  if (view.buffer && view.BYTES_PER_ELEMENT === 2 && typeof view.length === 'number') return new Uint16Array(view.buffer, view.byteOffset ?? 0, view.length);
  throw new TypeError('float16 tensor data is neither a Uint16Array nor a Float16Array');
}
