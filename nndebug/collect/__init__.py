"""``make collect``: from what students hand in (a Moodle or Canvas download, a folder of Colab downloads)
to ``submitted/<student_id>/<assignment>/<release notebook>.ipynb``, with a report of everything else."""
