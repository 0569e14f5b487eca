"""Shared pytest set-up: fixture plugins by concern."""

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.outage", "tests.fixtures.meters"]
