"""ONNX export of the detector and the classifier ensemble (DESIGN.md §6 model contracts)."""
