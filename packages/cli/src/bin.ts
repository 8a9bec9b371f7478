import { main } from './main.js';

void main().then((code) => {
  process.exitCode = code;
});
