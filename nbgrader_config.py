"""nbgrader configuration of the course: the repository root is the course directory."""
from nndebug.autograde.nbconfig import configure

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.CourseDirectory.course_id = "nn-debug"
configure(c)
