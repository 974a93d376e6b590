"""Model definitions and the seed's checkpoint formats."""
