import { seedTrainingStages } from "../../jobs/contract/parameters/classifier.ts";
import { SEED_CANDIDATE_EPOCHS } from "../../jobs/contract/parameters/engine.ts";
import type { Reproduction } from "../api/kinds/reproduction.ts";

type Spec = Reproduction["spec"];
export type FoldCandidateEpochs = { fold: number; epochs: number[] };

/**
 * The epochs select-checkpoints searches for a reproduction's folds, one entry per fold so the
 * ensemble always holds every trained fold. Given candidates are used as they are (validation
 * has checked them against the fold count and schedule). The seed's BEST_EPOCHS fit only the
 * seed's four folds on the seed's schedule; any other run selects among each fold's last
 * end-of-epoch checkpoint, which every run writes.
 */
export function reproductionCandidates(spec: Spec): FoldCandidateEpochs[] {
  const given = spec.engine.selection.candidates;
  if (given) return given.map((c) => ({ fold: c.fold, epochs: [...c.epochs] }));
  const folds = spec.dataset.cvSplit.folds;
  if (folds === SEED_CANDIDATE_EPOCHS.length && !spec.classifier.stages) {
    return SEED_CANDIDATE_EPOCHS.map((c) => ({ fold: c.fold, epochs: [...c.epochs] }));
  }
  return Array.from({ length: folds }, (_, fold) => {
    const last = (spec.classifier.stages ?? seedTrainingStages(fold)).at(-1);
    if (!last) throw new Error(`fold ${fold} has no training stage`);
    return { fold, epochs: [last.epochs] };
  });
}
