"""Signing in and out, joining by invitation, and resetting a password."""
