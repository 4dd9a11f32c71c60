"""``python -m course``: release, grade, status, new-lesson (see ``course.cli``)."""

import sys

from course.cli import main

sys.exit(main())
