// Optional: the contents view in the REAL extension host (the offline VS Code of scripts/test-host),
// against a real segment, to check what the fake host cannot: VS Code's own CSP and webview
// resource URLs, and how byte arrays survive postMessage. Makes its own IPC_PRIVATE segment of
// 256 KiB with python3 + ctypes (the first 16 KiB written, the rest never touched so not resident,
// a counter at offset 0x10 changing every 200 ms), opens it with "IPC: Open Contents",
// takes screenshots to test-results/webview-harness/real-*.png, and removes the segment.
//   node test/webview-harness/realHost.js      (after `node esbuild.js`; needs the test host installed)
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '../..');
const out = path.join(root, 'test-results', 'webview-harness');
const { startServer, launchChromium } = require(path.join(root, 'scripts/test-host/server.js'));

const WRITER = `
import ctypes, sys, time, signal, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
size = 256 * 1024
shmid = libc.shmget(0, size, 0o1600)  # IPC_PRIVATE | IPC_CREAT | 0600
if shmid < 0: sys.exit('shmget failed: %d' % ctypes.get_errno())
addr = libc.shmat(shmid, None, 0)
def remove(*_):
    libc.shmctl(shmid, 0, None)  # IPC_RMID
    os._exit(0)
signal.signal(signal.SIGTERM, remove)
text = b'IPC Inspector real host check. '
page = bytes((text * 200)[:4096])
for p in range(4):
    ctypes.memmove(addr + p * 4096, page, 4096)
ctypes.memmove(addr + 0x2000, b'NEEDLE in shared memory', 23)
print(shmid, flush=True)
n = 0
try:
    while True:
        n += 1
        ctypes.memmove(addr + 0x10, n.to_bytes(4, 'little'), 4)
        time.sleep(0.2)
finally:
    remove()
`;

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const writer = childProcess.spawn('python3', ['-c', WRITER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const shmid = await new Promise((resolve, reject) => {
    writer.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    writer.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
  });
  console.log(`segment ${shmid}`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'contents-view-real-'));
  const server = await startServer({ workspace, extensionDevelopmentPath: root });
  const browser = await launchChromium();
  const problems = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      const t = m.text();
      if (process.env.VERBOSE) console.log(`[console] ${t}`);
      if (/Content Security Policy|Refused to/i.test(t)) problems.push(t);
    });
    await page.goto(server.workbenchUrl());
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(4000);
    await page.keyboard.press('F1');
    await page.keyboard.type('IPC: Open Contents');
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await page.keyboard.type(String(shmid));
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    let frame;
    for (let i = 0; i < 60 && !frame; i++) {
      await page.waitForTimeout(500);
      for (const f of page.frames()) {
        if (await f.$('.grid').catch(() => null)) frame = f;
      }
    }
    if (!frame) throw new Error('no contents view frame appeared');
    try {
      await frame.waitForFunction(() => document.querySelector('.rowbox .row:not(.void)') && !document.querySelector('.rowbox .r.ld'), null, {
        timeout: 20000,
      });
    } catch (error) {
      await page.screenshot({ path: path.join(out, 'real-failure.png') });
      console.log(
        await frame.evaluate(() => ({
          message: document.querySelector('.statusbar').textContent,
          rows: document.querySelectorAll('.rowbox .row').length,
          html: document.querySelector('.rowbox').innerHTML.slice(0, 600),
        })),
      );
      throw error;
    }
    await page.waitForTimeout(700);
    await page.screenshot({ path: path.join(out, 'real-top.png') });
    const first = await frame.evaluate(() => document.querySelector('.rowbox .row .txtcol').textContent);
    console.log(`first row text: ${first}`);
    if (!first.startsWith('IPC Inspector re')) problems.push(`unexpected first row: ${first}`);
    await frame.fill('#goto', '0x4000');
    await frame.press('#goto', 'Enter');
    await page.waitForTimeout(800);
    const nr = await frame.evaluate(() => document.querySelectorAll('.rowbox .r.nr').length);
    console.log(`non-resident runs on screen after 0x4000: ${nr}`);
    if (nr === 0) problems.push('untouched pages were not shown as non-resident');
    await page.screenshot({ path: path.join(out, 'real-nonresident.png') });
    await frame.fill('#goto', '0x10');
    await frame.press('#goto', 'Enter');
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(out, 'real-live.png') });
    const changes = await frame.evaluate(() => document.querySelectorAll('.rowbox .ov.chg-a:not([hidden]), .rowbox .ov.chg-b:not([hidden])').length);
    console.log(`change highlights on screen: ${changes}`);
    if (changes === 0) problems.push('no live change highlighted');
    await frame.click('.find .seg-btn:has-text("Text")');
    await frame.fill('#find', 'needle');
    await frame.press('#find', 'Enter');
    await frame.waitForFunction(() => /Found|Not found/.test(document.querySelector('.find-status').textContent), null, { timeout: 20000 });
    const found = await frame.textContent('.find-status');
    console.log(`search: ${found}`);
    if (!found.includes('0x002000')) problems.push(`search: ${found}`);
    await page.screenshot({ path: path.join(out, 'real-search.png') });
  } finally {
    await browser.close();
    await server.stop();
    writer.kill('SIGTERM');
    fs.rmSync(workspace, { recursive: true, force: true });
  }
  console.log(problems.length ? `PROBLEMS:\n${problems.join('\n')}` : 'real host: ok');
  process.exitCode = problems.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
