"""Classifier training pieces (docs/seed-pipeline.md#training): schedule, sampler, loss, augmentation, loop."""
