"""kfdesk's Textual UI (installed as ``kfdesk_screens``): the app, its screens and widgets.

Screens read through ``kfdesk.views`` and write through ``kfdesk.desk``; they never touch the
Peewee models themselves.
"""
