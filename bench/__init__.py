"""Recap's benchmarks: speed, memory and rate-limit behaviour against the loopback simulators.

`python -m bench` runs every scenario (P1-P7 of issue 6), prints a table and writes
bench/results.json. Not part of the test suite: nothing here passes or fails a build.
May import: anything in bot (the pipeline's prompts and chunker for the baseline, the simulators).
"""
