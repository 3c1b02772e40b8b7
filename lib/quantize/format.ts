/**
 * Text printers for comparisons and sweeps (the CLI prints them; notebooks may too).
 * Measuring lives in compare-models.ts and sweep.ts; these only format their records.
 */
import { formatBytes as bytes } from '../util/format-bytes';
import { textTable } from '../util/text-table';
import type { ComparisonRecord } from './compare-models';
import type { SweepRow } from './sweep';

const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const num = (v: number, digits = 4) => (!Number.isFinite(v) ? 'n/a' : v === 0 ? '0' : Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(digits));
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
const rate = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');

export function formatComparison(r: ComparisonRecord): string {
  const f = r.fidelity;
  const lines = [
    `fidelity of ${r.candidate.name} to ${r.base.name}: ${f.positions} positions from ${f.texts} texts, teacher-forced`,
    textTable(['KL mean', 'KL p99', 'KL max', 'top-1 agree', 'top-5 overlap', 'ppl base', 'ppl candidate'],
      [[num(f.klMean), num(f.klP99), num(f.klMax), pct(f.top1Agreement), pct(f.top5Overlap), num(f.perplexityBase, 2), num(f.perplexityCandidate, 2)]]).replace(/^/gm, '  '),
  ];
  if (r.speed.length) {
    lines.push(`speed: medians of ${r.speed[0].rounds} interleaved rounds, one process per round (CPU)`);
    lines.push(textTable(['model', 'size', 'load', 'peak RSS', 'prefill tok/s', 'decode tok/s'],
      r.speed.map((s) => [s.model, bytes(s.sizeBytes), ms(s.loadMs), bytes(s.peakRssBytes), rate(s.prefillTokensPerSecond), rate(s.decodeTokensPerSecond)])).replace(/^/gm, '  '));
  }
  lines.push(`note: ${r.note}`);
  return lines.join('\n');
}

export function formatSweepTable(rows: readonly SweepRow[]): string {
  return textTable(['variant', 'size', 'size %', 'decode tok/s', 'prefill tok/s', 'peak RSS', 'KL mean', 'KL p99', 'top-1', 'top-5'],
    rows.map((r) => [r.variant, bytes(r.sizeBytes), (r.sizeRatio * 100).toFixed(1), rate(r.decodeTokensPerSecond), rate(r.prefillTokensPerSecond), bytes(r.peakRssBytes),
      num(r.klMean), num(r.klP99), pct(r.top1Agreement), pct(r.top5Overlap)]));
}
