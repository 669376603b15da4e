/** Training with a progress display, shared by `vibann train` and `vibann design` (train if needed). */
import type { Dataset } from '../data/dataset.ts';
import type { Split } from '../data/split.ts';
import type { FitOptions, HardnessModel } from '../model/hardness-model.ts';
import type { BackendInfo } from '../nn/backend.ts';
import { info } from './io.ts';
import { createProgress } from './progress.ts';

export async function trainWithProgress(
  ds: Dataset,
  split: Split,
  o: Omit<FitOptions, 'onEpoch'>,
  outDir: string,
): Promise<{ model: HardnessModel; backend: BackendInfo }> {
  const { HardnessModel } = await import('../model/hardness-model.ts');
  info(
    `training on ${ds.source}: ${split.description}; train_fit ${split.trainFit.length}, calibration ${split.calibration.length}, test ${split.test.length}`,
  );
  const progress = createProgress();
  let started = false;
  const res = await HardnessModel.fit(ds, split, {
    ...o,
    onEpoch: (e) => {
      if (!started) {
        progress.start(`train ${e.members.length} networks`, e.maxEpochs);
        started = true;
      }
      const active = e.members.filter((m) => m.active).length;
      const best = Math.min(...e.members.map((m) => m.bestValMse));
      progress.update(e.epoch, `${active} active, best val MSE ${best.toFixed(4)} (std. units)`);
    },
  });
  progress.stop();
  await res.model.save(outDir);
  info(`saved the model to ${outDir}`);
  return res;
}
