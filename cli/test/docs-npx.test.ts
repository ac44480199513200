import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// Every `npx <name>` we document must run something of this checkout (a bin in node_modules/.bin after
// `npm ci`) or our own package: npx asks the public registry for any other name, and installs it without
// asking in CI or without a terminal. `acr`, `arcrun` and the @arcrun scope are unclaimed there today.
const root = join(import.meta.dirname, "..", "..");
const OURS = new Set(["@arcrun/cli"]);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (f === "node_modules" || f === "dist") return [];
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(f) ? [p] : [];
  });
}

describe("documented npx commands", () => {
  it("name only local bins or our package; acr's bin is linked from a committed file", () => {
    const docs = [
      join(root, "README.md"),
      ...files(join(root, "docs"), /\.md$/),
      ...files(join(root, "landing", "src"), /\.tsx?$/),
    ];
    const bad: string[] = [];
    for (const file of docs) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/npx ((?:--?[a-z-]+ )*)([@a-zA-Z0-9/._-]+)/g)) {
        const name = m[2] ?? "";
        // Prose that warns against a name ("never `npx arcrun`") is not a command.
        const line = text.slice(text.lastIndexOf("\n", m.index) + 1, text.indexOf("\n", m.index));
        if (/\bnever\b/i.test(line)) continue;
        const local = existsSync(join(root, "node_modules", ".bin", name));
        if (!local && !OURS.has(name)) bad.push(`${file.slice(root.length + 1)}: npx ${name}`);
      }
    }
    expect(bad).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(root, "cli", "package.json"), "utf8")) as { bin: Record<string, string> };
    expect(pkg.bin.acr).toBe("bin/acr.js");
    expect(existsSync(join(root, "cli", pkg.bin.acr))).toBe(true);
  });
});
