"""The learning networks one installation hosts, and who belongs to which."""
