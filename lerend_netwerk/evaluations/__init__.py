"""Evaluations of sessions: a short questionnaire mailed to the attendees afterwards."""
