"""syncd's HTTP side: ``/metrics``, ``/healthz``, ``/readyz`` (``endpoints``) and the read-only
web view and JSON API (``pages``, over ``drilldown`` and ``reading``) behind ``access``."""
