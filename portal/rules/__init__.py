"""Pure rules of the connection request and the review calendar (DOMAIN.md §1).

Must not touch the database, Flask or the clock implicitly: every input is an argument.
"""
