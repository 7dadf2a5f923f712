"""The classic os.dup() tutorial: open an existing file, duplicate its descriptor,
look at /proc/PID/fd. Run it as is (the real kernel) or under the model:

    python examples/tutorial.py
    python -m fdkit examples/tutorial.py            # same output, from the model
    python -m fdkit --audit examples/tutorial.py    # ... and the leak audit
"""

import os

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "tutorial.txt")

fd = os.open(path, os.O_WRONLY)
print("opened", path, "as", fd)
copy = os.dup(fd)
print("duplicated", fd, "as", copy)
os.system("ls -l /proc/%s/fd" % os.getpid())
print("done: both descriptors refer to one open file description")
