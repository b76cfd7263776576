// Screenshots a page of the Temporal Web UI with headless Chromium (Debian's `chromium` package), for the
// pictures in docs/operations.md: the UI is a single-page app that loads its data after the load event, so
// this waits (real time, bounded) over the DevTools protocol instead of using --screenshot, which fires too early.
// Usage: node --experimental-websocket scripts/ui-screenshot.mjs <url> <out.png> [width] [height] [waitMs]
/* global fetch, WebSocket, clearTimeout -- Node's own (WebSocket behind --experimental-websocket on Node 20) */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [url, out, width = '1440', height = '1500', waitMs = '6000'] = process.argv.slice(2);
if (!url || !out) throw new Error('usage: ui-screenshot.mjs <url> <out.png> [width] [height] [waitMs]');
const binary = process.env.CHROMIUM ?? '/usr/lib/chromium/chromium';
const browser = spawn(binary, [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars',
  `--window-size=${width},${height}`, '--remote-debugging-port=0', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });
const kill = setTimeout(() => { browser.kill(); throw new Error('gave up after 60 s'); }, 60_000);

const endpoint = await new Promise((resolve) => {
  let log = '';
  browser.stderr.on('data', (d) => {
    log += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(log);
    if (m) resolve(m[1]);
  });
});
const targets = await (await fetch(endpoint.replace('ws://', 'http://').replace(/\/devtools\/browser\/.*/, '/json'))).json();
const ws = new WebSocket(targets.find((t) => t.type === 'page').webSocketDebuggerUrl);
await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
let next = 0;
const pending = new Map();
ws.addEventListener('message', (e) => {
  const msg = JSON.parse(e.data);
  if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg.result);
});
const send = (method, params = {}) => new Promise((resolve) => {
  const id = ++next;
  pending.set(id, resolve);
  ws.send(JSON.stringify({ id, method, params }));
});

await send('Page.enable');
await send('Page.navigate', { url });
await new Promise((r) => setTimeout(r, Number(waitMs))); // the UI fetches and renders its data meanwhile
const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: false });
writeFileSync(out, Buffer.from(data, 'base64'));
console.log(`wrote ${out}`);
clearTimeout(kill);
ws.close();
browser.kill();
