"""The NumPy recurrent engine: cells, network, losses and optimizers (NumPy only)."""
