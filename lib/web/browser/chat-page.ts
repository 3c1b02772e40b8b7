/**
 * The RAG chat page: documents in, BM25 passages out (lib/rag's own retrieve() and prompt,
 * bundled), the answer streamed from this service's /v1/chat/completions, the passages shown
 * as numbered citations under it, and a latency chart of the last answers per model.
 *
 * URL parameters: ?model=<id or alias> preselects a model; ?docs=<id> loads a document set
 * posted by `slmlab chat --docs …` (default: the workshop's three DOCS).
 */
import type { RagDocument } from '../../rag/chunk';
import { buildIndex, retrieve, type RagIndex, type RetrievedPassage } from '../../rag/retrieve';
import { ragMessages } from '../../rag/prompt';
import { byId, el, servedModels, streamChat, syntheticNoteFor, type ServedModel } from './chat-stream';
import { drawLatencyChart, type AnswerLatency } from './latency-chart';

const params = new URLSearchParams(location.search);
let docs: RagDocument[] = [];
let index: RagIndex = buildIndex([]);
let models: ServedModel[] = [];
const latencies: AnswerLatency[] = [];

const modelSelect = byId<HTMLSelectElement>('model');
const note = byId<HTMLParagraphElement>('model-note');

function setDocs(next: RagDocument[]): void {
  docs = next;
  index = buildIndex(docs);
  const list = byId<HTMLOListElement>('docs');
  list.replaceChildren(...docs.map((d, i) => {
    const remove = el('button', { type: 'button', title: `remove ${d.source}`, textContent: '×' });
    remove.addEventListener('click', () => setDocs(docs.filter((_, j) => j !== i)));
    const preview = d.text.length > 140 ? d.text.slice(0, 140) + '…' : d.text;
    return el('li', {}, el('b', { textContent: d.source }), ' ', preview, remove);
  }));
  byId('doc-count').textContent = `${docs.length} document${docs.length === 1 ? '' : 's'}, ${index.passages.length} passages`;
}

async function loadDocset(id: string): Promise<void> {
  const res = await fetch(`/web/chat/docsets/${encodeURIComponent(id)}`);
  const body = await res.json() as { docs?: RagDocument[]; error?: { message: string } };
  if (!res.ok || !body.docs) throw new Error(body.error?.message ?? `document set ${id}: ${res.status}`);
  setDocs(body.docs);
}

function showModelNote(): void {
  const m = models.find((x) => x.id === modelSelect.value);
  note.hidden = !m?.synthetic;
  note.textContent = m?.synthetic ? syntheticNoteFor(m.id) : '';
}

function uniqueSource(name: string): string {
  const base = name || `pasted ${docs.length + 1}`;
  let s = base;
  for (let i = 2; docs.some((d) => d.source === s); i++) s = `${base} (${i})`;
  return s;
}

function citationList(hits: RetrievedPassage[]): HTMLElement {
  if (!hits.length) return el('p', { className: 'hint', textContent: 'No passage shares a word with the question: the model was told the context is empty.' });
  return el('ol', { className: 'citations' }, ...hits.map((h) => {
    const li = el('li', {}, el('b', { textContent: h.id }), ` (BM25 ${h.score.toFixed(2)}) `, h.text);
    li.dataset.source = h.source;
    li.dataset.id = h.id;
    return li;
  }));
}

async function ask(question: string): Promise<void> {
  const k = Number(byId<HTMLSelectElement>('k').value);
  const maxTokens = Number(byId<HTMLInputElement>('max-tokens').value) || 96;
  const model = modelSelect.value;
  const hits = retrieve(question, index, k);
  const conversation = byId('conversation');
  conversation.append(el('div', { className: 'msg user' }, el('div', { className: 'text', textContent: question })));
  const text = el('div', { className: 'text' });
  const stats = el('div', { className: 'stats', textContent: `${model} · retrieving ${hits.length} passage(s), waiting for the first token…` });
  const answer = el('div', { className: 'msg assistant' }, text, citationList(hits), stats);
  answer.dataset.state = 'streaming';
  conversation.append(answer);
  try {
    const r = await streamChat({ model, messages: ragMessages(question, hits), max_tokens: maxTokens }, (piece) => { text.textContent += piece; });
    const tps = r.engine?.decode_tokens_per_second;
    // A model's first answer also waits for the model to load: shown apart, and left out of TTFT and total
    // (and of the chart), so the first answer compares with the next ones.
    const loadMs = Math.max(0, r.engine?.load_wait_ms ?? 0);
    const ttftMs = r.ttftMs === null ? null : Math.max(0, r.ttftMs - loadMs);
    const totalMs = Math.max(0, r.totalMs - loadMs);
    stats.textContent = `${model}${r.engine?.synthetic ? ' (synthetic)' : ''} · ${loadMs >= 20 ? `model load ${Math.round(loadMs)} ms (first use) · ` : ''}` +
      `TTFT ${ttftMs === null ? '–' : Math.round(ttftMs)} ms · total ${Math.round(totalMs)} ms` +
      `${r.completionTokens !== null ? ` · ${r.completionTokens} tokens` : ''}${tps ? ` · ${tps.toFixed(1)} tok/s decode` : ''} · ${r.finishReason ?? ''}`;
    answer.dataset.loadMs = String(Math.round(loadMs));
    latencies.push({ model, ttftMs: ttftMs ?? totalMs, totalMs });
    drawLatencyChart(byId('chart'), latencies, 10);
    answer.dataset.deltas = String(r.deltas);
    answer.dataset.state = 'done';
  } catch (e) {
    stats.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
    stats.classList.add('error');
    answer.dataset.state = 'error';
  }
}

async function main(): Promise<void> {
  // Cached models first, and among them CPU variants (a GPU variant needs its provider on this machine).
  const rank = (m: ServedModel) => (m.cached ? 0 : 2) + (m.provider === 'cpu' ? 0 : 1);
  models = (await servedModels()).sort((a, b) => rank(a) - rank(b));
  modelSelect.replaceChildren(...models.map((m) => el('option', { value: m.id, textContent: `${m.id}${m.synthetic ? ' (synthetic)' : ''}${m.cached ? '' : ' (not downloaded)'}` })));
  const wanted = params.get('model');
  const pick = models.find((m) => m.id === wanted) ?? models.find((m) => m.alias === wanted && m.provider === 'cpu')
    ?? models.find((m) => m.alias === wanted) ?? models.find((m) => m.cached);
  if (pick) modelSelect.value = pick.id;
  modelSelect.addEventListener('change', showModelNote);
  showModelNote();
  await loadDocset(params.get('docs') ?? 'workshop');

  byId('ask').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = byId<HTMLTextAreaElement>('question');
    const question = q.value.trim();
    if (!question) return;
    q.value = '';
    const send = byId<HTMLButtonElement>('send');
    send.disabled = true;
    void ask(question).finally(() => { send.disabled = false; q.focus(); });
  });
  byId('question').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); byId<HTMLFormElement>('ask').requestSubmit(); }
  });
  byId('doc-add').addEventListener('click', () => {
    const text = byId<HTMLTextAreaElement>('doc-text');
    if (!text.value.trim()) return;
    setDocs([...docs, { source: uniqueSource(byId<HTMLInputElement>('doc-name').value.trim()), text: text.value }]);
    text.value = '';
    byId<HTMLInputElement>('doc-name').value = '';
  });
  byId<HTMLInputElement>('doc-files').addEventListener('change', async (e) => {
    const files = [...((e.target as HTMLInputElement).files ?? [])];
    const added: RagDocument[] = [];
    for (const f of files) added.push({ source: uniqueSource(f.name), text: await f.text() });
    setDocs([...docs, ...added]);
  });
  byId('doc-reset').addEventListener('click', () => { void loadDocset('workshop'); });
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  note.hidden = false;
  note.textContent = `the page could not start: ${e instanceof Error ? e.message : String(e)}`;
});
