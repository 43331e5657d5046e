"""The pure core: no I/O, no clock, no environment. Everything here is tested directly."""
