"""The tamper-evident audit chain: every sign-off and state change, hash-linked."""
