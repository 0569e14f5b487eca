"""Blueprints, one per area: pages, auth, meters, requests, staff, admin.

Must not hold SQL: views call portal/store and the domain modules.
"""
