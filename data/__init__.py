"""Shipped data of kfdesk: default settings, translations, name lists for the demo.

Read with ``importlib.resources.files("kfdesk_data")`` so an installed copy finds it.
"""
