"""Widgets shared by the screens: header, alert bar, fitted tables, unit lookup, inputs."""
