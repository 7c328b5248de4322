"""One module per CLI command; each exposes ``run(options, streams) -> int``.

Commands glue the layers together (load → resolve → observe → plan → show/apply); they hold
no logic of their own. Beside them, one home per rule of the command layer:

- ``arguments``: the typed options of each command, built once from the flags, and the
  ``ViewType`` the output flags ask for (the view itself: ``rendering.views``);
- ``exits``: every exit-code rule (only 0, 1 and 2);
- ``signals``: what SIGINT and SIGTERM do;
- ``common``: connecting per the flags;
- ``watching``: what a reconcile loop reports besides its log (notifications, metrics,
  health, status page) and its wait for the API's budget;
- ``announcing``: apply's one-shot notifications and the token's forms kept out of them.

``cli`` imports a command's module when that command is dispatched, and nothing here
imports more than its command uses: ``--version`` loads no renderer, ``validate`` no HTTP
client, ``apply`` no metrics or status server (``tests/cli/test_startup.py``).
"""
