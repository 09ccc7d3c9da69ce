"""The kit's autograder: nbgrader autograde with every kernel in a bwrap sandbox, per-cell scores,
a report a TA can act on, feedback without hidden tests, and sharding for CI."""
