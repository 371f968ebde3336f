"""Make sphinx-exercise's ``hide_solutions`` work with gated solutions (``solution-start`` / ``solution-end``).

With ``hide_solutions`` on, sphinx-exercise 1.2 drops the ``solution-start``
node but keeps everything after it up to ``solution-end``, and the leftover
end node crashes the HTML writer (sphinx-exercise issue #89). So the solution
would leak, if the build did not fail first. This extension replaces the
``solution-start`` directive: when solutions are hidden it leaves a marker, and
a transform removes the marker, everything after it and the ``solution-end``
node, before sphinx-exercise merges gated directives. With ``hide_solutions``
off it changes nothing. The student edition (``make book-student``) loads it.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform


class hidden_solution_start(nodes.Element):
    """Where a hidden gated solution began; removed, with the solution, before writing."""


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    from sphinx_exercise.directive import SolutionStartDirective
    from sphinx_exercise.nodes import solution_end_node

    class HidingSolutionStart(SolutionStartDirective):
        def run(self):
            shown = super().run()  # also records the directive for sphinx-exercise's structure check
            return [hidden_solution_start()] if self.env.app.config.hide_solutions else shown

    class DropHiddenSolutions(SphinxTransform):
        default_priority = 5  # after CheckGatedDirectives (1), before MergeGatedSolutions (10)

        def apply(self) -> None:
            for marker in list(self.document.findall(hidden_solution_start)):
                parent = marker.parent
                start = parent.index(marker)
                end = next(i for i in range(start, len(parent)) if isinstance(parent[i], solution_end_node))
                for child in parent.children[start:end + 1]:
                    parent.remove(child)

    app.add_node(hidden_solution_start)
    app.add_directive("solution-start", HidingSolutionStart, override=True)
    app.add_transform(DropHiddenSolutions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
