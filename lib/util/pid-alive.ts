/**
 * Whether process `pid` on this machine is running: signal 0 probes without sending
 * (kill(2): https://man7.org/linux/man-pages/man2/kill.2.html). EPERM means it exists but
 * belongs to another user. A live pid is not proof that the process is ours: callers that
 * signal it check its identity first (lib/client/service-identity.ts).
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
