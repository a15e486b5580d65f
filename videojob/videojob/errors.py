"""The job's failure types that its entry point must name before the heavy modules are imported.

`python -m videojob` records `attempt_started` before it imports numpy, PyAV or the analysis (see job.py);
its `except` clauses still have to name the planner's and the renderer's errors, so those live here, in a
module that imports nothing. planner.py and render.py re-export them under their usual names.
"""


class AnalysisError(Exception):
    """The song could not be analysed; the message is readable (no paths, no decoder output)."""


class PlanningError(Exception):
    """No plan is possible; the message says why in words a user can act on."""


class RenderError(Exception):
    """The video cannot be assembled; the message says why."""
