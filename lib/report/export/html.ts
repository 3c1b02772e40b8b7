/**
 * toHtmlReport: ONE self-contained HTML page that opens offline. plotly.js is inlined once
 * (plotly.js-dist-min); then the summary table, the load-level table, the figures, comparisons
 * (each table's columns: analysis/table/, rendered by html-table.ts), determinism and outlier
 * flags, skipped and failed groups with reasons, the environment of each run, and how each
 * metric is defined. Every string from results is escaped; figure data
 * is JSON escaped for <script>.
 */
import type { ComparisonRow, SummaryRow } from '../../analysis/types';
import type { LevelRow } from '../../analysis/load-levels';
import { formatSlo, type Slo } from '../../bench/load/slo';
import { goodputVsLoad, levelDistribution, throughputLatency } from '../figures';
import { comparisonColumns, levelColumns, summaryColumns } from '../../analysis/table';
import { htmlTable, textRowsHtml } from './html-table';
import type { CellSummaryRecord, RunRecord } from '../../bench/store';
import { isMeasured, type RequestRecord } from '../../bench/store/record';
import { escapeHtml } from '../escape';
import { figureHtml } from '../figure-html';
import { latencyBars, latencyThroughputScatter, speedupBars, timelineRequest, tokenTimeline, tokensPerSecondBars, ttftBox } from '../figures';
import { fullGroupLabel, isSynthetic, modelLabel, syntheticModelsOf } from '../labels';
import { plotlyScriptTag } from '../plotly-js';
import type { Figure } from '../types';
import { metricDefinitions } from './metrics';

export interface HtmlReportInput {
  title?: string;
  rows: readonly SummaryRow[];
  comparisons?: readonly ComparisonRow[];
  requests?: readonly RequestRecord[];
  cells?: readonly CellSummaryRecord[];
  runs?: readonly RunRecord[];
  /** Load levels (summarizeLevels): their table and the serving figures. */
  levels?: readonly LevelRow[];
  slo?: Slo | null;
  generatedAt?: Date;
}

/** The load-level figures: latency vs throughput (E2E, TTFT), goodput vs load, TTFT and ITL per level. */
export function levelFigures(input: HtmlReportInput): Array<{ id: string; figure: Figure }> {
  const levels = input.levels ?? [];
  if (levels.length === 0) return [];
  const requests = input.requests ?? [];
  return [
    { id: 'fig-level-e2e-throughput', figure: throughputLatency(levels, { metric: 'e2eMs' }) },
    { id: 'fig-level-ttft-throughput', figure: throughputLatency(levels, { metric: 'ttftMs' }) },
    { id: 'fig-level-goodput', figure: goodputVsLoad(levels, { slo: input.slo ? formatSlo(input.slo) : undefined }) },
    { id: 'fig-level-ttft', figure: levelDistribution(requests, { metric: 'ttftMs' }) },
    { id: 'fig-level-itl', figure: levelDistribution(requests, { metric: 'itlMs' }) },
  ].filter((f) => f.figure.data.length > 0);
}

/** The load-level rows as an HTML table (escaped). */
export function levelTableHtml(levels: readonly LevelRow[]): string {
  return htmlTable(levelColumns(levels), levels);
}

function levelsSection(input: HtmlReportInput): string {
  const levels = input.levels ?? [];
  const figs = levelFigures(input);
  const note = `<p>One row per load level. Requests/s and output tok/s over the level's duration (first send to last end); latency percentiles over ok requests (ITL over every gap); warmup and cooldown requests excluded. ${input.slo ? `Goodput: the requests meeting every objective (${escapeHtml(formatSlo(input.slo))}); errors count as not good; the share has a Wilson 95 % interval.` : 'No SLO given (bench --slo ttft=…,tpot=…,e2e=…): no goodput.'} Client lag is how late the load generator sent requests; “client-bound” means the client, not the server, limited the level.</p>`;
  return levelTableHtml(levels) + note
    + figs.map((f) => figureHtml(f.figure, f.id)).join('\n');
}

/** Synthetic according to the rows; for models no row mentions, the '-twin' naming. */
function syntheticPredicate(rows: readonly SummaryRow[]): (m: string) => boolean {
  const synthetic = syntheticModelsOf(rows);
  const known = new Set(rows.map((r) => r.model));
  return (m) => synthetic.has(m) || (!known.has(m) && isSynthetic(m));
}

/** The figures of a report, by div id; empty figures are left out. */
export function reportFigures(input: HtmlReportInput): Array<{ id: string; figure: Figure }> {
  const pred = syntheticPredicate(input.rows);
  const requests = input.requests ?? [];
  const out: Array<{ id: string; figure: Figure }> = [
    { id: 'fig-latency-e2e', figure: latencyBars(input.rows, { metric: 'e2eMs' }) },
    { id: 'fig-latency-ttft', figure: latencyBars(input.rows, { metric: 'ttftMs' }) },
    { id: 'fig-ttft-box', figure: ttftBox(requests, { synthetic: pred }) },
    { id: 'fig-tokens-per-second', figure: tokensPerSecondBars(input.rows) },
    { id: 'fig-speedup', figure: speedupBars(input.comparisons ?? []) },
    { id: 'fig-latency-throughput', figure: latencyThroughputScatter(input.rows) },
  ];
  const req = timelineRequest(requests);
  if (req) out.push({ id: 'fig-token-timeline', figure: tokenTimeline(req, { synthetic: pred }) });
  return out.filter((f) => f.figure.data.length > 0);
}

/** The summary rows as an HTML table (escaped), for the report and for notebooks (showTable). */
export function summaryTableHtml(rows: readonly SummaryRow[]): string {
  return htmlTable(summaryColumns(rows), rows, 'summary');
}

export function comparisonTableHtml(rows: readonly ComparisonRow[]): string {
  return htmlTable(comparisonColumns(rows), rows);
}

/** Why there is no comparison row, in words that agree with the summary table above. */
function noComparisons(rows: readonly SummaryRow[]): string {
  const ran = rows.filter((r) => r.ok > 0);
  const distinct = (f: (r: SummaryRow) => string) => new Set(ran.map(f)).size;
  if (distinct((r) => r.model) > 1 || distinct((r) => r.provider) > 1 || distinct((r) => r.precision) > 1) {
    return `<p>No comparison could be computed: the ${ran.length} groups that ran share no setting they differ in by one axis only (see the summary table).</p>`;
  }
  return `<p>No comparisons: ${ran.length ? 'the groups that ran are of one model, provider and precision' : 'no group ran'} (see the summary table).</p>`;
}

function flagsSection(input: HtmlReportInput): string {
  const pred = syntheticPredicate(input.rows);
  const items: string[] = [];
  for (const r of input.rows) {
    const label = fullGroupLabel(r, r.synthetic);
    if (r.deterministic === false) items.push(`${label}: outputs differ between rounds at temperature ${r.temperature} (not deterministic).`);
    const out = [['E2E', r.e2eMs.outliers.length], ['TTFT', r.ttftMs.outliers.length], ['decode tok/s', r.decodeTokensPerSecond.outliers.length]] as const;
    const flagged = out.filter(([, n]) => n > 0).map(([m, n]) => `${m}: ${n}`);
    if (flagged.length) items.push(`${label}: outliers (MAD modified z-score > 3.5) — ${flagged.join(', ')}.`);
  }
  for (const c of input.cells ?? []) {
    if (c.deterministic === false) items.push(`cell ${c.cellId} (${modelLabel(c.model, pred(c.model))} · ${c.provider} · ${c.promptSetId}#${c.promptId}): ${c.distinctOutputs} distinct outputs across rounds.`);
  }
  const checked = input.rows.filter((r) => r.deterministic !== null).length;
  const head = `<p>Determinism checked for ${checked} of ${input.rows.length} group(s) (every round at temperature 0 must give the same output hash).</p>`;
  return head + (items.length ? `<ul class="flags">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>` : '<p>No determinism mismatches or outliers flagged.</p>');
}

function skippedSection(input: HtmlReportInput): string {
  const rows = input.rows.filter((r) => r.skipped > 0 || r.errors > 0);
  const reasons = new Map<string, Set<string>>();
  for (const q of input.requests ?? []) {
    if (q.status === 'ok' || !isMeasured(q) || !q.reason) continue;
    const k = `${q.model}\u0000${q.provider}\u0000${q.precision}`;
    if (!reasons.has(k)) reasons.set(k, new Set());
    reasons.get(k)!.add(`${q.status}: ${q.reason}`);
  }
  if (rows.length === 0) return '<p>Every group ran; no request failed or was skipped.</p>';
  const body = rows.map((r) => {
    const rs = [...(reasons.get(`${r.model}\u0000${r.provider}\u0000${r.precision}`) ?? [])];
    const why = r.skipReason ?? (rs.length ? rs.join('; ') : '-');
    return [fullGroupLabel(r, r.synthetic), String(r.ok), String(r.errors), String(r.skipped), why];
  });
  return textRowsHtml(['Group', 'ok', 'errors', 'skipped', 'Reason'], body, [false, true, true, true, false]);
}

function environmentSection(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return '<p>No run metadata in the results file.</p>';
  return runs.map((r) => {
    const m = r.machine;
    const pairs: Array<[string, string]> = [
      ['Run', `${r.runId} (${r.gridName}, grid ${r.gridHash.slice(0, 12)})`], ['Started', r.startedAt],
      ['CPU', `${m.cpuModel ?? 'unknown'} (${m.logicalCores} logical cores)`], ['RAM', `${(m.ramBytes / 2 ** 30).toFixed(1)} GiB`],
      ['OS', `${m.os.type} ${m.os.release} (${m.os.platform}, ${m.os.arch})`], ['Node', m.nodeVersion],
      ['onnxruntime-node', m.onnxruntimeNodeVersion ?? '-'], ['slmlab', `${m.slmlabVersion ?? '-'}${m.gitCommit ? ` (${m.gitCommit.slice(0, 12)})` : ''}`],
      ['Providers', (r.providers ?? []).map((p) => `${p.name}: ${p.usable ? 'usable' : `unusable${p.reason ? ` (${p.reason})` : ''}`}`).join('; ') || '-'],
      ['Overrides', (r.overrides ?? []).map((o) => JSON.stringify(o)).join('; ') || 'none'],
      ['Schedule', r.interleave ? `${r.interleave}${r.interleaveReason ? `: ${r.interleaveReason}` : ''}` : 'not recorded'],
      ['Load at start', r.loadAtStart ? `1-minute load ${r.loadAtStart.load1 ?? '?'} on ${r.loadAtStart.logicalCores} cores${r.loadAtStart.cpuPressureSome10 !== null ? `, CPU pressure ${r.loadAtStart.cpuPressureSome10} %` : ''}${r.loadAtStart.busy ? ' (busy: speeds below a quiet machine\'s)' : ''}` : 'not recorded'],
    ];
    return `<table class="kv">${pairs.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
  }).join('\n');
}

function metricsSection(): string {
  return `<dl class="metrics">${metricDefinitions().map((d) => `<dt>${escapeHtml(d.abbr)} — ${escapeHtml(d.name)}${d.unit ? ` (${escapeHtml(d.unit)})` : ''}</dt><dd>${escapeHtml(d.definition)}</dd>`).join('')}</dl>`
    + '<p>Medians come with a 95 % percentile-bootstrap confidence interval (seeded); speedups are candidate vs baseline, &gt; 1 meaning the candidate is faster. Warmup requests are excluded; failed requests are counted, not dropped.</p>';
}

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right}table.summary{width:100%;font-size:.8rem}table.summary th{overflow-wrap:break-word;hyphens:auto}table.summary td{overflow-wrap:anywhere}table.summary td:first-child{min-width:9em}table.summary th,table.summary td{padding:.25rem .35rem}thead th{background:#f3f3f3}table.kv th{background:#f8f8f8}.banner{background:#fff4d6;border:1px solid #e0b84c;padding:.8rem 1rem;border-radius:6px}
.slmlab-plot{margin:1rem 0}dt{font-weight:600;margin-top:.6rem}footer{color:#777;font-size:.8rem;margin-top:3rem}`;

export function toHtmlReport(input: HtmlReportInput): string {
  const title = input.title ?? 'slmlab benchmark report';
  const synthetic = [...syntheticModelsOf(input.rows)];
  const figures = reportFigures(input);
  const banner = synthetic.length
    ? `<div class="banner" id="synthetic-banner"><strong>Synthetic models:</strong> ${escapeHtml(synthetic.join(', '))} — real architecture with seeded random weights: their speed is real, their text is meaningless. They are marked “(synthetic)” everywhere below.</div>`
    : '';
  const comparisons = input.comparisons ?? [];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style>
${plotlyScriptTag()}
</head><body>
<h1>${escapeHtml(title)}</h1>
${banner}
<h2 id="summary">Summary</h2>
${summaryTableHtml(input.rows)}
${(input.levels ?? []).length ? `<h2 id="load-levels">Load levels</h2>\n${levelsSection(input)}` : ''}
<h2 id="figures">Figures</h2>
${figures.length ? figures.map((f) => figureHtml(f.figure, f.id)).join('\n') : '<p>No successful measurements to plot.</p>'}
<h2 id="comparisons">Comparisons</h2>
${comparisons.length ? comparisonTableHtml(comparisons) : noComparisons(input.rows)}
<h2 id="flags">Determinism and outliers</h2>
${flagsSection(input)}
<h2 id="skipped">Skipped and failed groups</h2>
${skippedSection(input)}
<h2 id="environment">Environment</h2>
${environmentSection(input.runs ?? [])}
<h2 id="metrics">How each metric is defined</h2>
${metricsSection()}
<footer>Generated by slmlab on ${escapeHtml((input.generatedAt ?? new Date()).toISOString())}. Self-contained: opens offline.</footer>
</body></html>
`;
}
