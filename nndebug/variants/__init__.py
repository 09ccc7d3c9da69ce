"""Per-student variants of the three tasks (README: "Per-student variants").

``families``: each task's variants as data (variant 0 is the seed's bug); ``render``: a task's source
notebook for one variant; ``secret`` and ``assign``: which variant a student gets (HMAC of the course
secret and the student id, kit.toml [variants] pins and re-rolls); ``reference``: a variant's given cells
and a fix run as the autograder runs them; ``models``: task 3's pretrained model per variant.
"""
