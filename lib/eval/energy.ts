/**
 * Energy of a piece of work. CPU time is that of the whole process tree (lib/util/proc/cpu-time.ts):
 * this process (the notebook kernel or the CLI, and the embedded service inside it), every
 * engine process it started (one per loaded model) and any child that ran and exited
 * meanwhile (counted through cutime/cstime once reaped); off Linux, this process only.
 * Measured where Linux exposes RAPL counters
 * (/sys/class/powercap/intel-rapl:N/energy_uj, package domains; often root-only, absent in VMs
 * and on many AMD kernels): joules = Δenergy_uj / 1e6, with the counter's wrap at
 * max_energy_range_uj handled. Otherwise an ESTIMATE, labelled as such:
 *   joules ≈ CPU-seconds of the process tree × (assumed TDP / logical cores)
 * i.e. each busy core-second is charged its share of the package's thermal design power. It
 * ignores idle power, memory, turbo and GPUs; good for an order of magnitude, not a measurement.
 *
 *   const m = energyMeter();  await work();  const e = m.stop();   // e.method, e.joules, e.note
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { treeCpuSeconds } from '../util/proc/cpu-time';

export const POWERCAP_DIR = '/sys/class/powercap';
/** Assumed package TDP when RAPL is not readable; change it for your CPU (a laptop ~15 W, a desktop ~65 W, a server 100-300 W). */
export const DEFAULT_ASSUMED_TDP_W = 65;

interface RaplDomain { file: string; maxUj: number }

/** Top-level RAPL package domains whose counters this process can read. */
export function raplDomains(dir = POWERCAP_DIR): RaplDomain[] {
  let names: string[];
  try { names = fs.readdirSync(dir).filter((n) => /^intel-rapl:\d+$/.test(n)); } catch { return []; }
  const out: RaplDomain[] = [];
  for (const n of names) {
    const file = path.join(dir, n, 'energy_uj');
    try {
      fs.readFileSync(file, 'utf8');
      const maxUj = Number(fs.readFileSync(path.join(dir, n, 'max_energy_range_uj'), 'utf8'));
      out.push({ file, maxUj: Number.isFinite(maxUj) ? maxUj : 0 });
    } catch { /* not readable: skip */ }
  }
  return out;
}

export interface EnergyReading {
  method: 'rapl' | 'estimate';
  joules: number;
  /** Watt-hours (joules / 3600). */
  wh: number;
  /** CPU time of the process tree (this process, its children alive or exited): see `cpuScope`. */
  cpuSeconds: number;
  /** Whose CPU time: 'process tree' (Linux /proc) or 'this process' (elsewhere). */
  cpuScope: 'process tree' | 'this process';
  /** This process's own share of cpuSeconds. */
  selfCpuSeconds: number;
  /** Processes counted at the end (this one first); live ones only, exited children are in the total. */
  pids: number[];
  wallSeconds: number;
  assumedTdpW: number | null;
  note: string;
}

export interface EnergyMeter { stop(): EnergyReading }

export function energyMeter(options: { assumedTdpW?: number; powercapDir?: string } = {}): EnergyMeter {
  const domains = raplDomains(options.powercapDir);
  const read = () => domains.map((d) => Number(fs.readFileSync(d.file, 'utf8')));
  const start = read();
  const cpu0 = process.cpuUsage();
  const tree0 = treeCpuSeconds(process.pid).seconds;
  const t0 = performance.now();
  return {
    stop(): EnergyReading {
      const cpu = process.cpuUsage(cpu0);
      const selfCpuSeconds = (cpu.user + cpu.system) / 1e6;
      const tree = treeCpuSeconds(process.pid);
      const scoped = tree0 !== null && tree.seconds !== null;
      const cpuSeconds = scoped ? tree.seconds! - tree0! : selfCpuSeconds;
      const cpuScope = scoped ? 'process tree' as const : 'this process' as const;
      const pids = scoped ? tree.pids : [process.pid];
      const wallSeconds = (performance.now() - t0) / 1000;
      if (domains.length > 0) {
        const end = read();
        const uj = end.reduce((a, v, i) => a + (v >= start[i] ? v - start[i] : v + domains[i].maxUj - start[i]), 0);
        const joules = uj / 1e6;
        return { method: 'rapl', joules, wh: joules / 3600, cpuSeconds, cpuScope, selfCpuSeconds, pids, wallSeconds, assumedTdpW: null,
          note: `measured: RAPL package counters (${domains.length} domain(s)), whole CPU package, every process` };
      }
      const tdp = options.assumedTdpW ?? DEFAULT_ASSUMED_TDP_W;
      const cores = os.availableParallelism();
      const joules = cpuSeconds * (tdp / cores);
      return { method: 'estimate', joules, wh: joules / 3600, cpuSeconds, cpuScope, selfCpuSeconds, pids, wallSeconds, assumedTdpW: tdp,
        note: `ESTIMATE (RAPL not readable here): ${cpuSeconds.toFixed(1)} CPU-s of ${cpuScope === 'process tree' ? 'this process and its engine processes' : 'this process only'} × ${tdp} W assumed TDP / ${cores} cores; assumes busy cores draw an equal share of TDP, idle power, memory and GPUs left out` };
    },
  };
}
