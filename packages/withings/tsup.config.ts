import { packageBuild } from '../../tsup.shared.js';

// `./notification` is the webhook validator alone (no zod), for lean cold starts.
export default packageBuild({ index: 'src/index.ts', notification: 'src/notification.ts' });
