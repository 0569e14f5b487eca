"""Protocol code for one meter at a time: link I/O, framing, codecs, register maps, simulated meters.

Must not import any other package of uchet, nor psycopg, Flask or APScheduler (see tests/test_imports.py).
"""
