import { packageBuild } from '../../tsup.shared.js';

// `bin` is the executable (a shebang on every file is harmless: Node ignores it in modules).
export default {
  ...packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' }),
  banner: { js: '#!/usr/bin/env node' },
};
