"""Loopback servers that speak the protocols of remote services, for tests."""
