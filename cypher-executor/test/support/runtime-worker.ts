// Test-only worker (never deployed): the real ComponentRuntime over the built-in AND the test
// components (.component-builds/.testdata), so host functions can be exercised with test wasm
// that must not ship in the executor. The caller names the tenant, which only a test may do.

import { components as testdata } from "../../../.component-builds/.testdata/index";
import { components as builtins } from "../../../.component-builds/index";
import type { Env } from "../../src/env";
import { adoptInstance, poolStats, type Reusable, restoreInstance } from "../../src/lib/instance-pool";
import { codeComponent } from "../../src/runtime/code/index";
import {
  type Interpreter,
  interpreterStats,
  releaseInterpreter,
  takeInterpreter,
} from "../../src/runtime/code/sandbox";
import { createRuntime } from "../../src/runtime/index";
import type { ComponentLimits } from "../../src/runtime/types";

// `code` as the executor has it (its QuickJS sandbox), so its steps can be measured and probed here too.
const runtime = createRuntime({ ...builtins, ...testdata }, { code: codeComponent });

interface CallRequest {
  input?: unknown;
  limits?: ComponentLimits;
  keyHash: string;
  scan?: string[];
  /** Benchmarks: run the call this many times and report per-call microseconds. */
  repeat?: number;
  /** Benchmarks: force the JSPI bridge on or off. */
  jspi?: boolean;
  /** Benchmarks: `false` instantiates every call afresh. */
  reuse?: boolean;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/stats") return Response.json(poolStats);
    if (path === "/code-stats") return Response.json(interpreterStats);
    // Which of the strings are anywhere in the linear memory of the pooled `code` interpreter(s).
    if (path === "/code-scan") return Response.json(await scanInterpreters((await request.json()) as string[]));
    if (path.startsWith("/restore/")) return restoreBench(path.slice("/restore/".length), Number(await request.text()));
    const name = path.replace(/^\/call\//, "");
    const body = (await request.json()) as CallRequest;
    const tenant = { keyHash: body.keyHash, ns: "testns", role: "user" as const, label: "", createdAt: "" };
    const found: boolean[] = [];
    if (body.repeat) {
      // workerd's clock is coarse (1 ms): time the whole batch, the caller divides.
      const ctx = { env, tenant, ...(body.limits ? { limits: body.limits } : {}) };
      let last: unknown;
      const t0 = performance.now();
      const opts = {
        ...(body.jspi !== undefined ? { jspi: body.jspi } : {}),
        ...(body.reuse !== undefined ? { reuse: body.reuse } : {}),
      };
      for (let i = 0; i < body.repeat; i++) last = await runtime.callWith(name, body.input ?? {}, ctx, opts);
      return Response.json({ total_us: (performance.now() - t0) * 1000, outcome: last });
    }
    const outcome = await runtime.callWith(
      name,
      body.input ?? {},
      { env, tenant, ...(body.limits ? { limits: body.limits } : {}) },
      {
        inspectMemory: (memory) => {
          for (const s of body.scan ?? []) found.push(contains(memory, s));
        },
        ...(body.jspi !== undefined ? { jspi: body.jspi } : {}),
        ...(body.reuse !== undefined ? { reuse: body.reuse } : {}),
      },
    );
    return Response.json({ outcome, memory_contains: found });
  },
};

/**
 * Benchmarks: the restore alone (memory + globals back to the snapshot), `repeat` times on one
 * instance whose imports are inert stubs. Never put on a free list.
 */
function restoreBench(name: string, repeat: number): Response {
  const module = ({ ...builtins, ...testdata } as Record<string, { module: WebAssembly.Module }>)[name]?.module;
  if (!module) return new Response("no such component", { status: 404 });
  const imports: Record<string, Record<string, () => number>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    imports[i.module] ??= {};
    imports[i.module]![i.name] = () => 0;
  }
  const instance = new WebAssembly.Instance(module, imports);
  const sandbox: Reusable = { instance, memory: instance.exports.memory as WebAssembly.Memory };
  if (!adoptInstance(module, sandbox)) return new Response("not reusable", { status: 409 });
  const pages = sandbox.memory!.buffer.byteLength / 65536;
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) restoreInstance(module, sandbox);
  return Response.json({ total_us: (performance.now() - t0) * 1000, pages });
}

/** UTF-8 or UTF-16LE (AssemblyScript strings) occurrence of `s` in memory. */
function contains(memory: Uint8Array, s: string): boolean {
  const utf8 = new TextEncoder().encode(s);
  const utf16 = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    utf16[i * 2] = s.charCodeAt(i) & 255;
    utf16[i * 2 + 1] = s.charCodeAt(i) >> 8;
  }
  return find(memory, utf8) || find(memory, utf16);
}

function find(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Takes every free `code` interpreter, scans its memory for each string, and gives them back. */
async function scanInterpreters(strings: string[]): Promise<{ interpreters: number; found: boolean[] }> {
  const created = interpreterStats.created;
  const taken: Interpreter[] = [];
  // Only interpreters already free: a new one (created by takeInterpreter) means the pool is empty.
  for (let i = 0; i < 8; i++) {
    const it = await takeInterpreter();
    if (interpreterStats.created !== created) {
      interpreterStats.created--;
      break;
    }
    taken.push(it);
  }
  const found = strings.map((s) => taken.some((it) => contains(new Uint8Array(it.wasmMemory.buffer), s)));
  for (const it of taken) releaseInterpreter(it, true);
  return { interpreters: taken.length, found };
}
