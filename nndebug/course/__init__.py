"""The course layer: what every stage shares about the course itself, importing only the settings.

The shared cells (``cells``), nbgrader's cell metadata (``nbcells``), the authoring format (``authoring``),
notebook assembly (``assemble``, ``snippets``), the Colab setup cell (``colab``), the published record
(``record``), the nbgrader command runner (``nbgrader_cli``), which task a notebook holds (``tasks``), the
reference solutions (``solutions``) and the Colab-like folder a notebook runs in (``staging``).
"""
