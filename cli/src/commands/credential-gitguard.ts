import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { UserError } from "../ui/errors.js";

/**
 * Refuses a plaintext secrets file that git would commit: tracked, or inside a work tree and not ignored.
 * Outside a repository, or without git, there is nothing to guard.
 *
 * @example
 * assertNotCommittable("credentials.yaml"); // throws when `git add credentials.yaml` would stage it
 */
export function assertNotCommittable(file: string): void {
  const abs = resolve(file);
  const git = (...args: string[]) => spawnSync("git", args, { cwd: dirname(abs), encoding: "utf8" });
  const top = git("rev-parse", "--show-toplevel");
  if (top.error || top.status !== 0) return;
  const tracked = git("ls-files", "--error-unmatch", "--", abs).status === 0;
  const ignored = git("check-ignore", "-q", "--", abs).status === 0;
  if (!tracked && ignored) return;
  throw new UserError(
    tracked
      ? `${file} holds plaintext secrets and is tracked by git (${top.stdout.trim()})`
      : `${file} holds plaintext secrets and git would commit it: it is not in .gitignore`,
    tracked
      ? `Remove it from git (\`git rm --cached ${file}\`), add it to .gitignore, rotate the secrets it held, then push again`
      : `Add \`${file}\` to .gitignore (or keep the file outside the repository), then push again`,
  );
}
