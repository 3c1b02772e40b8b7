/**
 * Escaping for everything a report prints: results carry text we do not control (model
 * names, outputs, error reasons), so every string goes through one of these.
 */

/** Text for an HTML element or a quoted attribute. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * JSON that is safe inside a <script> element: '<' becomes \u003c (so neither `</script` nor
 * `<!--` can appear), and U+2028/2029 are escaped for old JS parsers. Still valid JSON.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Script source made safe to inline: no `</script` can end the element early. */
export function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A Markdown table cell: pipes escaped, line breaks flattened. */
export function escapeMarkdownCell(s: unknown): string {
  return String(s ?? '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ')
    .replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
