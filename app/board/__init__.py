"""The HTML menu board: options, rendering (pure, Jinja2) and item images."""
