import pkg from './package.json' with { type: 'json' };
import { packageBundle } from '../../rolldown.shared.ts';

export default packageBundle(pkg.dependencies, { bin: 'src/bin.ts', index: 'src/index.ts', 'load-watchdog-worker': 'src/load-watchdog-worker.ts' });
