// Bench only (bench/activationBench.ts installs it beside the VSIX; never packaged): VS Code's
// extension host marks "code/extHost/willLoadExtensionCode/<id>" and "didLoadExtensionCode/<id>"
// right around the require of each extension's main file, in its own performance marks
// (globalThis.MonacoPerformanceMarks). Running Extensions cannot show that interval: it starts an
// extension's clock before the other extensions activated by the same event have been loaded one
// after the other, so a later extension's "Load Code" includes theirs. This probe activates with
// the first ("*"), waits until every extension named in IPCINSP_PROBE_IDS has been loaded, and
// writes each one's marks (ms) to IPCINSP_PROBE_OUT.
'use strict';
const fs = require('fs');

const POLL_MS = 50;
const GIVE_UP_MS = 120_000;

function loadTimes(ids) {
  const marks = globalThis.MonacoPerformanceMarks?.getMarks() ?? [];
  const at = (name) => marks.find((m) => m.name === name)?.startTime;
  const times = {};
  for (const id of ids) {
    const will = at(`code/extHost/willLoadExtensionCode/${id}`);
    const did = at(`code/extHost/didLoadExtensionCode/${id}`);
    if (will === undefined || did === undefined) return undefined;
    times[id] = { willLoad: will, didLoad: did };
  }
  return times;
}

exports.activate = () => {
  const ids = (process.env.IPCINSP_PROBE_IDS ?? '').split(',').filter(Boolean);
  const out = process.env.IPCINSP_PROBE_OUT;
  if (!out || ids.length === 0) return;
  const started = Date.now();
  const timer = setInterval(() => {
    const times = loadTimes(ids);
    if (times || Date.now() - started > GIVE_UP_MS) {
      clearInterval(timer);
      fs.writeFileSync(out, JSON.stringify(times ?? { error: `no load marks for ${ids.join(', ')} after ${GIVE_UP_MS} ms` }));
    }
  }, POLL_MS);
};
