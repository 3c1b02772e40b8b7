/**
 * Cost emulation: the tokens a benchmark used, priced per million tokens as in an editable
 * price table (data/prices/cloud-api.json: name, input and output price, the date of the
 * figure and its source). cost = promptTokens / 1e6 × input + completionTokens / 1e6 × output.
 *
 *   const prices = loadPrices();   costTable(results.requests, prices)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RequestRecord } from '../bench/store/record';
import { SlmlabError } from '../errors';

export interface Price { name: string; inputPerMTok: number; outputPerMTok: number; asOf: string; source: string }
export interface PriceTable { currency: string; prices: Price[]; file: string }

export const DEFAULT_PRICES_FILE = path.resolve(__dirname, '..', '..', '..', 'data', 'prices', 'cloud-api.json');

export class PriceTableError extends SlmlabError {
  constructor(message: string) { super('invalid_request', message, 400); }
}

export function loadPrices(file: string = DEFAULT_PRICES_FILE): PriceTable {
  let raw: { currency?: unknown; prices?: unknown };
  try { raw = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) {
    throw new PriceTableError(`price table ${file}: ${(e as Error).message}: fix or restore the file (see data/prices/cloud-api.json)`);
  }
  const problems: string[] = [];
  const prices = Array.isArray(raw.prices) ? raw.prices as Price[] : [];
  if (!Array.isArray(raw.prices)) problems.push('no "prices" list');
  prices.forEach((p, i) => {
    if (typeof p?.name !== 'string') problems.push(`prices[${i}]: no name`);
    for (const k of ['inputPerMTok', 'outputPerMTok'] as const) if (!(typeof p?.[k] === 'number' && p[k] >= 0)) problems.push(`prices[${i}] ${p?.name ?? ''}: ${k} must be a number >= 0`);
    if (typeof p?.asOf !== 'string' || !/^\d{4}-\d{2}(-\d{2})?$/.test(p.asOf)) problems.push(`prices[${i}] ${p?.name ?? ''}: asOf must be a date YYYY-MM-DD`);
    if (typeof p?.source !== 'string' || p.source === '') problems.push(`prices[${i}] ${p?.name ?? ''}: source is required (where the price comes from)`);
  });
  if (problems.length) throw new PriceTableError(`price table ${file}: ${problems.join('; ')}`);
  return { currency: typeof raw.currency === 'string' ? raw.currency : 'USD', prices, file };
}

export interface CostRow {
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  priced_as: string;
  cost: number;
  cost_per_1k_requests: number;
  currency: string;
  price_as_of: string;
}

/** One row per model × price: what its measured, ok requests' tokens would cost. */
export function costTable(requests: readonly RequestRecord[], table: PriceTable): CostRow[] {
  const ok = requests.filter((r) => !r.warmup && r.status === 'ok');
  const out: CostRow[] = [];
  for (const model of new Set(ok.map((r) => r.model))) {
    const own = ok.filter((r) => r.model === model);
    const pin = own.reduce((a, r) => a + (r.promptTokens ?? 0), 0);
    const pout = own.reduce((a, r) => a + (r.completionTokens ?? 0), 0);
    for (const p of table.prices) {
      const cost = (pin / 1e6) * p.inputPerMTok + (pout / 1e6) * p.outputPerMTok;
      out.push({
        model, requests: own.length, prompt_tokens: pin, completion_tokens: pout, priced_as: p.name,
        cost, cost_per_1k_requests: own.length ? (cost / own.length) * 1000 : 0, currency: table.currency, price_as_of: p.asOf,
      });
    }
  }
  return out;
}
