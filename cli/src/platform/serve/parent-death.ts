import { existsSync } from "node:fs";

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"];

/**
 * The command line that runs `command` so that the kernel kills it when this process dies, however it dies: on
 * Linux through util-linux's `setpriv --pdeathsig KILL` (which then execs `command`, same pid). workerd runs in its
 * own process group (so a terminal's Ctrl-C reaches only acr, which drains first); without this, an acr killed by
 * SIGKILL or the OOM killer left its workerd running and holding the port. Elsewhere, or without setpriv, the
 * command as given (acr's exit hook still stops workerd on every exit it lives through).
 *
 * @example
 * const [file, args] = killedWithParent(workerdBinary(), ["serve", "--binary", "-"]);
 * spawn(file, args, { detached: true });
 */
export function killedWithParent(command: string, args: string[]): [string, string[]] {
  const setpriv = process.platform === "linux" ? SETPRIV.find((p) => existsSync(p)) : undefined;
  return setpriv ? [setpriv, ["--pdeathsig", "KILL", "--", command, ...args]] : [command, args];
}
