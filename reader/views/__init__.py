"""The pages. ``reader/urls.py`` names each view; every page works without JavaScript."""
