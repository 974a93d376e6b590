"""The seed's evaluation metrics (docs/seed-pipeline.md#metrics)."""
