import type { Command } from "commander";

interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

/** Every command path with its subcommands and long options, read from commander's tree. */
function walk(cmd: Command, path: string[] = []): Node[] {
  const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
  const node: Node = {
    path,
    subcommands: subs.map((c) => c.name()),
    options: cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l)),
  };
  return [node, ...subs.flatMap((c) => walk(c, [...path, c.name()]))];
}

function bash(nodes: Node[]): string {
  const cases = nodes
    .map((n) => `    "${n.path.join(" ")}") words="${[...n.subcommands, ...n.options, "--help"].join(" ")}" ;;`)
    .join("\n");
  const known = nodes
    .filter((n) => n.path.length)
    .map((n) => `"${n.path.join(" ")}"`)
    .join(" ");
  return `# acr completion for bash: source <(acr completion bash)
_acr() {
  local cur path="" w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) if [ -z "$path" ]; then path="$w"; else path="$path $w"; fi ;; esac
  done
  # Operands (a workflow name, a file) are not commands: drop trailing words until a command path is left.
  while [ -n "$path" ] && ! printf '%s\n' ${known} | grep -qx "$path"; do
    case "$path" in *" "*) path="\${path% *}" ;; *) path="" ;; esac
  done
  case "$path" in
${cases}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _acr acr
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef acr
# acr completion for zsh: source <(acr completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).replace("# acr completion for bash: source <(acr completion bash)\n", "")}`;
}

function fish(nodes: Node[]): string {
  const lines = ["# acr completion for fish: acr completion fish | source", "complete -c acr -f"];
  for (const n of nodes) {
    const cond =
      n.path.length === 0 ? "__fish_use_subcommand" : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subcommands) lines.push(`complete -c acr -n '${cond}' -a '${s}'`);
    for (const o of n.options) lines.push(`complete -c acr -n '${cond}' -l '${o.replace(/^--/, "")}'`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * `acr completion bash|zsh|fish`: prints a completion script generated from the command tree.
 *
 * @example
 * registerCompletion(program); // acr completion bash > /etc/bash_completion.d/acr
 */
export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("Print a shell completion script (bash, zsh or fish)")
    .argument("<shell>", "bash | zsh | fish")
    .addHelpText(
      "after",
      "\nExamples:\n  $ source <(acr completion bash)     # add to ~/.bashrc\n  $ source <(acr completion zsh)      # add to ~/.zshrc\n  $ acr completion fish > ~/.config/fish/completions/acr.fish\n",
    )
    .action((shell: string) => {
      const nodes = walk(program);
      const out = { bash, zsh, fish }[shell as "bash"];
      if (!out) {
        program.error(`error: unknown shell "${shell}"; allowed: bash, zsh, fish`, { exitCode: 2 });
      }
      process.stdout.write(out(nodes));
    });
}
