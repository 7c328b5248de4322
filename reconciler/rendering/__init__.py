"""Rendering: the same Plan shown as text, JSON or markdown, written to a given stream.

Views in Terraform's sense: they compute nothing, call no API, and write only to the text
stream they are handed (``Streams.out`` in commands). Colour only when the caller asks.

- ``text.render_plan`` / ``text.render_drift``: for people at a terminal;
- ``json_document.render_plan``: the plan document (contract section 6);
- ``markdown.render_plan`` / ``markdown.render_drift``: a pull-request comment or a CI step
  summary (``$GITHUB_STEP_SUMMARY``);
- ``progress``: apply's progress and its views; ``log``: reconcile's JSON lines and its view;
- ``status_page``: the HTML status page of ``reconcile --listen``.

``views`` holds what each command must show (a Protocol per command) and the table of the
classes that show it, one per ``ViewType`` (``view_types``): the commands pick their view
there, once. Nothing is imported here, so that ``commands.arguments`` can name a
``ViewType`` without loading a renderer.
"""
