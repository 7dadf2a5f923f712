"""fdkit: the POSIX file-descriptor system, modelled exactly like Linux.

- :class:`System` is the model (processes, threads, descriptor tables, open file
  descriptions, an in-memory filesystem, a terminal); :class:`Task` makes one
  thread's system calls, with Linux's check order and errno, raising ``OSError``
  subclasses as the ``os`` module does; :class:`FdInfo` is a table row and
  :class:`Finding` a leak-audit finding.
- :class:`Model` is one model process with the ``os`` module's functions over it
  (PEP 446 included); :func:`patch` routes the real ``os`` (and ``subprocess``) to
  it; ``python -m fdkit SCRIPT`` runs a script so; the pytest plugin's
  ``fdkit_system`` fixture hands a test a patched model.
"""

from ._fdkit import FdInfo, Finding, System, Task
from ._os import Model
from ._patch import active, patch

__all__ = ["System", "Task", "FdInfo", "Finding", "Model", "patch", "active"]
__version__ = "0.1.0"
