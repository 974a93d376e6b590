"""The seed's evaluation metrics (pipeline-spec §6.1)."""
