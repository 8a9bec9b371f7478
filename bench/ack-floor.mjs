// The ack bench's floors: a server that reads each notification and answers 200 at once, doing
// nothing else. `node-http` is a bare node:http server, `express` an Express app with one middleware
// (as `wg-sync serve` mounts its adapter). Sends `{ callbackUrl, userIds }` over IPC, closes on 'close'.
import { createServer } from 'node:http';
import express from 'express';

const [mode, users = '20'] = process.argv.slice(2);
const ANSWER = JSON.stringify({ status: 'accepted' });

function answer(req, res) {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(ANSWER),
    });
    res.end(ANSWER);
  });
}

let server;
if (mode === 'express') {
  const app = express();
  app.disable('x-powered-by');
  app.use(answer);
  server = app.listen(0, '127.0.0.1');
} else {
  server = createServer(answer).listen(0, '127.0.0.1');
}
server.once('listening', () => {
  process.send({
    callbackUrl: `http://127.0.0.1:${server.address().port}/webhook/withings`,
    userIds: Array.from({ length: Number(users) }, (_, i) => String(1000 + i)),
  });
});
process.on('message', (message) => {
  if (message === 'close') server.close(() => process.exit(0));
});
