"""Tools on top of the stages: the seed's experiments (``fidelity``), the student-view picture
(``screenshot``) and the speed figures (``bench``)."""
