"""The I/O edges: the only code that touches the network, the disk or the clock of a run.

``connection`` + ``retrying`` + ``http`` + ``http_pool`` + ``answers`` + ``client`` are the
HTTP edge (``http_pool`` holds the connections, over ``http.client``; ``http`` the calls,
retries and errors, and imports httpx for the webhooks alone; ``client`` holds the
endpoints, ``answers`` the checks of their answers); ``loading`` + ``validating`` read
manifests; ``observing`` reads what Qovery holds through a ``reading.Reader`` (the client,
or a recorded catalog); ``executing`` carries out a plan; ``staleness`` and ``savedplans``
re-read for a saved plan; ``session`` opens a connection (or the embedded sandbox);
``files`` writes atomically; ``budget`` records every request and the API's rate-limit
headers. For ``reconcile``'s watchers: ``notifying`` posts events to webhooks (through
``http.post_json``), ``metrics`` keeps the Prometheus metrics, ``serving`` serves them with
``/healthz`` and the status page. Each calls the pure ``reconciler.core`` for its decisions.
"""
