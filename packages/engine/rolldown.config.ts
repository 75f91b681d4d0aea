import pkg from './package.json' with { type: 'json' };
import { packageBundle } from '../../rolldown.shared.ts';

export default packageBundle(pkg.dependencies, { index: 'src/index.ts' });
