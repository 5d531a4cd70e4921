"""The application: what syncd does, spoken in the core's protocols.

``sync.SyncEngine`` pulls a ``Source``'s pages into the store; ``pipeline.Pipeline`` polls
``RoadmapFeed``s, re-decides stored issues and computes the analytics snapshot;
``daemon.Daemon`` schedules both under the writer lock. Nothing here knows a concrete
connector: ``syncd.service`` builds them from the configuration and hands them in.
"""
