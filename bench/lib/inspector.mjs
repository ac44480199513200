// workerd's inspector (`--inspector-addr`): one DevTools target per worker service, i.e. per isolate.
import { createRequire } from "node:module";
import { join } from "node:path";
import { root } from "./platforms.mjs";

// Miniflare's own `ws`, so the bench needs no WebSocket dependency of its own.
const WebSocket = createRequire(createRequire(join(root, "cli", "package.json")).resolve("miniflare"))("ws");

/**
 * A DevTools session on every isolate behind the inspector at `port`. `call` answers the whole message
 * (`{ id, result }`); close each session when done.
 *
 * @example
 * for (const s of await inspectIsolates(9229)) { await s.call("Profiler.enable"); s.close(); }
 */
export async function inspectIsolates(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const sessions = [];
  for (const t of targets) {
    const ws = new WebSocket(t.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    let id = 0;
    const pending = new Map();
    ws.on("message", (m) => {
      const msg = JSON.parse(m.toString());
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    });
    const call = (method, params = {}) =>
      new Promise((resolve) => {
        pending.set(++id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    sessions.push({ title: t.title, call, close: () => ws.close() });
  }
  return sessions;
}

/**
 * V8 heap usage (bytes) of every isolate behind the inspector at `port`.
 *
 * @example
 * const heaps = await heapUsage(9229); // [{ title, used, total }, …]
 */
export async function heapUsage(port) {
  const heaps = [];
  for (const s of await inspectIsolates(port)) {
    const { result } = await s.call("Runtime.getHeapUsage");
    s.close();
    heaps.push({ title: s.title, used: result.usedSize, total: result.totalSize });
  }
  return heaps;
}
