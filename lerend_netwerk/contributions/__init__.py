"""Contributions: participants send input on the network's template (sjabloon)."""
