"""E-mail: the outbox, its delivery, the messages, preferences and forgotten passwords."""
