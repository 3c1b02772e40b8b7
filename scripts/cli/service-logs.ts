/**
 * `slmlab service logs` (= `slmlab server logs`, Foundry Local CLI 0.10's spelling): the end of
 * the background service's log file, <cacheDir>/logs/service.log (lib/service/daemon.ts writes
 * the service's output there: JSON lines per request, start and stop markers).
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { logFilePath } from '../../lib/app/daemon';
import { fail } from './exit-codes';
import { integer } from './parse';

/** The last `lines` lines of `file`, reading at most its last 4 MiB. */
export function lastLines(file: string, lines: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4 * 1024 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    let all = buf.toString('utf8').split('\n');
    if (len < size) all = all.slice(1); // the first line read is cut
    if (all[all.length - 1] === '') all.pop();
    return all.slice(-lines).join('\n');
  } finally {
    fs.closeSync(fd);
  }
}

export function registerServiceLogs(service: Command): void {
  service.command('logs')
    .description('print the end of the background service\'s log file')
    .option('--lines <n>', 'how many lines (default 50)', integer('--lines', 1), 50)
    .option('--path', 'print only the log file\'s path')
    .action((o: { lines: number; path?: boolean }) => {
      try {
        const file = logFilePath();
        if (o.path) { process.stdout.write(file + '\n'); return; }
        if (!fs.existsSync(file)) {
          process.stderr.write(`slmlab: no service log yet (${file}): the background service writes it (\`slmlab service start\`)\n`);
          return;
        }
        process.stderr.write(`${file}:\n`);
        const text = lastLines(file, o.lines);
        process.stdout.write(text ? text + '\n' : '');
      } catch (e) {
        fail(e);
      }
    });
}
