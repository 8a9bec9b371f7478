import { main } from './main.js';

// `wg-sync demo | head`: the reader left, so there is nobody to tell; stop quietly instead of crashing.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

void main().then((code) => {
  process.exitCode = code;
});
