"""MNIST in the seed's layout: the digit sources, the PNG tree with its CSVs and zip, the grading subset."""
