/**
 * The `wg-sync` command, also callable from code (`main(argv)` returns the exit code).
 *
 * @packageDocumentation
 */
export { CliError, EXIT, explain } from './errors.js';
export { main, rootCommand } from './main.js';
