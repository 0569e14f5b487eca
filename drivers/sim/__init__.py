"""Simulated meters and lines for tests, benchmarks and `make run`: real bytes on real pseudo-terminals and sockets.

Must not import the drivers' protocol code (drivers.modbus, drivers.dlms): a test double must not share the code
it tests. Protocol-neutral lines live in drivers.sim.line; each protocol brings its own devices and splitters.
"""
