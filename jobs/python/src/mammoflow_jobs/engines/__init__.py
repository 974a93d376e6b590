"""TensorRT engine builds (pipeline-spec §7.2): pure rendering of what to run, thin running."""
