"""The polling daemon and the engineer CLI: config, lines, scheduling, tasks, spool, store, health, database bootstrap.

May import drivers; must not import portal (the two share schema.sql and the database, not Python modules).
"""
