"""The Flask «личный кабинет»: accounts, connection requests, staff review, meter pages.

Must not import collector or drivers: it shares only schema.sql and the database with them.
"""
