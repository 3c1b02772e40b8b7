/**
 * Requests that Node's HTTP parser refuses before any handler sees them (a bad or negative
 * Content-Length, both Transfer-Encoding and Content-Length, a header block or URL over the
 * limit, a missing Host, a request that never finishes) still get an OpenAI-shaped JSON body,
 * written straight to the socket: Node's default is an empty 400 or 431.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { OpenAIErrorBody } from './errors';

interface ParserError extends Error { code?: string; bytesParsed?: number }

/** The status and message for a parser error code (llhttp's HPE_* codes, Node's ERR_HTTP_*). */
export function describeClientError(code: string | undefined): { status: number; message: string } {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: 'the request line and headers are too large (a URL or header of many kilobytes): send a shorter URL and put data in a JSON body' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, message: 'the request was not completed in time: send the whole request at once' };
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, message: 'the Content-Length header is not a non-negative whole number: send the body\'s length in bytes' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { status: 400, message: 'the request has both Transfer-Encoding and Content-Length: send only one of them' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return { status: 400, message: 'the Transfer-Encoding header is not valid: use chunked, or send Content-Length instead' };
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, message: 'a chunk of the chunked body has an invalid size: check the client\'s chunked encoding' };
    default:
      return { status: 400, message: `the request is not valid HTTP/1.1 (${code ?? 'parse error'}): check the request line, the headers (Host is required) and the body framing` };
  }
}

/** The raw HTTP response for a parser error: status line, JSON headers, body; the connection closes. */
export function clientErrorResponse(err: ParserError): string {
  const { status, message } = describeClientError(err.code);
  return rawErrorResponse(status, message);
}

/** An OpenAI-shaped error as raw HTTP/1.1 text, for sockets no ServerResponse exists for. */
export function rawErrorResponse(status: number, message: string, code = 'bad_http_request'): string {
  const body: OpenAIErrorBody = { error: { message, type: 'invalid_request_error', param: null, code } };
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`;
}

/** The server's 'clientError' listener. */
export function onClientError(err: ParserError, socket: Duplex): void {
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (err.code === 'ECONNRESET' || !socket.writable || answering) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err));
}

/** CONNECT requests ('connect' event): this is not a proxy. */
export function onConnect(_req: unknown, socket: Duplex): void {
  socket.end(rawErrorResponse(405, 'CONNECT is not supported: this is an OpenAI-compatible service, not a proxy', 'method_not_allowed'));
}
