"""The NN-debug course kit: MNIST data, a bug-seeded model, nbgrader notebooks and their autograder."""
