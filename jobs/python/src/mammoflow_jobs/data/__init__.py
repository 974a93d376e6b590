"""Datasets, splits and samplers of the classifier and the detector."""
