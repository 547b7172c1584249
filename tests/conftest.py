"""Shared test configuration for hhtui."""
