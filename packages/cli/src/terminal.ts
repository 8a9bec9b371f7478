import { createInterface } from 'node:readline';
import * as clack from '@clack/prompts';
import { CliError, EXIT } from './errors.js';

/** Whether we can show interactive prompts. */
export const interactive = () => Boolean(process.stdin.isTTY && process.stdout.isTTY);

let pendingLines: string[] | undefined;
let lineWaiters: Array<(line: string | undefined) => void> = [];
let stdinEnded = false;

/** Reads one line from a non-interactive stdin (scripts, tests, `echo code | wg-sync …`). */
function readLine(): Promise<string | undefined> {
  if (!pendingLines) {
    pendingLines = [];
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      const waiter = lineWaiters.shift();
      if (waiter) waiter(line);
      else pendingLines?.push(line);
    });
    rl.on('close', () => {
      stdinEnded = true;
      for (const waiter of lineWaiters) waiter(undefined);
      lineWaiters = [];
    });
  }
  const queued = pendingLines.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  if (stdinEnded) return Promise.resolve(undefined);
  return new Promise((resolve) => lineWaiters.push(resolve));
}

/** Asks for a value: a clack prompt on a terminal, a line from stdin otherwise. */
export async function ask(
  question: string,
  options: { secret?: boolean; placeholder?: string } = {},
): Promise<string> {
  if (interactive()) {
    const answer = options.secret
      ? await clack.password({ message: question })
      : await clack.text({
          message: question,
          ...(options.placeholder ? { placeholder: options.placeholder } : {}),
        });
    if (clack.isCancel(answer)) throw new CliError('cancelled', { exitCode: EXIT.USAGE });
    return String(answer).trim();
  }
  process.stderr.write(`${question} `);
  const line = await readLine();
  if (line === undefined) throw new CliError(`no answer to "${question}" on stdin`, { exitCode: EXIT.USAGE });
  return line.trim();
}

/** Asks yes/no (defaults to `initial` when not interactive). */
export async function confirm(question: string, initial: boolean): Promise<boolean> {
  if (!interactive()) return initial;
  const answer = await clack.confirm({ message: question, initialValue: initial });
  return !clack.isCancel(answer) && answer === true;
}

/** One line of human output on stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** JSON output (for --json). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
