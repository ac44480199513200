import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ClientConfig } from "../config/index.js";
import { UserError } from "../ui/errors.js";

const mtime = (f: string) => (existsSync(f) ? statSync(f).mtimeMs : 0);

/**
 * Refuses to run a component's cases on a configured platform that cannot be running this build of it:
 * the executor bundles built-in components when it is built, so a platform started before the build (or
 * on an executor bundled before it) would test the old code and report its results as this code's.
 *
 * @example
 * assertPlatformHasBuild(cfg, root, "set", row.built);
 */
export function assertPlatformHasBuild(cfg: ClientConfig, root: string, name: string, rebuiltNow: boolean): void {
  const wasm =
    mtime(join(root, ".component-builds", name, `${name}.wasm`)) ||
    mtime(join(root, ".component-builds", name, "worker.js"));
  const bundle = mtime(join(root, "cypher-executor", "dist", "index.js"));
  const started = cfg.source === "dev.json" && cfg.file ? mtime(cfg.file) : 0;
  const reason = rebuiltNow
    ? `${name} was rebuilt just now`
    : wasm > bundle
      ? `${name} was built after the executor bundle`
      : started && bundle > started
        ? "the executor was rebuilt after the platform started"
        : undefined;
  if (!reason) return;
  throw new UserError(
    `${cfg.url} runs an older build of "${name}" (${reason}): its results would not be this code's`,
    `Run \`acr component test ${name} --local\` (a throwaway platform with this build), or \`npm run build -w cypher-executor\` and restart \`acr dev\` (on Cloudflare: \`acr deploy cypher-executor\`), then test again`,
  );
}
