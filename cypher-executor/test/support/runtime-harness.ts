import { mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { KV_BINDINGS } from "../../../cli/src/platform/local";
import type { ComponentOutcome } from "../../src/runtime/types";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

/** The runtime test worker on workerd, with real KV and the test components. */
export interface RuntimeHarness {
  mf: Miniflare;
  encryptionKey: string;
  call(
    name: string,
    body: {
      input?: unknown;
      limits?: Record<string, number>;
      keyHash: string;
      scan?: string[];
      jspi?: boolean;
      reuse?: boolean;
    },
  ): Promise<{ outcome: ComponentOutcome; memory_contains: boolean[] }>;
  /** The isolate's instance-pool counters (lib/instance-pool.ts). */
  stats(): Promise<{ instantiated: number; reused: number; restored: number; discarded: number }>;
  dispose(): Promise<void>;
}

/**
 * Bundles test/support/runtime-worker.ts (esbuild, wasm left as modules) and starts it on workerd.
 * Needs `node registry/scripts/build.mjs --testdata` first.
 *
 * @example
 * const h = await startRuntimeHarness({ encryptionKey, allowHosts: ["127.0.0.1"] });
 */
export async function startRuntimeHarness(opts: {
  encryptionKey: string;
  allowHosts?: string[];
}): Promise<RuntimeHarness> {
  const outdir = join(root, ".component-builds", ".harness");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "runtime-worker.js");
  await build({
    entryPoints: [join(here, "runtime-worker.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile,
    logLevel: "error",
    // The `code` component's QuickJS glue: its workerd build, as wrangler picks it.
    external: ["node:*"],
    conditions: ["workerd", "worker", "browser"],
    plugins: [
      {
        name: "wasm-modules",
        setup(b) {
          // Keep each .wasm an ES module import, relative to the bundle, for workerd's CompiledWasm rule.
          b.onResolve({ filter: /\.wasm$/ }, (a) => ({
            path: `./${relative(outdir, resolve(a.resolveDir, a.path)).replace(/\\/g, "/")}`,
            external: true,
          }));
        },
      },
    ],
  });
  const mf = new Miniflare({
    modules: true,
    scriptPath: outfile,
    modulesRoot: root,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    kvNamespaces: Object.fromEntries(KV_BINDINGS.map((b) => [b, `h-${b.toLowerCase()}`])),
    bindings: {
      ENCRYPTION_KEY: opts.encryptionKey,
      ARCRUN_ENV: "local",
      ARCRUN_ALLOW_HOSTS: (opts.allowHosts ?? []).join(","),
    },
    host: "127.0.0.1",
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  return {
    mf,
    encryptionKey: opts.encryptionKey,
    async call(name, body) {
      const res = await fetch(`${url}/call/${name}`, { method: "POST", body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`harness ${res.status}: ${await res.text()}`);
      return (await res.json()) as { outcome: ComponentOutcome; memory_contains: boolean[] };
    },
    stats: async () => (await fetch(`${url}/stats`)).json() as never,
    dispose: () => mf.dispose(),
  };
}
