/**
 * What `ricochet <command> --help` says (commander's format): the options a command takes and their
 * defaults, read from the CLI itself so the compose checks never repeat a default by hand.
 */
import { spawnSync } from 'node:child_process';
import { repoPath } from '../support/paths';

export interface CommandHelp {
  command: string;
  /** Every long flag (`--sources`), short flag (`-c`) and spelled-out alias (`-qps`) the command accepts. */
  flags: Set<string>;
  /** Long flag → its default as commander prints it (`(default: "127.0.0.1:18000")`). */
  defaults: Map<string, string>;
}

/** Runs `node bin/ricochet.js <command> --help`; throws with its output if it fails. */
export function commandHelp(command: string): CommandHelp {
  const r = spawnSync(process.execPath, [repoPath('bin', 'ricochet.js'), command, '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`ricochet ${command} --help exited ${String(r.status ?? r.signal)}: ${r.stderr}${r.stdout}`);
  const help = parseCommandHelp(command, r.stdout);
  // Without a command of that name commander prints the program's help, whose usage line differs.
  if (!new RegExp(`^Usage: ricochet ${command}\\b`, 'm').test(r.stdout)) throw new Error(`ricochet has no command ${command}:\n${r.stdout}`);
  return help;
}

/**
 * Commander prints one option per entry: `  -c, --connections <n>   description (default: "4")`,
 * the description wrapped onto lines indented further. Entries are joined back before reading the
 * default, so a default the terminal width wrapped is still found.
 */
export function parseCommandHelp(command: string, text: string): CommandHelp {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^Options:/.test(l));
  const entries: string[] = [];
  for (const line of start >= 0 ? lines.slice(start + 1) : []) {
    if (/^\S/.test(line)) break; // the next section (Commands:, Arguments:)
    if (/^ {2}-/.test(line)) entries.push(line.trim());
    else if (line.trim() !== '' && entries.length > 0) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  const flags = new Set<string>();
  const defaults = new Map<string, string>();
  for (const entry of entries) {
    const names = (/^((?:-{1,2}[\w-]+(?:,\s*)?)+)/.exec(entry)?.[1] ?? '').split(/,\s*/).filter(Boolean);
    for (const n of names) flags.add(n);
    // fortio's single-dash spellings the CLI also takes, named in the description: "(also -qps)".
    for (const alias of entry.matchAll(/\balso (-[\w-]+)/g)) flags.add(alias[1]);
    const long = names.find((n) => n.startsWith('--'));
    // `(default: "x")`, or `(choices: "a", "b", default: "a")`; not a `; default: ...` in prose.
    const m = /[(,]\s*default: ("(?:[^"\\]|\\.)*"|[^,)]+)\)\s*$/.exec(entry);
    if (long && m) defaults.set(long, m[1].startsWith('"') ? (JSON.parse(m[1]) as string) : m[1].trim());
  }
  return { command, flags, defaults };
}
