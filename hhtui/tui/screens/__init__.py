"""Screens of the app: help, preset picker (and the axon and network screens)."""
