import { packageBuild } from '../../tsup.shared.js';

export default packageBuild({ index: 'src/index.ts', 'node-http': 'src/node-http/index.ts' });
