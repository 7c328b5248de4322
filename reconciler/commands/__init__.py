"""One module per CLI command; each exposes ``run(args, streams) -> int``.

Commands glue the layers together (load → resolve → observe → plan → render/apply); they hold
no logic of their own beyond choosing what to print and which exit code to return.
"""
