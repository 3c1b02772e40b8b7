/**
 * One port for the class: `slmlab service start`, `slmlab chat` and `slmlab browser` all start
 * the service through startOnWorkshopPort(): the preferred port when free, else a free port with
 * a note naming it; a page opened while a service runs reuses that service. Real detached service
 * processes in a temp cache; the preferred port is a free one picked here (tests never use 5273).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { stopDaemon } from '../lib/app/daemon';
import { choosePort, startOnWorkshopPort } from '../lib/app/workshop-port';
import { pageUrl } from '../lib/app/open-page';
import { makeTempDir, removeTempDir } from './helpers/models';

const root = makeTempDir();
const cache = path.join(root, 'cache');
after(async () => {
  await stopDaemon({ cacheDir: cache });
  removeTempDir(root);
});

function hold(port = 0): Promise<net.Server> {
  return new Promise((resolve) => { const s = net.createServer().listen(port, '127.0.0.1', () => resolve(s)); });
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
async function freePort(): Promise<number> {
  const s = await hold();
  const p = portOf(s);
  await new Promise((r) => s.close(r));
  return p;
}

test('choosePort: an explicit port is kept; the preferred one when free; else 0 with a note', async () => {
  const busy = await hold();
  try {
    assert.deepEqual(await choosePort('127.0.0.1', 1234, portOf(busy)), { port: 1234, note: null });
    const free = await freePort();
    assert.deepEqual(await choosePort('127.0.0.1', undefined, free), { port: free, note: null });
    const taken = await choosePort('127.0.0.1', undefined, portOf(busy));
    assert.equal(taken.port, 0);
    assert.match(taken.note!, new RegExp(`port ${portOf(busy)} .* is in use`));
  } finally { busy.close(); }
});

test('the service takes the preferred port; a page opened then reuses that service', async () => {
  const preferred = await freePort();
  const s = await startOnWorkshopPort({ cacheDir: cache, preferredPort: preferred });
  assert.equal(s.port, preferred);
  assert.equal(s.note, null);
  assert.equal(s.alreadyRunning, false);
  const page = await pageUrl({ page: 'chat', cacheDir: cache, preferredPort: await freePort() });
  assert.equal(page.started, false, 'the running service is reused, not a second one started');
  assert.equal(page.service, s.url);
  assert.equal(page.url, `${s.url}/chat`);
  assert.equal(page.note, null);
  const again = await startOnWorkshopPort({ cacheDir: cache, preferredPort: preferred });
  assert.equal(again.alreadyRunning, true);
  assert.equal(again.note, null, 'our own service on the preferred port is not "in use by something else"');
  await stopDaemon({ cacheDir: cache });
});

test('a page started while the preferred port is taken starts the service elsewhere and says which port', async () => {
  const busy = await hold();
  try {
    const page = await pageUrl({ page: 'browser', cacheDir: cache, preferredPort: portOf(busy) });
    assert.equal(page.started, true);
    const port = Number(new URL(page.service).port);
    assert.notEqual(port, portOf(busy));
    assert.match(page.note!, new RegExp(`port ${portOf(busy)} \\(the workshop's\\) is in use .* it listens on ${page.service.replace(/[.]/g, '\\.')} `));
    const restarted = await startOnWorkshopPort({ cacheDir: cache, preferredPort: port, restart: true });
    assert.equal(restarted.port, port, 'restart frees the port first, then takes the preferred one');
    assert.notEqual(restarted.stoppedPid, null);
  } finally {
    busy.close();
    await stopDaemon({ cacheDir: cache });
  }
});
