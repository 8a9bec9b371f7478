import { packageBuild } from '../../tsup.shared.js';

// `impit` is its own entry so the main one never loads it; `shims` gives the CommonJS build of
// src/impit.ts an `import.meta.url` to resolve the optional package from.
const build = packageBuild(['src/index.ts', 'src/impit.ts']);

export default { ...build, shims: true };
