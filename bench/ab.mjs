// Receive (or send) throughput of two builds of the package, as multiples
// of raw WebSocket, measured the way `npm run bench` measures it but
// interleaved: each build in a page of its own in one browser, the pages
// taking turns, raw and wsnotify one after the other in each turn.
//   node bench/ab.mjs <pkg dir A> <pkg dir B> [messages] [rounds] [receive|send]
// e.g. after copying `pkg/` of two builds aside. Used for the A/B figures in
// bench/findings.md; not part of `npm run bench`.
import { resolve } from 'node:path';
import { launchBrowser } from '../tests/support/browser.mjs';
import { startBenchServers } from './servers.mjs';
import { serveBenchPage } from './site.mjs';
import { median } from './stats.mjs';

const [dirA, dirB] = process.argv.slice(2, 4).map((dir) => dir && resolve(dir));
if (!dirA || !dirB) {
  console.error('usage: node bench/ab.mjs <pkg dir A> <pkg dir B> [messages] [rounds]');
  process.exit(2);
}
const messages = Number(process.argv[4] ?? 100_000);
const rounds = Number(process.argv[5] ?? 12);
const direction = process.argv[6] ?? 'receive';
if (direction !== 'receive' && direction !== 'send') {
  console.error('the direction is "receive" or "send"');
  process.exit(2);
}
const WARM_UP = Math.min(10_000, messages);
const CONTESTANTS = ['raw WebSocket', 'wsnotify'];

const servers = await startBenchServers(messages);
const browser = await launchBrowser();
const urls = { ws: servers.wsUrl, io: servers.ioUrl };
const timeout = { timeout: 120_000 };
const builds = [];
const sites = [];
for (const [name, dir] of [['A', dirA], ['B', dirB]]) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page ${name}: ${error.message}`));
  const site = await serveBenchPage(dir);
  sites.push(site);
  await page.goto(site.url);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
  for (const contestant of CONTESTANTS) {
    await page.evaluate(([d, c, u, n]) => window[d](c, u, n), [direction, contestant, urls, WARM_UP], timeout);
  }
  builds.push({ name, dir, page, ratios: [] });
}
for (let round = 0; round < rounds; round += 1) {
  // Alternate which build goes first.
  for (const build of round % 2 ? [...builds].reverse() : builds) {
    await build.page.bringToFront();
    const rates = [];
    for (const contestant of CONTESTANTS) {
      rates.push(await build.page.evaluate(([d, c, u, n]) => window[d](c, u, n), [direction, contestant, urls, messages], timeout));
    }
    build.ratios.push(rates[1] / rates[0]);
    console.log(`round ${round + 1}/${rounds} ${build.name}: raw ${Math.round(rates[0])}/s, wsnotify ${Math.round(rates[1])}/s, ${(rates[1] / rates[0]).toFixed(3)}×`);
  }
}
const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
const deviation = (values) => Math.sqrt(mean(values.map((value) => (value - mean(values)) ** 2)));
for (const { name, dir, ratios } of builds) {
  console.log(`${name} (${dir}): ×raw mean ${mean(ratios).toFixed(3)}, median ${median(ratios).toFixed(3)}, sd ${deviation(ratios).toFixed(3)}, ${ratios.length} rounds`);
}
await browser.close();
await servers.close();
for (const site of sites) site.close();
