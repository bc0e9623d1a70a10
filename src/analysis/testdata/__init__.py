"""Synthetic raw data (synth): messy rows at any size, for benchmarks and scale tests (`python -m analysis synth`)."""
