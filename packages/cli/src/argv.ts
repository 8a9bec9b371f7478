import type { ArgDef, CommandDef } from 'citty';
import { CliError, EXIT } from './errors.js';

type AnyCommand = CommandDef;

async function resolve<T>(value: T | Promise<T> | (() => T | Promise<T>)): Promise<T> {
  return typeof value === 'function' ? (value as () => T | Promise<T>)() : value;
}

/** The command an argv names, the path to it (`wg-sync garmin login`) and its parent (for usage). */
export interface ResolvedCommand {
  command: AnyCommand;
  parent: AnyCommand | undefined;
  /** `['wg-sync', 'garmin', 'login']`. */
  path: string[];
  /** The arguments after the command names. */
  rest: string[];
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment): `logn` → `login` is 1,
 * `dyr-run` → `dry-run` is 1.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const above = d[i - 1] as number[];
      row[j] = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The closest candidate to a typo, when it is close enough to be what was meant. */
export function closest(typo: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(typo.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(typo.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function usageError(message: string, path: string[], suggestion?: string): CliError {
  return new CliError(`${message}${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, {
    exitCode: EXIT.USAGE,
    fix: `see: ${path.join(' ')} --help`,
  });
}

/**
 * The command `argv` names, refusing an unknown command (with the nearest one as a suggestion) or a
 * group named without its command. Flags before the command name are refused: citty drops them.
 */
export async function resolveCommand(root: AnyCommand, argv: string[]): Promise<ResolvedCommand> {
  let command = root;
  let parent: AnyCommand | undefined;
  const path = [String((await resolve(root.meta))?.name ?? 'wg-sync')];
  let rest = argv;
  for (;;) {
    const subs = (await resolve(command.subCommands)) as Record<string, AnyCommand> | undefined;
    if (!subs || Object.keys(subs).length === 0) return { command, parent, path, rest };
    const first = rest[0];
    // `wg-sync garmin --help`: the group's own usage.
    if (first?.startsWith('-') && rest.some(isHelp)) return { command, parent, path, rest };
    if (first === undefined || first.startsWith('-')) {
      const fallback = await resolve(command.default);
      if (fallback && subs[fallback]) {
        // `wg-sync accounts` runs `accounts list`; its flags are checked there.
        parent = command;
        command = await resolve(subs[fallback]);
        path.push(fallback);
        continue;
      }
      if (first === undefined) {
        throw new CliError(`${path.join(' ')} needs a command: ${Object.keys(subs).join(', ')}`, {
          exitCode: EXIT.USAGE,
          fix: `see: ${path.join(' ')} --help`,
        });
      }
      throw new CliError(`${first.split('=')[0]} must come after the command`, {
        exitCode: EXIT.USAGE,
        fix: `put options after the command: ${path.join(' ')} <${Object.keys(subs).join('|')}> ${first.split('=')[0]} …`,
      });
    }
    const next = subs[first];
    if (!next) throw usageError(`unknown command ${first}`, path, closest(first, Object.keys(subs)));
    parent = command;
    command = await resolve(next);
    path.push(first);
    rest = rest.slice(1);
  }
}

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

/** `dry-run` → `dryRun`: citty accepts both spellings of every flag. */
function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Checks a command's arguments before anything runs: every flag is one the command declares (a
 * misspelt `--dry-rn` would otherwise be ignored and the real thing done), string flags have a value,
 * enum values are allowed ones, required ones are there, and no positional argument is left over.
 * @throws CliError (exit 2) naming the argument, with the nearest valid flag as a suggestion.
 */
export async function checkArguments(resolved: ResolvedCommand): Promise<void> {
  const { command, path, rest } = resolved;
  const defs = Object.entries((await resolve(command.args)) ?? {}) as Array<[string, ArgDef]>;
  const flags = new Map<string, { name: string; def: ArgDef; negated: boolean }>();
  for (const [name, def] of defs) {
    if (def.type === 'positional') continue;
    for (const spelling of [name, camel(name)]) flags.set(`--${spelling}`, { name, def, negated: false });
    if (def.type === 'boolean') flags.set(`--no-${name}`, { name, def, negated: true });
    for (const alias of [(def as { alias?: string | string[] }).alias ?? []].flat()) {
      flags.set(alias.length === 1 ? `-${alias}` : `--${alias}`, { name, def, negated: false });
    }
  }
  const suggestions = defs
    .filter(([, def]) => def.type !== 'positional')
    .flatMap(([name, def]) => [
      `--${name}`,
      ...(def.type === 'boolean' && def.default ? [`--no-${name}`] : []),
    ]);
  const positionals = defs.filter(([, def]) => def.type === 'positional');
  const seen = new Set<string>();
  let given = 0;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i] as string;
    if (arg === '--') {
      given += rest.length - i - 1;
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const [spelling = arg, inline] = arg.startsWith('--') ? splitOnce(arg, '=') : [arg, undefined];
      const flag = flags.get(spelling);
      if (!flag) throw usageError(`unknown option ${spelling}`, path, closest(spelling, suggestions));
      seen.add(flag.name);
      const { def } = flag;
      if (def.type === 'string' || def.type === 'enum') {
        let value = inline;
        if (value === undefined) {
          const next = rest[i + 1];
          if (next === undefined || next.startsWith('--')) {
            throw usageError(`${spelling} needs a value${def.valueHint ? ` (${def.valueHint})` : ''}`, path);
          }
          value = next;
          i += 1;
        }
        const options = def.type === 'enum' ? (def.options ?? []) : [];
        if (options.length > 0 && !options.includes(value)) {
          throw usageError(
            `--${flag.name} ${value} is not one of the allowed values: ${options.join(', ')}`,
            path,
            closest(value, options),
          );
        }
      }
      continue;
    }
    given += 1;
  }
  if (given > positionals.length) {
    const extra = rest.filter((a) => !a.startsWith('-'))[positionals.length];
    throw usageError(
      positionals.length === 0
        ? `${path.join(' ')} takes no arguments, but got ${extra ?? 'one'}`
        : `too many arguments (${path.join(' ')} takes ${positionals.map(([n]) => `<${n}>`).join(' ')})`,
      path,
    );
  }
  for (const [name, def] of defs) {
    if (def.type === 'positional') {
      const index = positionals.findIndex(([n]) => n === name);
      if (def.required !== false && def.default === undefined && index >= given) {
        throw usageError(`missing <${name}>: ${path.join(' ')} <${name}>`, path);
      }
    } else if (def.required && def.default === undefined && !seen.has(name)) {
      throw usageError(
        `missing required option --${name}${def.description ? ` (${def.description})` : ''}`,
        path,
      );
    }
  }
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
