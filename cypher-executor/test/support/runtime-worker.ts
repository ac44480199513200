// Test-only worker (never deployed): the real ComponentRuntime over the built-in AND the test
// components (.component-builds/.testdata), so host functions can be exercised with test wasm
// that must not ship in the executor. The caller names the tenant, which only a test may do.

import { components as testdata } from "../../../.component-builds/.testdata/index";
import { components as builtins } from "../../../.component-builds/index";
import type { Env } from "../../src/env";
import { createRuntime } from "../../src/runtime/index";
import type { ComponentLimits } from "../../src/runtime/types";

const runtime = createRuntime({ ...builtins, ...testdata });

interface CallRequest {
  input?: unknown;
  limits?: ComponentLimits;
  keyHash: string;
  scan?: string[];
  /** Benchmarks: run the call this many times and report per-call microseconds. */
  repeat?: number;
  /** Benchmarks: force the JSPI bridge on or off. */
  jspi?: boolean;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const name = new URL(request.url).pathname.replace(/^\/call\//, "");
    const body = (await request.json()) as CallRequest;
    const tenant = { keyHash: body.keyHash, ns: "testns", role: "user" as const, label: "", createdAt: "" };
    const found: boolean[] = [];
    if (body.repeat) {
      // workerd's clock is coarse (1 ms): time the whole batch, the caller divides.
      const ctx = { env, tenant, ...(body.limits ? { limits: body.limits } : {}) };
      let last: unknown;
      const t0 = performance.now();
      const opts = body.jspi !== undefined ? { jspi: body.jspi } : {};
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
      },
    );
    return Response.json({ outcome, memory_contains: found });
  },
};

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
