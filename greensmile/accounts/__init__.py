"""Accounts, roles, log-in and password reset."""
