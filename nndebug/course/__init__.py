"""Notebook building: authoring sources in ``notebooks/`` -> nbgrader source notebooks in ``source/``."""
