import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo root (or the installed package root), found from this file. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "cypher-executor", "wrangler.jsonc"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("cannot find the arcrun project root (cypher-executor/wrangler.jsonc)");
}

/** Where the built executor bundle lives. */
export function executorDist(root = projectRoot()): string {
  return join(root, "cypher-executor", "dist");
}

/** Where the component builds live: `.component-builds` in a checkout, `components` in the npm package. */
export function componentBuilds(root = projectRoot()): string {
  const packed = join(root, "components");
  return existsSync(join(root, ".component-builds")) || !existsSync(packed) ? join(root, ".component-builds") : packed;
}

/** True when running from the npm package (prebuilt; nothing to compile), not from a checkout. */
export function isPackaged(root = projectRoot()): boolean {
  return !existsSync(join(root, "registry", "scripts", "build.mjs"));
}

/** The console's generated worker (`npm run build:console -w landing`), served at /console. */
export function consoleWorker(root = projectRoot()): string {
  return join(root, "landing", "dist-console", "worker.js");
}

/** What makes a `.arcrun` folder a local platform's home (not just `~/.arcrun/config.yaml`). */
const HOME_MARKERS = ["dev.json", "state", "serve-state"];

/**
 * The local platform's home: the nearest `.arcrun` folder from `cwd` upwards that holds a platform
 * (`dev.json`, `state/` or `serve-state/`), as wrangler finds its config; else `./.arcrun`. So `acr dev`
 * run again from `examples/` restarts the checkout's own platform (same state, same tenant) instead of
 * making a second one there.
 *
 * @example
 * localHome("/repo/examples"); // "/repo/.arcrun" once `acr dev` ran in /repo
 */
export function localHome(cwd = process.cwd()): string {
  for (let dir = resolve(cwd); ; ) {
    const home = join(dir, ".arcrun");
    if (HOME_MARKERS.some((m) => existsSync(join(home, m)))) return home;
    const up = dirname(dir);
    if (up === dir) return resolve(cwd, ".arcrun");
    dir = up;
  }
}
