"""WTForms forms of the portal; field checks delegate to portal/rules so tests can exercise them bare.

Must not touch the database: uniqueness and routing are checked by the views.
"""
