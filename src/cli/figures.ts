/** Writing a command's figures (SVG + PNG) into its run directory; a failed figure only warns. */
import type { TopLevelSpec } from 'vega-lite';
import { writeFigures as write } from '../eval/figures.ts';
import { warn } from './io.ts';

export function writeFigures(dir: string, figs: Record<string, TopLevelSpec>): Promise<string[]> {
  return write(dir, figs, warn);
}
