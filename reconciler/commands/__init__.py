"""One module per CLI command; each exposes ``run(options, streams) -> int``.

Commands glue the layers together (load → resolve → observe → plan → show/apply); they hold
no logic of their own. Beside them, one home per rule of the command layer:

- ``arguments``: the typed options of each command, built once from the flags, and the
  ``ViewType`` the output flags ask for (the view itself: ``rendering.views``);
- ``exits``: every exit-code rule (only 0, 1 and 2);
- ``signals``: what SIGINT and SIGTERM do;
- ``common``: connecting per the flags;
- ``watching``: what a reconcile loop reports besides its log (notifications, metrics,
  health, status page) and its wait for the API's budget.
"""
