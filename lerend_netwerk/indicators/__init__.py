"""Indicators for the network's reporting to its funders: figures, charts and CSV exports."""
