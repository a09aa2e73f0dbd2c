"""The admin area: people, invitations and supervisor assignments."""
