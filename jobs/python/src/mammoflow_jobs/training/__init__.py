"""Classifier training pieces (pipeline-spec §5): schedule, sampler, loss, augmentation, loop."""
