/** toJsonl: records (of any line type) as JSON lines, one per line, ending with '\n'. */
export function toJsonl(records: readonly object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}
