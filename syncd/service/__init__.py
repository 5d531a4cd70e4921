"""The composition root: the configuration, and the concrete parts wired from it.

``config`` composes every part's configuration model; ``wiring`` builds the store and the
connectors; ``run`` assembles and runs the service (daemon, pipeline, metrics, endpoints);
``demo`` runs it against the bundled Jira emulator. The CLI calls these and nothing deeper.
"""
