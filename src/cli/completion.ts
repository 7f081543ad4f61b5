// `lock2nix completion bash|zsh|fish`: completion scripts written from the commands' own option
// tables, so a new option completes without editing a script.
import { UsageError } from "../errors.js";
import { suggestion } from "./args.js";
import type { Command } from "./common.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;

function optionNames(command: Command): string[] {
  return Object.entries(command.options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

function bash(commands: Record<string, Command>): string {
  const cases = Object.entries(commands).map(([name, c]) => `    ${name}) opts="${optionNames(c).join(" ")}" ;;`);
  return `# lock2nix completion for bash: eval "$(lock2nix completion bash)"
_lock2nix() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(commands).join(" ")} help completion --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join("\n")}
    help) opts="${Object.keys(commands).join(" ")}" ;;
    completion) opts="${SHELLS.join(" ")}" ;;
  esac
  if [[ "$cur" == -* || "\${COMP_WORDS[1]}" == help || "\${COMP_WORDS[1]}" == completion ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _lock2nix lock2nix
`;
}

function zsh(commands: Record<string, Command>): string {
  const cases = Object.entries(commands).map(([name, c]) => `    ${name}) _arguments ${Object.keys(c.options).map((o) => `'--${o}[]'`).join(" ")} '*:file:_files' ;;`);
  return `#compdef lock2nix
# lock2nix completion for zsh: lock2nix completion zsh > "\${fpath[1]}/_lock2nix"
_lock2nix() {
  if (( CURRENT == 2 )); then
    compadd ${Object.keys(commands).join(" ")} help completion
    return
  fi
  case "$words[2]" in
${cases.join("\n")}
    help) compadd ${Object.keys(commands).join(" ")} ;;
    completion) compadd ${SHELLS.join(" ")} ;;
  esac
}
compdef _lock2nix lock2nix
`;
}

function fish(commands: Record<string, Command>): string {
  const top = `complete -c lock2nix -n __fish_use_subcommand -f -a '${Object.keys(commands).join(" ")} help completion'`;
  const lines = Object.entries(commands).flatMap(([name, c]) =>
    Object.entries(c.options).map(([o, spec]) => `complete -c lock2nix -n '__fish_seen_subcommand_from ${name}' -l ${o}${spec.short ? ` -s ${spec.short}` : ""}${spec.type === "string" ? " -r" : ""}`),
  );
  return `# lock2nix completion for fish: lock2nix completion fish > ~/.config/fish/completions/lock2nix.fish
${top}
complete -c lock2nix -n '__fish_seen_subcommand_from help' -f -a '${Object.keys(commands).join(" ")}'
complete -c lock2nix -n '__fish_seen_subcommand_from completion' -f -a '${SHELLS.join(" ")}'
${lines.join("\n")}
`;
}

/** The completion script for `shell`. */
export function completionScript(shell: string | undefined, commands: Record<string, Command>): string {
  if (shell === "bash") return bash(commands);
  if (shell === "zsh") return zsh(commands);
  if (shell === "fish") return fish(commands);
  const expected = `expected one of ${SHELLS.join(", ")}`;
  throw new UsageError(shell === undefined ? `completion: name a shell (${expected})` : `completion ${shell}: ${expected}${suggestion(shell, SHELLS)}`);
}
