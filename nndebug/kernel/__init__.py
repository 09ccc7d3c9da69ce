"""The only part of the kit a grading kernel imports: it guards error reporting and takes the student's answer
as data.

Nothing here judges anything: what it writes is evidence, untrusted, read by :mod:`nndebug.verify` in the
grading driver. It imports nothing else of the kit and reads no kit file.
"""
