/** Writing a command's figures (SVG + PNG) into its run directory; a failed figure only warns. */
import type { TopLevelSpec } from 'vega-lite';
import { warn } from './io.ts';

export async function writeFigures(
  dir: string,
  figs: Record<string, TopLevelSpec>,
): Promise<string[]> {
  const { writePlot } = await import('../plots/render.ts');
  const written: string[] = [];
  for (const [name, spec] of Object.entries(figs)) {
    try {
      await writePlot(dir, name, spec);
      written.push(name);
    } catch (e) {
      warn(`figure '${name}' could not be drawn: ${(e as Error).message}`);
    }
  }
  return written;
}
