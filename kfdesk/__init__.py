"""kfdesk — the service counter of a residential property-management office.

The core package: store, settings, rules and services. It never imports Textual or
Rich, so scripts, cron jobs and tests can use it without a terminal UI.
"""

__version__ = "0.1.0"
