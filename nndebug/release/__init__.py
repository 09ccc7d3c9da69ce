"""The release stage: ``source/`` and ``release/`` built from the authoring sources (``make release``)."""
