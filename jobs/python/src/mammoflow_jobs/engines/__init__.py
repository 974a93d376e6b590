"""TensorRT engine builds (docs/seed-pipeline.md#fold-ensemble): pure rendering of what to run, thin running."""
