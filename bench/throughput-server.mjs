// One server for the throughput run, in its own process so the load generator does not share its
// event loop: `express` (expressAdapter + the engine's handler), `node-http` (the same handler on a
// bare node:http server, through the adapter's converter), `prototype-swap` (node-http plus Express's
// per-request prototype swap) or `hand-written` (node:http parsing the notification by hand, no engine).
// Prints its port on stdout.
import { createServer } from 'node:http';
import { expressAdapter } from '@wg-sync/adapter-express';
import { nodeHttpHandler } from '@wg-sync/adapter-express/node-http';
import { createSync, memoryStore, silentLogger } from '@wg-sync/core';
import { parseNotification } from '@wg-sync/withings/notification';
import express from 'express';

const mode = process.argv[2];
const sync = createSync({
  withings: { clientId: 'bench', clientSecret: 'bench-secret' },
  store: memoryStore(),
  logger: silentLogger,
});

function handWritten(req, res) {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= 4096) chunks.push(chunk);
  });
  req.on('end', () => {
    let status = 200;
    let body;
    try {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) status = 415;
      else if (size > 4096) status = 413;
      else {
        const n = parseNotification(Buffer.concat(chunks).toString('utf8'));
        body = { status: 'ignored', reason: 'unknown user', userId: n.userId };
      }
    } catch {
      status = 400;
    }
    const text = JSON.stringify(body ?? { error: status });
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
}

let server;
if (mode === 'express') {
  const app = express();
  app.disable('x-powered-by'); // as `wg-sync serve` does
  app.use(expressAdapter(sync));
  server = app.listen(0, '127.0.0.1');
} else if (mode === 'node-http') {
  server = createServer(nodeHttpHandler(sync)).listen(0, '127.0.0.1');
} else if (mode === 'prototype-swap') {
  // node-http plus the one thing Express's app.handle does to every request before routing: give req
  // and res its own prototypes (app.request, app.response). Shows how much of Express's cost that is.
  const app = express();
  const handler = nodeHttpHandler(sync);
  server = createServer((req, res) => {
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    return handler(req, res);
  }).listen(0, '127.0.0.1');
} else {
  server = createServer(handWritten).listen(0, '127.0.0.1');
}
server.keepAliveTimeout = 60_000;
server.once('listening', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
