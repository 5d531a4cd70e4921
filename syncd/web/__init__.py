"""syncd's HTTP side: ``/metrics``, ``/healthz`` and ``/readyz`` (``endpoints``)."""
