/**
 * `vibann design` with the gradient refinement on a chosen engine (src/design/refine.ts:
 * 'kernel', the default, or 'tfjs', the reference), to compare the two on the same code:
 *
 *   npx tsx bench/design-engine.ts tfjs   design --model models/default --seed 1 --out /tmp/d-tfjs --json > tfjs.json
 *   npx tsx bench/design-engine.ts kernel design --model models/default --seed 1 --out /tmp/d-kernel --json > kernel.json
 *
 * (docs/scaling.md, "Faster numerics": same candidates, refined alloys and timings).
 */
import { DEFAULT_REFINE_OPTIONS } from '../src/design/refine.ts';

const engine = process.argv[2];
if (engine !== 'kernel' && engine !== 'tfjs') {
  process.stderr.write('usage: npx tsx bench/design-engine.ts kernel|tfjs <vibann arguments>\n');
  process.exit(2);
}
DEFAULT_REFINE_OPTIONS.engine = engine;
process.argv.splice(2, 1);
await import('../test/helpers/vibann-src.ts');
