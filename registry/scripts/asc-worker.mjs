// One long-lived AssemblyScript compiler (a worker thread of build.mjs). Compiling in a warm process
// is 2-3x faster than a fresh `node asc.js` per component: most of a cold compile is V8 warming up
// asc and binaryen. Output is byte-identical to the CLI's (same argv).
import { parentPort } from "node:worker_threads";
import asc from "assemblyscript/asc";

parentPort.on("message", async (args) => {
  try {
    const r = await asc.main(args, {});
    const text = `${r.stdout.toString()}${r.stderr.toString()}`;
    parentPort.postMessage({ error: r.error ? r.error.message : null, text });
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err), text: "" });
  }
});
