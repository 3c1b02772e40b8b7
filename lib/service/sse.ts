/**
 * Server-sent events as OpenAI streams them: `data: <json>\n\n` per chunk, `data: [DONE]\n\n`
 * at the end. Chunks written in the same tick (several tokens that arrived together) leave in
 * one socket write: the response is corked on the first write and uncorked on the next tick.
 */
import type { ServerResponse } from 'node:http';

export class SseWriter {
  private corked = false;
  private ended = false;

  constructor(private readonly res: ServerResponse) {}

  get started(): boolean { return this.res.headersSent; }

  /**
   * Sets the status line and headers (idempotent). They leave with the first event, in one
   * packet with it, rather than in a write of their own.
   */
  start(headers: Record<string, string> = {}): void {
    if (this.res.headersSent) return;
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...headers,
    });
  }

  /** One event whose data is already-serialised JSON. */
  data(json: string): void {
    this.write(`data: ${json}\n\n`);
  }

  /** A named event (`event: <name>`, then its data), as the Responses API streams them. */
  event(name: string, json: string): void {
    this.write(`event: ${name}\ndata: ${json}\n\n`);
  }

  private write(text: string): void {
    if (this.ended || this.res.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => this.uncork());
    }
    this.res.write(text);
  }

  /** `data: [DONE]` and the end of the response. */
  done(): void {
    this.data('[DONE]');
    this.end();
  }

  /** An OpenAI error object as an event (the openai client throws it as an APIError), then the end. */
  error(body: unknown): void {
    this.data(JSON.stringify(body));
    this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    // Node >= 22 drops what is still corked when end() comes first: flush it before ending.
    this.uncork();
    this.res.end();
  }

  private uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  }
}

/**
 * Serialises chat.completion.chunk objects for one response. The envelope (id, created, model)
 * is fixed per response, so the per-token chunk is two precomputed strings around the content.
 */
export class ChunkFormatter {
  private readonly head: string;
  private readonly contentPrefix: string;
  private static readonly contentSuffix = '},"logprobs":null,"finish_reason":null}]}';

  constructor(readonly id: string, readonly created: number, readonly model: string) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    this.contentPrefix = `${this.head}[{"index":0,"delta":{"content":`;
  }

  /** The first chunk: the assistant role and empty content. */
  role(): string {
    return `${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`;
  }

  content(text: string): string {
    return this.contentPrefix + JSON.stringify(text) + ChunkFormatter.contentSuffix;
  }

  /** A content chunk with cumulative usage (stream_options.continuous_usage_stats, as vLLM sends it). */
  contentWithUsage(text: string, promptTokens: number, completionTokens: number): string {
    const usage = `{"prompt_tokens":${promptTokens},"completion_tokens":${completionTokens},"total_tokens":${promptTokens + completionTokens}}`;
    return `${this.contentPrefix}${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}],"usage":${usage}}`;
  }

  /** The chunk carrying finish_reason, with slmlab's extension field. */
  finish(reason: string, extension: unknown): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}],"slmlab":${JSON.stringify(extension)}}`;
  }

  /** stream_options.include_usage: the last chunk, with no choices and the usage. */
  usage(usage: unknown): string {
    return `${this.head}[],"usage":${JSON.stringify(usage)}}`;
  }
}
