// dynalite ships no types (TOOLCHAIN.md §4.11); tests only start and stop its HTTP server. Included by the
// tsconfig of every package whose tests run it (adapter-lambda, cli, faults).
declare module 'dynalite' {
  import type { Server } from 'node:http';

  export default function dynalite(options?: {
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }): Server;
}
