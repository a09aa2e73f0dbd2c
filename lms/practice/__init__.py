"""Supervised practice: the trainee's log, supervisor review, observations and sessions."""
