"""Cohorts of trainees and invitations in bulk from a CSV file."""
