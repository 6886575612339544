// Chromium CPU profile of one receive benchmark run, by function (self time):
//   node bench/profile.mjs [contestant] [messages]
// e.g. `node bench/profile.mjs wsnotify 30000` after `npm run build`.
import { join } from 'node:path';
import { root } from '../scripts/lib.mjs';
import { launchBrowser } from '../tests/support/browser.mjs';
import { startBenchServers } from './servers.mjs';
import { serveBenchPage } from './site.mjs';
const site = await serveBenchPage(join(root, 'pkg'));
const messages = Number(process.argv[3] ?? 30000);
const servers = await startBenchServers(messages);
const browser = await launchBrowser();
const page = await browser.newPage();
await page.goto(site.url);
await page.waitForFunction(() => window.ready === true);
const urls = { ws: servers.wsUrl, io: servers.ioUrl };
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
for (const who of [process.argv[2] ?? 'wsnotify']) {
  await cdp.send('Profiler.start');
  const rate = await page.evaluate(([c, u, n]) => window.receive(c, u, n), [who, urls, messages]);
  const { profile } = await cdp.send('Profiler.stop');
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  let total = 0;
  for (const [id, c] of counts) {
    const n = byId.get(id);
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) ?? 0) + c);
    total += c;
  }
  console.log(who, Math.round(rate), 'msg/s; samples', total);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(String((100 * v / total).toFixed(1)).padStart(5), k);
}
await browser.close();
await servers.close();
site.close();
