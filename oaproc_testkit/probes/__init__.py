"""Probe processes the toolkit ships for real servers (pygeoapi plugins)."""
