"""Simulated meters and lines for tests, benchmarks and `make run`: real bytes on real pseudo-terminals and sockets.

Must not import drivers.modbus or pymodbus: the Modbus simulator is written apart from the code it tests. The DLMS
simulator does share drivers.dlms's HDLC and APDU codec (dlms_meter.py says why). The protocol-neutral lines are
serial_line.py and tcp_server.py (devices and counts in device.py); each protocol brings its devices and splitters.
"""
