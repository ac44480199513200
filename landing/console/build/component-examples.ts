/**
 * `virtual:component-examples`: for each built-in component (registry/components/{name}/), the example input of its
 * first succeeding test case (cases.json) and the workflow snippet of its README (the first ```yaml block).
 * Built into the console at build time (the Worker has no file system); the catalogue imports it lazily.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Plugin } from "vite";

const ID = "virtual:component-examples";
const RESOLVED = `\0${ID}`;

interface Case {
  input?: unknown;
  expect?: { error?: unknown };
}

export function componentExamples(registry: string): Plugin {
  return {
    name: "arcrun-component-examples",
    resolveId: (id) => (id === ID ? RESOLVED : null),
    load(id) {
      if (id !== RESOLVED) return null;
      const out: Record<string, { input?: unknown; yaml?: string }> = {};
      for (const name of readdirSync(registry).sort()) {
        const dir = join(registry, name);
        if (!existsSync(join(dir, "component.json"))) continue;
        const entry: { input?: unknown; yaml?: string } = {};
        const cases = join(dir, "cases.json");
        if (existsSync(cases)) {
          this.addWatchFile(cases);
          const ok = (JSON.parse(readFileSync(cases, "utf8")) as Case[]).find((c) => c.expect && !c.expect.error);
          if (ok && "input" in ok) entry.input = ok.input;
        }
        const readme = join(dir, "README.md");
        if (existsSync(readme)) {
          this.addWatchFile(readme);
          const m = /```yaml\n([\s\S]*?)```/.exec(readFileSync(readme, "utf8"));
          if (m?.[1]) entry.yaml = m[1].trimEnd();
        }
        out[name] = entry;
      }
      return `export default ${JSON.stringify(out)};`;
    },
  };
}
