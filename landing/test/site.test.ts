import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const registry = join(root, "..", "registry", "components");

describe("landing site", () => {
  it("builds, and lists every registry component and the two commands", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "arcrun-landing-"));
    await build({ root, logLevel: "silent", build: { outDir, emptyOutDir: true } });
    const assets = readdirSync(join(outDir, "assets"));
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(outDir, "assets", f), "utf8"));
    const bundle = js.join("\n");
    expect(readFileSync(join(outDir, "index.html"), "utf8")).toContain("<title>arcrun");
    expect(bundle).toContain("npm ci && npm start");
    expect(bundle).toContain("npm test");
    const names = readdirSync(registry, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .filter((d) => readdirSync(join(registry, d.name)).includes("component.json"))
      .map((d) => JSON.parse(readFileSync(join(registry, d.name, "component.json"), "utf8")).name as string);
    for (const name of names) expect(bundle).toContain(JSON.stringify(name));
  });
});
