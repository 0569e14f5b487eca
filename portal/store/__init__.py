"""SQL of the portal, one module per table family; every query is a named function with %s parameters.

Must not commit or open transactions: the caller (a view or a CLI command) owns the transaction.
"""
