"""Tests for uchet: they mirror the packages; fixtures live in conftest plugins by concern."""
