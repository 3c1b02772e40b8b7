/**
 * Foundry Local 0.10's vocabulary, accepted beside slmlab's own verbs so the workshop's commands
 * work unchanged:
 *   slmlab run <model> ...        -> slmlab model run <model> ...
 *   slmlab status                 -> slmlab service status
 *   slmlab server start|stop|...  -> slmlab service ...     (a commander alias, see service.ts)
 *   slmlab model show <model>     -> slmlab model info ...  (a commander alias)
 *   slmlab cache rm <id>          (already an alias of cache remove)
 *   --output json / --output=json -> --json
 * Rewriting happens before commander parses, on the verb position only (first argument).
 */
export const FOUNDRY_ALIASES_HELP = `Foundry Local 0.10 aliases: \`slmlab run <model>\` (= model run), \`slmlab status\` (= service status),
\`slmlab server start|stop|status\` (= service ...), \`slmlab model show <model>\` (= model info),
\`slmlab cache rm <id>\`, and \`--output json\` (= --json).`;

export function rewriteFoundryArgv(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--output' && args[i + 1] === 'json') { out.push('--json'); i++; continue; }
    if (a === '--output=json') { out.push('--json'); continue; }
    out.push(a);
  }
  if (out[0] === 'run') return ['model', ...out];
  if (out[0] === 'status') return ['service', ...out];
  return out;
}
